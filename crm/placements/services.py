"""Placement services: record, edit, move to the next phase, end; safety and funding reminders.

Services add and flush, never commit. Domain errors are PlacementError with the form field they belong to.
"""

import re
from dataclasses import dataclass, fields
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from crm.auth.models import User
from crm.db import utcnow
from crm.domain import DomainError
from crm.employers.models import Employer, Stage
from crm.extensions import db
from crm.followups.workdays import local_today
from crm.placements.models import (
    PARTICIPANT_REF_MAX,
    Placement,
    PlacementOutcome,
    PlacementPhase,
    PlacementType,
)
from crm.placements.reminders import cancel_reminder, close_reminder, ensure_reminder
from crm.postings.models import JobPosting

COOPERATION_STAGE_KEY = "cooperation"
# The approval of Budget für Arbeit / Ausbildung must be extended in time: remind six weeks before.
FUNDING_REMINDER_DAYS = 42
# Open safety items are settled before the first day, or within a week for a placement already running.
SAFETY_LEAD_DAYS = 3
SAFETY_GRACE_DAYS = 7

# Codes and initials: letters, digits and a few separators; a name would be two long words.
PARTICIPANT_REF_RE = re.compile(r"^[0-9A-Za-zÄÖÜäöüß .\-_/]+$")
LOOKS_LIKE_NAME_RE = re.compile(r"^[A-Za-zÄÖÜäöüß]{3,}[ \-][A-Za-zÄÖÜäöüß]{3,}$")


class PlacementError(DomainError):
    """A domain error with the form field it belongs to."""


def check_participant_ref(value: str | None, *, field: str = "participant_ref", required: bool = True) -> str | None:
    """Return the cleaned pseudonymous reference, or raise when it is missing, too long or looks like a name."""
    value = (value or "").strip()
    if not value:
        if required:
            raise PlacementError(_l("Please enter the workshop code or the initials, e.g. AB-17."), field)
        return None
    if len(value) > PARTICIPANT_REF_MAX:
        raise PlacementError(
            _l("Please use at most %(max)d characters: a code or initials, no name.", max=PARTICIPANT_REF_MAX), field
        )
    if not PARTICIPANT_REF_RE.match(value) or LOOKS_LIKE_NAME_RE.match(value):
        raise PlacementError(
            _l("Please enter only a code or initials (letters, digits, dots, hyphens), no name."), field
        )
    return value


@dataclass
class PlacementInput:
    """What the placement form collects (the phase type only on creation)."""

    participant_ref: str
    start_date: date
    placement_type: PlacementType | None = None
    coach_id: int | None = None
    posting_id: int | None = None
    end_date: date | None = None
    mentor_name: str | None = None
    safety_instruction_done: bool = False
    protective_equipment_agreed: bool = False
    occupational_checkup_agreed: bool = False
    risk_assessment_date: date | None = None
    funding_body: str | None = None
    subsidy_percent: int | None = None
    approval_from: date | None = None
    approval_until: date | None = None


ARCHIVED = _l("This record is archived. An administrator can restore it.")


def _check_not_archived(placement: Placement) -> None:
    if placement.archived_at is not None:
        raise PlacementError(ARCHIVED)


def _check(data: PlacementInput, employer: Employer, *, today: date) -> None:
    data.participant_ref = check_participant_ref(data.participant_ref)  # type: ignore[assignment]
    if data.end_date is not None and data.end_date < data.start_date:
        raise PlacementError(_l("The end must not be before the start."), "end_date")
    if data.risk_assessment_date is not None and data.risk_assessment_date > today:
        raise PlacementError(_l("The risk assessment cannot be dated in the future."), "risk_assessment_date")
    if data.approval_from and data.approval_until and data.approval_until < data.approval_from:
        raise PlacementError(_l("The approval must not end before it begins."), "approval_until")
    if data.subsidy_percent is not None and not 0 <= data.subsidy_percent <= 100:
        raise PlacementError(_l("Please enter a percentage between 0 and 100."), "subsidy_percent")
    if data.posting_id is not None:
        posting = db.session.get(JobPosting, data.posting_id)
        if posting is None or posting.employer_id != employer.id:
            raise PlacementError(_l("This job posting belongs to another employer."), "posting_id")


def _apply(placement: Placement, data: PlacementInput) -> None:
    for item in fields(PlacementInput):
        if item.name == "placement_type":
            continue
        setattr(placement, item.name, getattr(data, item.name))
    placement.mentor_name = (data.mentor_name or "").strip() or None
    placement.funding_body = (data.funding_body or "").strip() or None


