"""Form for an erasure request."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length

from crm.forms import BaseForm


class EraseForm(BaseForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(_l("Please give the reason for the erasure, e.g. the person's request of 12.03.2025.")),
            Length(max=500),
        ],
        description=_l("Only the reason is kept in the audit trail, no personal data."),
    )
    confirm = BooleanField(
        _l("I understand that this erasure cannot be undone."),
        validators=[DataRequired(_l("Please confirm that the erasure cannot be undone."))],
    )
