"""The contact person form."""

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, SelectField, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from crm.contacts.models import Channel, Salutation
from crm.contacts.services import CONTACT_FIELDS
from crm.forms import BaseForm, email_validator, phone_validator


def at_most(limit: int) -> Length:
    return Length(max=limit, message=_l("Please use at most %(max)d characters."))


def salutation_choices() -> list[tuple[str, str]]:
    return [("", _l("— not specified —"))] + [(s.value, s.label) for s in Salutation]


def channel_choices() -> list[tuple[str, str]]:
    return [("", _l("— not specified —"))] + [(c.value, c.label) for c in Channel]


class ContactForm(BaseForm):
    salutation = SelectField(_l("Salutation"), choices=salutation_choices, validators=[Optional()])
    title = StringField(_l("Academic title"), validators=[Optional(), at_most(40)], description=_l("e.g. Dr."))
    first_name = StringField(_l("First name"), validators=[Optional(), at_most(80)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(_l("Please enter the last name.")), at_most(80)])
    function = StringField(
        _l("Function"), validators=[Optional(), at_most(120)], description=_l("e.g. head of HR, store manager")
    )
    phone = TelField(_l("Phone"), validators=[Optional(), phone_validator(), at_most(40)])
    mobile = TelField(_l("Mobile"), validators=[Optional(), phone_validator(), at_most(40)])
    email = EmailField(_l("E-mail"), validators=[Optional(), email_validator(), at_most(254)])
    preferred_channel = SelectField(_l("Preferred channel"), choices=channel_choices, validators=[Optional()])
    is_primary = BooleanField(
        _l("Primary contact"),
        description=_l("The person to call first. An employer has one; the first contact becomes it automatically."),
    )
    do_not_contact = BooleanField(
        _l("Do not contact"),
        description=_l("The person does not want to be contacted by us. This is shown prominently everywhere."),
    )
    has_left = BooleanField(
        _l("Has left the company"),
        description=_l("Kept for the history, but no longer offered when logging activities."),
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), at_most(5000)], render_kw={"rows": 3})
    data_source = StringField(
        _l("Origin of the data"),
        validators=[Optional(), at_most(200)],
        description=_l(
            "Where do these personal data come from (e.g. business card at a fair, company website, referral)? "
            "Data protection law obliges us to tell the person on request."
        ),
    )
    # The version the user started from: a save on top of someone else's change is refused, not lost.
    version = HiddenField()

    def contact_data(self) -> dict[str, Any]:
        """The typed values in the shape the contact services take."""
        data = {name: self[name].data for name in CONTACT_FIELDS}
        for name in ("title", "first_name", "function", "phone", "mobile", "email", "notes", "data_source"):
            data[name] = data[name] or None
        data["salutation"] = Salutation(data["salutation"]) if data["salutation"] else None
        data["preferred_channel"] = Channel(data["preferred_channel"]) if data["preferred_channel"] else None
        return data

    def expected_version(self) -> int:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return -1
