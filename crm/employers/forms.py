"""Employer forms: the employer itself, a stage move, and the stage and industry catalogues."""

import re
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm.auth.models import User
from crm.employers.models import EmployerSource, Industry, SizeClass
from crm.employers.services import EmployerInput, active_stages, parse_tag_names
from crm.extensions import db
from crm.forms import BaseForm, email_validator, phone_validator
from crm.sites.services import list_sites

POSTCODE_RE = re.compile(r"^\d{5}$")

# Offered as suggestions; any other spelling may be typed.
COMMON_LEGAL_FORMS = (
    "GmbH",
    "gGmbH",
    "GmbH & Co. KG",
    "UG (haftungsbeschränkt)",
    "AG",
    "KG",
    "OHG",
    "GbR",
    "e.K.",
    "e.V.",
    "eG",
)


def optional_int(value: Any) -> int | None:
    return int(value) if value not in (None, "", "None") else None


def postcode_check(form: Any, field: Any) -> None:
    if field.data and not POSTCODE_RE.match(field.data):
        raise ValidationError(_l("Please enter a five-digit postcode, e.g. 22761."))


def normalize_website(value: Any) -> Any:
    """Accept "www.firma.de" as typed and store it as "https://www.firma.de" (the form keeps what was typed)."""
    if isinstance(value, str) and value and "://" not in value:
        return f"https://{value}"
    return value


def website_check(form: Any, field: Any) -> None:
    if not field.data:
        return
    url = normalize_website(field.data)
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:  # e.g. an unbalanced "[" in the host
        host, parts = "", None
    if not parts or parts.scheme not in ("http", "https") or "." not in host or " " in url or host.startswith("."):
        raise ValidationError(_l("Please enter a web address, e.g. www.firma.de."))


class EmployerForm(BaseForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Please enter the employer's name.")), Length(max=200)],
        render_kw={"autocomplete": "organization"},
    )
    legal_form = StringField(
        _l("Legal form"), validators=[Optional(), Length(max=40)], render_kw={"list": "legal-forms"}
    )
    industry_id = SelectField(_l("Industry"), coerce=optional_int, validators=[Optional()])
    size_class = SelectField(_l("Size"), validators=[Optional()])
    street = StringField(
        _l("Street and number"), validators=[Optional(), Length(max=200)], render_kw={"autocomplete": "street-address"}
    )
    postcode = StringField(
        _l("Postcode"),
        validators=[Optional(), postcode_check],
        render_kw={"inputmode": "numeric", "autocomplete": "postal-code", "maxlength": 5},
    )
    city = StringField(_l("City"), validators=[Optional(), Length(max=100)])
    district = StringField(_l("District"), validators=[Optional(), Length(max=100)], render_kw={"list": "districts"})
    phone = StringField(
        _l("Phone"),
        validators=[Optional(), Length(max=40), phone_validator()],
        render_kw={"inputmode": "tel", "type": "tel"},
    )
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=254), email_validator()])
    website = StringField(
        _l("Website"),
        validators=[Optional(), Length(max=300), website_check],
        render_kw={"inputmode": "url"},
    )
    source = SelectField(_l("Source"), validators=[Optional()])
    owner_id = SelectField(_l("Responsible"), coerce=optional_int, validators=[Optional()])
    site_id = SelectField(_l("Site"), coerce=optional_int, validators=[Optional()])
    tags = StringField(
        _l("Tags"),
        validators=[Optional(), Length(max=500)],
        description=_l("Separate several tags with commas, e.g. Gastro, barrier-free"),
    )
    accessibility_notes = TextAreaField(
        _l("Accessibility"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 2}
    )
    transport_notes = TextAreaField(
        _l("Public transport"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 2}
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=20000)], render_kw={"rows": 4})
    version = HiddenField()

    def load_choices(self, *, current_owner_id: int | None = None, current_industry_id: int | None = None) -> None:
        """Fill the pickers; a retired industry or deactivated owner stays selectable for its employer."""
        self.industry_id.choices = [("", _l("— not set —"))] + [
            (i.id, i.name)
            for i in db.session.scalars(
                select(Industry)
                .where(or_(Industry.active.is_(True), Industry.id == current_industry_id))
                .order_by(Industry.name)
            )
        ]
        self.size_class.choices = [("", _l("— not set —"))] + [(s.value, s.label) for s in SizeClass]
        self.source.choices = [("", _l("— not set —"))] + [(s.value, s.label) for s in EmployerSource]
        self.owner_id.choices = [("", _l("— nobody —"))] + [
            (u.id, u.name)
            for u in db.session.scalars(
                select(User).where(or_(User.active.is_(True), User.id == current_owner_id)).order_by(User.name)
            )
        ]
        self.site_id.choices = [("", _l("— no site —"))] + [(s.id, s.name) for s in list_sites()]

    def to_input(self) -> EmployerInput:
        return EmployerInput(
            name=self.name.data,
            legal_form=self.legal_form.data or None,
            industry_id=self.industry_id.data,
            size_class=SizeClass(self.size_class.data) if self.size_class.data else None,
            street=self.street.data or None,
            postcode=self.postcode.data or None,
            city=self.city.data or None,
            district=self.district.data or None,
            phone=self.phone.data or None,
            email=self.email.data or None,
            website=normalize_website(self.website.data) or None,
            accessibility_notes=self.accessibility_notes.data or None,
            transport_notes=self.transport_notes.data or None,
            notes=self.notes.data or None,
            source=EmployerSource(self.source.data) if self.source.data else None,
            owner_id=self.owner_id.data,
            site_id=self.site_id.data,
            tags=parse_tag_names(self.tags.data),
        )


