"""Forms for managing user accounts."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from crm.auth.models import Role
from crm.forms import BaseForm, email_validator


def role_choices() -> list[tuple[str, str]]:
    return [(role.value, role.label) for role in Role]


class UserCreateForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Please enter a name.")), Length(max=120)])
    email = EmailField(
        _l("E-mail address"), validators=[DataRequired(_l("Please enter an e-mail address.")), email_validator()]
    )
    role = SelectField(_l("Role"), choices=role_choices, default=Role.ACQUISITION.value)
    site_id = SelectField(_l("Site"), coerce=lambda v: int(v) if v else None, validators=[Optional()])
    password = PasswordField(
        _l("Initial password"),
        validators=[
            DataRequired(_l("Please enter an initial password.")),
            Length(min=12, message=_l("The password must be at least %(min)d characters long.")),
        ],
        description=_l("Tell the person in person; they can change it in their profile."),
        render_kw={"autocomplete": "new-password"},
    )


class UserEditForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Please enter a name.")), Length(max=120)])
    role = SelectField(_l("Role"), choices=role_choices)
    site_id = SelectField(_l("Site"), coerce=lambda v: int(v) if v else None, validators=[Optional()])
