"""Forms of the follow-ups: create/edit, snooze, cancel, next follow-up with an activity, bulk, reassign, settings."""

from datetime import date, datetime, time
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Field, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import DateInput, TimeInput

from crm.auth.models import User
from crm.contacts.models import Contact
from crm.domain import DomainError
from crm.followups.models import PRIORITY_LABELS, Priority, RepeatUnit
from crm.forms import BaseForm, int_or_none, show_error


def optional_int(value: Any) -> int | None:
    if value in (None, "", "None"):
        return None
    if isinstance(value, int):
        return value
    return int_or_none(value)


class LocalDateField(Field):
    """A date from the browser's date control (ISO) or typed the German way (05.03.2026)."""

    widget = DateInput()
    INPUT_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y")

    def __init__(self, *args: Any, example: str = "12.05.2026", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.example = example

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.isoformat() if isinstance(self.data, date) else ""

    def process_formdata(self, valuelist: list[str]) -> None:
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            self.data = None
            return
        for pattern in self.INPUT_FORMATS:
            try:
                self.data = datetime.strptime(text, pattern).date()
                return
            except ValueError:
                continue
        self.data = None
        raise ValueError(_("Please enter a date, e.g. %(example)s.", example=self.example))


class LocalTimeField(Field):
    """A wall-clock time (Europe/Berlin) such as 07:00."""

    widget = TimeInput()

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.strftime("%H:%M") if isinstance(self.data, time) else ""

    def process_formdata(self, valuelist: list[str]) -> None:
        text = (valuelist[0] if valuelist else "").strip().replace(".", ":")
        if not text:
            self.data = None
            return
        for pattern in ("%H:%M", "%H:%M:%S", "%H"):
            try:
                self.data = datetime.strptime(text, pattern).time()
                return
            except ValueError:
                continue
        self.data = None
        raise ValueError(_("Please enter a time, e.g. 07:30."))


def priority_choices() -> list[tuple[str, str]]:
    return [(p.value, str(PRIORITY_LABELS[p])) for p in Priority]


def repeat_unit_choices() -> list[tuple[str, str]]:
    return [("", _("— no repetition —"))] + [(u.value, u.label) for u in RepeatUnit]


def user_choices(users: list[User], *, empty: str | None = None) -> list[tuple[Any, str]]:
    choices: list[tuple[Any, str]] = [("", empty)] if empty else []
    return choices + [(u.id, u.name) for u in users]


def contact_choices(contacts: list[Contact]) -> list[tuple[Any, str]]:
    choices: list[tuple[Any, str]] = [("", _("— nobody in particular —"))]
    for contact in contacts:
        label = contact.full_name + (f" ({contact.function})" if contact.function else "")
        choices.append((contact.id, label))
    return choices


TITLE_VALIDATORS = [
    DataRequired(_l("Please enter what is to be done, e.g. “Call back about the trial”.")),
    Length(max=200, message=_l("Please use at most %(max)d characters.")),
]


class FollowUpForm(BaseForm):
    """Create or change a follow-up."""

    title = StringField(_l("What is to be done?"), validators=TITLE_VALIDATORS)
    due_date = LocalDateField(_l("Due on"), validators=[InputRequired(_l("Please enter a date, e.g. 12.05.2026."))])
    due_time = LocalTimeField(_l("Time (optional)"), validators=[Optional()])
    assigned_to_id = SelectField(_l("Responsible"), coerce=optional_int, validators=[Optional()])
    contact_id = SelectField(_l("Contact person"), coerce=optional_int, validators=[Optional()])
    priority = SelectField(_l("Priority"), choices=priority_choices, default=Priority.NORMAL.value)
    note = TextAreaField(
        _l("Note"),
        validators=[Optional(), Length(max=5000, message=_l("Please use at most %(max)d characters."))],
        render_kw={"rows": 3},
    )
    repeat_every = IntegerField(
        _l("Repeat every"),
        validators=[Optional(), NumberRange(min=1, max=730, message=_l("Please enter a number between 1 and 730."))],
        description=_l("For keeping in touch: when it is done, the next one is created."),
    )
    repeat_unit = SelectField(_l("Unit"), choices=repeat_unit_choices, default="")
    employer_id = HiddenField()
    previous_id = HiddenField()
    next = HiddenField()

    def set_choices(self, *, users: list[User], contacts: list[Contact]) -> None:
        self.assigned_to_id.choices = user_choices(users, empty=_("— the employer's owner —"))
        self.contact_id.choices = contact_choices(contacts)

    @property
    def priority_value(self) -> Priority:
        return Priority(self.priority.data or Priority.NORMAL.value)

    @property
    def repeat_unit_value(self) -> RepeatUnit | None:
        return RepeatUnit(self.repeat_unit.data) if self.repeat_unit.data else None


class NextFollowUpForm(BaseForm):
    """The "next follow-up" part of the activity form; an empty date means no follow-up."""

    class Meta:
        csrf = False  # part of the activity form, which carries the token

    due_date = LocalDateField(_l("Next follow-up on"), validators=[Optional()])
    title = StringField(
        _l("What is to be done?"),
        validators=[Optional(), Length(max=200, message=_l("Please use at most %(max)d characters."))],
    )
    assigned_to_id = SelectField(_l("Responsible"), coerce=optional_int, validators=[Optional()])
    complete_ids = HiddenField()  # filled from the checkboxes by the hook (several values)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "next_followup")
        super().__init__(*args, **kwargs)


class SnoozeForm(BaseForm):
    """+1 day, +1 week (buttons named `days`) or a chosen date."""

    days = IntegerField(validators=[Optional(), NumberRange(min=1, max=365)])
    to_date = LocalDateField(_l("New date"), validators=[Optional()])
    next = HiddenField()


class CompleteForm(BaseForm):
    next = HiddenField()


class CancelForm(BaseForm):
    reason = StringField(
        _l("Reason (optional)"),
        validators=[Optional(), Length(max=300, message=_l("Please use at most %(max)d characters."))],
    )
    next = HiddenField()


class BulkFollowUpForm(BaseForm):
    """One follow-up for every employer of a filtered list."""

    title = StringField(_l("What is to be done?"), validators=TITLE_VALIDATORS)
    due_date = LocalDateField(_l("Due on"), validators=[InputRequired(_l("Please enter a date, e.g. 12.05.2026."))])
    assigned_to_id = SelectField(_l("Responsible"), coerce=optional_int, validators=[Optional()])
    priority = SelectField(_l("Priority"), choices=priority_choices, default=Priority.NORMAL.value)
    note = TextAreaField(
        _l("Note"),
        validators=[Optional(), Length(max=5000, message=_l("Please use at most %(max)d characters."))],
        render_kw={"rows": 2},
    )
    confirmed_count = HiddenField()

    def set_choices(self, users: list[User]) -> None:
        self.assigned_to_id.choices = user_choices(users, empty=_("— each employer's owner —"))

    @property
    def priority_value(self) -> Priority:
        return Priority(self.priority.data or Priority.NORMAL.value)


class ReassignForm(BaseForm):
    """Give a deactivated user's open follow-ups to someone else."""

    from_user_id = HiddenField(validators=[InputRequired()])
    to_user_id = SelectField(_l("New responsible person"), coerce=optional_int, validators=[Optional()])

    def set_choices(self, users: list[User]) -> None:
        self.to_user_id.choices = user_choices(users, empty=_("— each employer's owner —"))


class DigestSettingsForm(BaseForm):
    """The user's morning e-mail."""

    digest_enabled = BooleanField(_l("Send me the follow-up e-mail on working days"))
    digest_time = LocalTimeField(
        _l("Time"),
        # DataRequired, not InputRequired: a blank " " is input, but no time (the view then failed on None).
        validators=[DataRequired(_l("Please enter a time, e.g. 07:30."))],
        description=_l("German time (Europe/Berlin). Nothing due, no e-mail."),
    )


def show_followup_error(form: Any, error: DomainError, *, fallback: str = "due_date") -> None:
    """A rule about the employer or the status concerns the whole form; any other belongs next to a date."""
    show_error(form, error, default_field=None if error.field in ("employer", "status") else fallback)
