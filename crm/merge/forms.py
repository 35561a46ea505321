"""Merge forms: choose the two employers."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField
from wtforms.validators import DataRequired, NumberRange

from crm.forms import BaseForm


class ChooseForm(BaseForm):
    class Meta:
        csrf = False  # a GET form that only navigates

    a = IntegerField(
        _l("Employer to keep (number)"),
        validators=[DataRequired(_l("Please enter the number of an employer.")), NumberRange(min=1)],
        description=_l("The number is in the address of the employer page, e.g. …/employers/123."),
    )
    b = IntegerField(
        _l("Employer to merge into it (number)"),
        validators=[DataRequired(_l("Please enter the number of an employer.")), NumberRange(min=1)],
    )


class MergeForm(BaseForm):
    """CSRF only; the per-field choices are radio buttons read by name."""