class EmployerCreateForm(EmployerForm):
    stage_id = SelectField(_l("Stage"), coerce=optional_int, validators=[DataRequired(_l("Please choose a stage."))])
    # Set by the second button after the duplicate warning: the user saw the candidates and creates anyway.
    confirm_duplicate = BooleanField(_l("Create anyway, it is a different employer"))

    def load_choices(self, **kwargs: Any) -> None:
        super().load_choices(**kwargs)
        # Stages that need a reason or block contact are reached by a recorded move, not at creation.
        self.stage_id.choices = [
            (s.id, s.name) for s in active_stages() if not s.blocks_contact and not s.requires_reason
        ]


class StageChangeForm(BaseForm):
    stage_id = SelectField(
        _l("New stage"), coerce=optional_int, validators=[DataRequired(_l("Please choose a stage."))]
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Required for “Declined”; helpful for every move."),
        render_kw={"rows": 2},
    )
    next = HiddenField()

    def load_choices(self, stages: list | None = None) -> None:
        self.stage_id.choices = [(s.id, s.name) for s in (stages if stages is not None else active_stages())]


class StageForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Please enter a name.")), Length(max=80)])
    position = IntegerField(
        _l("Position"),
        validators=[
            DataRequired(_l("Please enter a position.")),
            NumberRange(min=1, max=99, message=_l("Please enter a number from 1 to 99.")),
        ],
        description=_l("Order on the pipeline board; side stages come after the pipeline stages."),
    )
    kind = SelectField(_l("Kind"))
    cadence_days = IntegerField(
        _l("Contact every … days"),
        validators=[Optional(), NumberRange(min=1, max=3650, message=_l("Please enter a number from 1 to 3650."))],
        description=_l("Empty: no regular contact expected in this stage."),
    )
    requires_reason = BooleanField(_l("A reason is required when moving an employer here"))
    blocks_contact = BooleanField(_l("Do not contact: blocks follow-ups and mail"))
    active = BooleanField(_l("In use"), default=True)


class IndustryForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Please enter a name.")), Length(max=80)])
    active = BooleanField(_l("In use"), default=True)