def create_placement(
    *,
    employer: Employer,
    data: PlacementInput,
    actor: User | None,
    participation_id: int | None = None,
    today: date | None = None,
) -> Placement:
    """Record a placement with its first phase; reminders for open safety items and the funding end."""
    today = today or local_today()
    if data.placement_type is None:
        raise PlacementError(_l("Please choose the kind of placement."), "placement_type")
    if employer.archived_at is not None:
        raise PlacementError(_l("%(employer)s is archived: restore it first.", employer=employer.name), "employer")
    _check(data, employer, today=today)
    placement = Placement(
        employer=employer,
        placement_type=data.placement_type,
        participation_id=participation_id,
        created_by=actor,
    )
    _apply(placement, data)
    db.session.add(placement)
    db.session.flush()
    db.session.add(
        PlacementPhase(
            placement=placement,
            employer_id=employer.id,
            placement_type=data.placement_type,
            start_date=data.start_date,
            end_date=data.end_date,
            recorded_by=actor,
        )
    )
    db.session.flush()
    sync_reminders(placement=placement, actor=actor, today=today)
    return placement


def update_placement(
    *, placement: Placement, data: PlacementInput, actor: User | None, today: date | None = None
) -> Placement:
    """Save the edited facts, checklist and funding; keep the reminders in step."""
    today = today or local_today()
    _check_not_archived(placement)
    _check(data, placement.employer, today=today)
    _apply(placement, data)
    current = current_phase(placement)
    if current is not None and len(placement.phases) == 1:
        current.start_date = placement.start_date
    if current is not None and placement.outcome is not None:
        current.end_date = placement.end_date
    db.session.flush()
    sync_reminders(placement=placement, actor=actor, today=today)
    return placement


def current_phase(placement: Placement) -> PlacementPhase | None:
    return placement.phases[-1] if placement.phases else None


def advance_placement(
    *,
    placement: Placement,
    placement_type: PlacementType,
    start_date: date,
    note: str | None,
    actor: User | None,
    today: date | None = None,
) -> PlacementPhase:
    """Start the next phase (e.g. trial → outsourced workplace); the previous phase ends that day."""
    _check_not_archived(placement)
    if not placement.is_active:
        raise PlacementError(_l("This placement has ended. Record a new placement instead."), "placement_type")
    if placement_type == placement.placement_type:
        raise PlacementError(_l("Please choose a different kind than the current phase."), "placement_type")
    previous = current_phase(placement)
    if previous is not None and start_date < previous.start_date:
        raise PlacementError(
            _l(
                "The next phase cannot start before the current one (%(date)s).",
                date=previous.start_date.strftime("%d.%m.%Y"),
            ),
            "start_date",
        )
    if previous is not None:
        previous.end_date = start_date
    phase = PlacementPhase(
        placement=placement,
        employer_id=placement.employer_id,
        placement_type=placement_type,
        start_date=start_date,
        note=(note or "").strip() or None,
        recorded_by=actor,
    )
    db.session.add(phase)
    placement.placement_type = placement_type
    db.session.flush()
    sync_reminders(placement=placement, actor=actor, today=today)
    return phase


def end_placement(
    *,
    placement: Placement,
    end_date: date,
    outcome: PlacementOutcome,
    reason: str | None,
    actor: User | None,
) -> Placement:
    """Close the placement with its outcome; open reminders about it are closed."""
    reason = (reason or "").strip() or None
    _check_not_archived(placement)
    if not placement.is_active:
        raise PlacementError(_l("This placement has already ended."), "outcome")
    if end_date < placement.start_date:
        raise PlacementError(_l("The end must not be before the start."), "end_date")
    if outcome != PlacementOutcome.PERMANENT_MOVE and not reason:
        raise PlacementError(_l("Please give a reason, e.g. what the employer or the participant said."), "reason")
    placement.end_date = end_date
    placement.outcome = outcome
    placement.outcome_reason = reason
    phase = current_phase(placement)
    if phase is not None:
        phase.end_date = end_date
    close_reminder(followup=placement.safety_followup, actor=actor)
    close_reminder(followup=placement.funding_followup, actor=actor)
    db.session.flush()
    return placement


def archive_placement(*, placement: Placement, actor: User | None) -> Placement:
    """Archive a placement recorded by mistake (admins can restore it); its reminders are cancelled."""
    placement.archived_at = utcnow()
    cancel_reminder(followup=placement.safety_followup, actor=actor)
    cancel_reminder(followup=placement.funding_followup, actor=actor)
    db.session.flush()
    return placement


