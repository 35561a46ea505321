"""DuoDay forms: the event, a participation, and the bulk invitation of last year's hosts."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from crm.duoday.models import ParticipationOutcome, ParticipationStatus
from crm.duoday.services import EventInput, ParticipationInput
from crm.forms import BaseForm
from crm.placements.forms import coach_choices, optional_int, participant_field

MAX_CHARS = _l("Please use at most %(max)d characters.")


class EventForm(BaseForm):
    region = StringField(
        _l("Region"),
        validators=[DataRequired(_l("Please enter the region, e.g. Hamburg.")), Length(max=80, message=MAX_CHARS)],
        description=_l("The DuoDay date differs by region."),
    )
    event_date = DateField(
        _l("Date of the DuoDay"), validators=[InputRequired(_l("Please enter the date of the DuoDay."))]
    )
    registration_deadline = DateField(_l("Registration deadline"), validators=[Optional()])
    organiser = StringField(_l("Organiser"), validators=[Optional(), Length(max=200, message=MAX_CHARS)])
    note = TextAreaField(
        _l("Note"), validators=[Optional(), Length(max=5000, message=MAX_CHARS)], render_kw={"rows": 3}
    )

    def to_input(self) -> EventInput:
        return EventInput(
            region=self.region.data,
            event_date=self.event_date.data,
            registration_deadline=self.registration_deadline.data,
            organiser=self.organiser.data,
            note=self.note.data,
        )


class ParticipationForm(BaseForm):
    event_id = SelectField(_l("DuoDay"), coerce=optional_int, validators=[DataRequired(_l("Please choose a DuoDay."))])
    contact_id = SelectField(_l("Contact person at the host"), coerce=optional_int, validators=[Optional()])
    participant_ref = participant_field(required=False)
    coach_id = SelectField(_l("Job coach"), coerce=optional_int, validators=[Optional()])
    job_area = StringField(
        _l("Job area"),
        validators=[Optional(), Length(max=120, message=MAX_CHARS)],
        description=_l("E.g. kitchen, warehouse, reception."),
    )
    status = SelectField(_l("Status"), validators=[DataRequired(_l("Please choose a status."))])
    outcome = SelectField(_l("Outcome"), validators=[DataRequired(_l("Please choose the outcome."))])
    feedback = TextAreaField(
        _l("Feedback"),
        validators=[Optional(), Length(max=5000, message=MAX_CHARS)],
        description=_l("How the day went for the host and the participant. No health details."),
        render_kw={"rows": 3},
    )

    def load_choices(self, *, events: list, contacts: list, current_coach_id: int | None = None) -> None:
        self.event_id.choices = [("", _l("— please choose —"))] + [(e.id, str(e)) for e in events]
        self.contact_id.choices = [("", _l("— nobody —"))] + [(c.id, c.full_name) for c in contacts]
        self.coach_id.choices = coach_choices(current_coach_id)
        self.status.choices = [(s.value, s.label) for s in ParticipationStatus]
        self.outcome.choices = [(o.value, o.label) for o in ParticipationOutcome]

    def to_input(self) -> ParticipationInput:
        return ParticipationInput(
            event_id=self.event_id.data,
            contact_id=self.contact_id.data,
            participant_ref=self.participant_ref.data,
            coach_id=self.coach_id.data,
            job_area=self.job_area.data,
            status=ParticipationStatus(self.status.data),
            outcome=ParticipationOutcome(self.outcome.data),
            feedback=self.feedback.data,
        )


class InviteForm(BaseForm):
    due_date = DateField(_l("Follow-up due on"), validators=[InputRequired(_l("Please enter a date."))])
