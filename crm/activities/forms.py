"""The activity form (quick log and edit); the follow-up domain adds its "next follow-up" fields to it."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import Field, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import DateTimeLocalInput

from crm.activities.models import ActivityKind
from crm.contacts.models import Contact
from crm.db import utcnow
from crm.forms import BaseForm


def local_zone() -> ZoneInfo:
    return ZoneInfo(str(get_timezone()))


class LocalDateTimeField(Field):
    """Date and time in the user's time zone, as an aware UTC datetime.

    The browser's datetime-local control sends ISO ("2026-03-05T14:30"); without it (old browsers, typing)
    the German form "05.03.2026 14:30" is accepted too.
    """

    widget = DateTimeLocalInput()
    INPUT_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y, %H:%M", "%d.%m.%y %H:%M")

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        if isinstance(self.data, datetime):
            return self.data.astimezone(local_zone()).strftime("%Y-%m-%dT%H:%M")
        return ""

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        text = " ".join(valuelist[0].split())
        for pattern in self.INPUT_FORMATS:
            try:
                naive = datetime.strptime(text, pattern)
            except ValueError:
                continue
            self.data = naive.replace(tzinfo=local_zone()).astimezone(ZoneInfo("UTC"))
            return
        self.data = None
        raise ValueError(_("Please enter date and time, e.g. 05.03.2026 14:30."))


def optional_int(value: Any) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)


def kind_choices() -> list[tuple[str, str]]:
    return [(kind.value, kind.label) for kind in ActivityKind]


class ActivityForm(BaseForm):
    """Type, when, with whom, subject, summary, outcome. Always prefixed, so it fits on any page."""

    kind = SelectField(_l("Type"), choices=kind_choices, default=ActivityKind.CALL.value)
    occurred_at = LocalDateTimeField(
        _l("Date and time"),
        validators=[InputRequired(_l("Please enter date and time, e.g. 05.03.2026 14:30."))],
        default=utcnow,
        description=_l("Now, unless you change it (e.g. for yesterday's call)."),
    )
    contact_id = SelectField(_l("Contact person"), coerce=optional_int, validators=[Optional()])
    subject = StringField(
        _l("Subject"),
        validators=[
            DataRequired(_l("Please enter a subject, e.g. “First call with the store manager”.")),
            Length(max=200, message=_l("Please use at most %(max)d characters.")),
        ],
    )
    summary = TextAreaField(
        _l("Summary"),
        validators=[Optional(), Length(max=10000, message=_l("Please use at most %(max)d characters."))],
        description=_l("What was discussed? No health data about workshop employees."),
        render_kw={"rows": 3},
    )
    outcome = TextAreaField(
        _l("Outcome"),
        validators=[Optional(), Length(max=2000, message=_l("Please use at most %(max)d characters."))],
        description=_l("e.g. visit agreed for 12 May, sends job description"),
        render_kw={"rows": 2},
    )

    def __init__(self, *args: Any, prefix: str = "activity", **kwargs: Any) -> None:
        super().__init__(*args, prefix=prefix, **kwargs)

    def set_contacts(self, contacts: list[Contact], *, keep: Contact | None = None) -> None:
        """Offer the employer's current contacts (and `keep`, the one already on an entry being edited)."""
        offered = list(contacts)
        if keep is not None and all(c.id != keep.id for c in offered):
            offered.append(keep)
        choices: list[tuple[Any, str]] = [("", _("— nobody in particular —"))]
        for contact in offered:
            label = contact.full_name
            if contact.function:
                label += f" ({contact.function})"
            if contact.has_left or contact.archived_at:
                label += " – " + _("has left the company")
            elif contact.do_not_contact:
                label += " – " + _("do not contact")
            choices.append((contact.id, label))
        self.contact_id.choices = choices

    @property
    def kind_value(self) -> ActivityKind:
        return ActivityKind(self.kind.data)