def restore_placement(*, placement: Placement, actor: User | None) -> Placement:
    """Bring an archived placement back, with its reminders."""
    placement.archived_at = None
    db.session.flush()
    sync_reminders(placement=placement, actor=actor)
    return placement


def sync_reminders(*, placement: Placement, actor: User | None, today: date | None = None) -> None:
    """One open follow-up while a safety item is open, and one before the funding approval ends."""
    today = today or local_today()
    # By id: the relationship may still hold the previous coach after the id was changed in this session.
    coach = db.session.get(User, placement.coach_id) if placement.coach_id else None
    open_items = placement.open_safety_items
    if placement.is_active and open_items:
        due = placement.start_date - timedelta(days=SAFETY_LEAD_DAYS)
        if due < today:
            due = today + timedelta(days=SAFETY_GRACE_DAYS)
        title = ngettext(
            "Occupational safety for %(ref)s: %(num)d item open",
            "Occupational safety for %(ref)s: %(num)d items open",
            len(open_items),
            ref=placement.participant_ref,
        )
        placement.safety_followup = ensure_reminder(
            existing=placement.safety_followup,
            employer=placement.employer,
            title=title,
            due_date=due,
            actor=actor,
            assignee=coach,
            note="\n".join(f"– {item}" for item in open_items),
            today=today,
        )
    else:
        close_reminder(followup=placement.safety_followup, actor=actor)
    if placement.is_active and placement.placement_type.is_funded and placement.approval_until:
        placement.funding_followup = ensure_reminder(
            existing=placement.funding_followup,
            employer=placement.employer,
            title=str(
                _l(
                    "Funding approval for %(ref)s ends on %(date)s: apply for an extension",
                    ref=placement.participant_ref,
                    date=placement.approval_until.strftime("%d.%m.%Y"),
                )
            ),
            due_date=placement.approval_until - timedelta(days=FUNDING_REMINDER_DAYS),
            actor=actor,
            assignee=coach,
            note=placement.funding_body,
            today=today,
        )
    else:
        close_reminder(followup=placement.funding_followup, actor=actor)
    db.session.flush()


def cooperation_suggestion(placement: Placement) -> Stage | None:
    """The stage "Kooperation" when this is the employer's first placement and it is not there yet."""
    employer = placement.employer
    if employer.stage is None or employer.stage.key == COOPERATION_STAGE_KEY or employer.stage.blocks_contact:
        return None
    if employer.archived_at is not None:
        return None
    first_id = db.session.scalar(
        select(Placement.id)
        .where(Placement.employer_id == employer.id, Placement.archived_at.is_(None))
        .order_by(Placement.start_date, Placement.id)
        .limit(1)
    )
    if first_id != placement.id:
        return None
    stage = db.session.scalar(select(Stage).where(Stage.key == COOPERATION_STAGE_KEY, Stage.active.is_(True)))
    return stage


def placements_for_employer(employer_id: int) -> list[Placement]:
    """The employer's placements, newest first, with their phases and coach (constant queries)."""
    return list(
        db.session.scalars(
            select(Placement)
            .where(Placement.employer_id == employer_id, Placement.archived_at.is_(None))
            .options(selectinload(Placement.phases), joinedload(Placement.coach))
            .order_by(Placement.start_date.desc(), Placement.id.desc())
        )
    )


def unlinked_placements(employer_id: int, posting_id: int | None = None) -> list[Placement]:
    """Placements of the employer that a posting could have been filled by (no posting yet, or this one)."""
    query = select(Placement).where(Placement.employer_id == employer_id, Placement.archived_at.is_(None))
    if posting_id is None:
        query = query.where(Placement.posting_id.is_(None))
    else:
        query = query.where((Placement.posting_id.is_(None)) | (Placement.posting_id == posting_id))
    return list(db.session.scalars(query.order_by(Placement.start_date.desc())))


def placement_counts(employer_id: int) -> dict[str, int]:
    """How the employer's placements went: total, active, permanent moves (one query)."""
    row = db.session.execute(
        select(
            func.count(Placement.id),
            func.count(Placement.id).filter(Placement.outcome.is_(None)),
            func.count(Placement.id).filter(Placement.outcome == PlacementOutcome.PERMANENT_MOVE),
        ).where(Placement.employer_id == employer_id, Placement.archived_at.is_(None))
    ).one()
    return {"total": row[0], "active": row[1], "permanent": row[2]}
