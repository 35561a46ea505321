"""Form to create an API token."""

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField
from wtforms.validators import DataRequired, Length

from crm.api.models import SCOPE_LABELS, TokenScope
from crm.forms import BaseForm


class TokenForm(BaseForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Please give the token a name, e.g. the program that uses it.")), Length(max=80)],
        description=_l("e.g. “Excel report” or “website form”"),
    )
    scope = RadioField(
        _l("Access"),
        choices=[(s.value, SCOPE_LABELS[s]) for s in TokenScope],
        default=TokenScope.READ.value,
        validators=[DataRequired()],
    )
