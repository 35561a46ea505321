"""Forms: a referral (new or existing employer), the partner catalogue, other providers involved."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from crm.forms import BaseForm, email_validator, phone_validator
from crm.referrals.models import PartnerKind
from crm.referrals.services import active_partners


def at_most(limit: int) -> Length:
    return Length(max=limit, message=_l("Please use at most %(max)d characters."))


def optional_id(value) -> int | None:
    return int(value) if value not in (None, "", "None") else None


def postcode_check(form, field) -> None:
    if field.data and not (len(field.data) == 5 and field.data.isdigit()):
        raise ValidationError(_l("Please enter a five-digit postcode, e.g. 22761."))


class _ReferrerFields:
    def load_choices(self, contacts=()) -> None:
        self.partner_id.choices = [("", _l("— no partner —"))] + [(p.id, p.name) for p in active_partners()]
        self.contact_id.choices = [("", _l("— nobody in particular —"))] + [
            (c.id, c.full_name) for c in contacts if c.is_current
        ]


class NewReferredEmployerForm(_ReferrerFields, BaseForm):
    """Create the recommended employer together with the referral."""

    name = StringField(
        _l("Name of the recommended employer"), validators=[DataRequired(_l("Please enter the name.")), at_most(200)]
    )
    postcode = StringField(_l("Postcode"), validators=[Optional(), postcode_check])
    city = StringField(_l("City"), validators=[Optional(), at_most(100)])
    phone = StringField(_l("Phone"), validators=[Optional(), phone_validator(), at_most(40)])
    email = StringField(_l("E-mail"), validators=[Optional(), email_validator(), at_most(254)])
    partner_id = SelectField(_l("Recommended by network partner"), coerce=optional_id, validators=[Optional()])
    contact_id = SelectField(_l("Recommended by (contact person)"), coerce=optional_id, validators=[Optional()])
    referred_on = DateField(
        _l("Date of the recommendation"), validators=[DataRequired(_l("Please enter a date, e.g. 03.03.2026."))]
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), at_most(2000)], render_kw={"rows": 2})
    confirm_duplicate = BooleanField(_l("Create anyway"))


class ExistingReferralForm(_ReferrerFields, BaseForm):
    """Record who recommended an employer already in the CRM."""

    referrer_name = StringField(
        _l("Recommending employer"),
        validators=[Optional(), at_most(200)],
        description=_l("Type part of the name; or choose a network partner below."),
    )
    referrer_id = RadioField(_l("Which employer do you mean?"), coerce=optional_id, validators=[Optional()], choices=[])
    partner_id = SelectField(_l("Recommended by network partner"), coerce=optional_id, validators=[Optional()])
    contact_id = SelectField(_l("Contact person"), coerce=optional_id, validators=[Optional()], choices=[])
    referred_on = DateField(
        _l("Date of the recommendation"), validators=[DataRequired(_l("Please enter a date, e.g. 03.03.2026."))]
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), at_most(2000)], render_kw={"rows": 2})

    def load_choices(self, contacts=()) -> None:
        self.partner_id.choices = [("", _l("— no partner —"))] + [(p.id, p.name) for p in active_partners()]


class PartnerForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Please enter a name.")), at_most(160)])
    kind = SelectField(_l("Kind"), choices=lambda: [(k.value, k.label) for k in PartnerKind])
    note = TextAreaField(_l("Note"), validators=[Optional(), at_most(2000)], render_kw={"rows": 2})
    active = BooleanField(_l("In use"), default=True)


class ProviderForm(BaseForm):
    partner_id = SelectField(
        _l("Other provider"), coerce=optional_id, validators=[DataRequired(_l("Please choose a provider."))]
    )
    note = StringField(
        _l("Note"), validators=[Optional(), at_most(300)], description=_l("e.g. who at the provider is in touch")
    )

    def load_choices(self) -> None:
        self.partner_id.choices = [("", _l("— please choose —"))] + [
            (p.id, p.name) for p in active_partners(kind=PartnerKind.PROVIDER)
        ]
