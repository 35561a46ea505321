"""Placement forms: the placement with its safety checklist and funding, the next phase, the end."""

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from crm.auth.models import Role, User
from crm.extensions import db
from crm.forms import BaseForm
from crm.placements.models import PARTICIPANT_REF_MAX, PlacementOutcome, PlacementType
from crm.placements.services import PlacementInput

PARTICIPANT_HINT = _l("Only a code or internal reference – no names, no health data.")
COACH_ROLES = (Role.ADMIN, Role.ACQUISITION, Role.COACH)


def optional_int(value: Any) -> int | None:
    return int(value) if value not in (None, "", "None") else None


def participant_field(required: bool = True) -> StringField:
    validators = (
        [DataRequired(_l("Please enter the workshop code or the initials, e.g. AB-17."))] if required else [Optional()]
    )
    return StringField(
        _l("Participant (code or initials)"),
        validators=[
            *validators,
            Length(
                max=PARTICIPANT_REF_MAX,
                message=_l("Please use at most %(max)d characters: a code or initials, no name."),
            ),
        ],
        description=PARTICIPANT_HINT,
        render_kw={"maxlength": PARTICIPANT_REF_MAX, "autocomplete": "off", "spellcheck": "false"},
    )


def coach_choices(current_id: int | None = None) -> list[tuple[Any, Any]]:
    """Active staff who can accompany (plus the one already chosen)."""
    users = db.session.scalars(
        select(User)
        .where(or_(User.active.is_(True) & User.role.in_(COACH_ROLES), User.id == current_id))
        .order_by(User.name)
    )
    return [("", _l("— nobody —"))] + [(u.id, u.name) for u in users]


class PlacementForm(BaseForm):
    participant_ref = participant_field()
    placement_type = SelectField(
        _l("Kind of placement"), validators=[DataRequired(_l("Please choose the kind of placement."))]
    )
    start_date = DateField(_l("Start"), validators=[InputRequired(_l("Please enter the start date."))])
    end_date = DateField(_l("End (planned)"), validators=[Optional()])
    coach_id = SelectField(_l("Job coach"), coerce=optional_int, validators=[Optional()])
    posting_id = SelectField(_l("Job posting"), coerce=optional_int, validators=[Optional()])
    mentor_name = StringField(
        _l("Mentor at the host"),
        validators=[Optional(), Length(max=120, message=_l("Please use at most %(max)d characters."))],
        description=_l("Name or function of the person at the employer who guides the participant."),
    )
    safety_instruction_done = BooleanField(_l("Safety instruction done by the host"))
    protective_equipment_agreed = BooleanField(_l("Protective equipment agreed"))
    occupational_checkup_agreed = BooleanField(_l("Occupational medical check-up agreed"))
    risk_assessment_date = DateField(
        _l("Risk assessment (Gefährdungsbeurteilung) done on"),
        validators=[Optional()],
        description=_l("Leave empty while the risk assessment is not done."),
    )
    funding_body = StringField(
        _l("Funding body"),
        validators=[Optional(), Length(max=200, message=_l("Please use at most %(max)d characters."))],
        description=_l("E.g. Integrationsamt, Agentur für Arbeit, Eingliederungshilfe."),
    )
    subsidy_percent = IntegerField(
        _l("Wage subsidy in per cent"),
        validators=[
            Optional(),
            NumberRange(min=0, max=100, message=_l("Please enter a percentage between 0 and 100.")),
        ],
        render_kw={"inputmode": "numeric", "min": 0, "max": 100},
    )
    approval_from = DateField(_l("Approved from"), validators=[Optional()])
    approval_until = DateField(_l("Approved until"), validators=[Optional()])

    def load_choices(self, *, postings: list, current_coach_id: int | None = None) -> None:
        self.placement_type.choices = [("", _l("— please choose —"))] + [(t.value, t.label) for t in PlacementType]
        self.coach_id.choices = coach_choices(current_coach_id)
        self.posting_id.choices = [("", _l("— none —"))] + [(p.id, f"{p.title} ({p.status.label})") for p in postings]

    def _chosen_type(self) -> PlacementType | None:
        field = getattr(self, "placement_type", None)
        return PlacementType(field.data) if field is not None and field.data else None

    def to_input(self) -> PlacementInput:
        return PlacementInput(
            participant_ref=self.participant_ref.data,
            placement_type=self._chosen_type(),
            start_date=self.start_date.data,
            end_date=self.end_date.data,
            coach_id=self.coach_id.data,
            posting_id=self.posting_id.data,
            mentor_name=self.mentor_name.data,
            safety_instruction_done=self.safety_instruction_done.data,
            protective_equipment_agreed=self.protective_equipment_agreed.data,
            occupational_checkup_agreed=self.occupational_checkup_agreed.data,
            risk_assessment_date=self.risk_assessment_date.data,
            funding_body=self.funding_body.data,
            subsidy_percent=self.subsidy_percent.data,
            approval_from=self.approval_from.data,
            approval_until=self.approval_until.data,
        )


class PlacementEditForm(PlacementForm):
    """The kind changes only by starting the next phase, so the edit form leaves it out."""

    placement_type = None  # type: ignore[assignment]

    def load_choices(self, *, postings: list, current_coach_id: int | None = None) -> None:
        self.coach_id.choices = coach_choices(current_coach_id)
        self.posting_id.choices = [("", _l("— none —"))] + [(p.id, f"{p.title} ({p.status.label})") for p in postings]


class PhaseForm(BaseForm):
    placement_type = SelectField(
        _l("Next phase"), validators=[DataRequired(_l("Please choose the kind of the next phase."))]
    )
    start_date = DateField(_l("Starts on"), validators=[InputRequired(_l("Please enter the start date."))])
    note = TextAreaField(
        _l("Note"),
        validators=[Optional(), Length(max=2000, message=_l("Please use at most %(max)d characters."))],
        render_kw={"rows": 2},
    )

    def load_choices(self, current: PlacementType) -> None:
        self.placement_type.choices = [("", _l("— please choose —"))] + [
            (t.value, t.label) for t in PlacementType if t != current
        ]


class EndForm(BaseForm):
    end_date = DateField(_l("Ended on"), validators=[InputRequired(_l("Please enter the end date."))])
    outcome = SelectField(_l("Outcome"), validators=[DataRequired(_l("Please choose the outcome."))])
    reason = TextAreaField(
        _l("Reason"),
        validators=[Optional(), Length(max=2000, message=_l("Please use at most %(max)d characters."))],
        description=_l("Required unless the participant moved permanently. No health details."),
        render_kw={"rows": 3},
    )

    def load_choices(self) -> None:
        self.outcome.choices = [("", _l("— please choose —"))] + [(o.value, o.label) for o in PlacementOutcome]


class ConfirmForm(BaseForm):
    """A button with CSRF only (e.g. accept the suggested stage)."""
