"""DuoDay services: events, participations, the yearly overview and the invitations of last year's hosts.

Services add and flush, never commit. Domain errors are DuoDayError with the form field they belong to.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.orm import joinedload

from crm.auth.models import User
from crm.contacts.models import Contact
from crm.db import utcnow
from crm.domain import DomainError
from crm.duoday.models import (
    DuoDayEvent,
    DuoDayInvitation,
    DuoDayParticipation,
    ParticipationOutcome,
    ParticipationStatus,
)
from crm.employers.models import Employer, Stage
from crm.extensions import db
from crm.followups.services import FollowUpError, schedule_followup
from crm.followups.workdays import local_today
from crm.placements.models import Placement
from crm.placements.reminders import cancel_reminder, close_reminder, ensure_reminder
from crm.placements.services import PlacementError, check_participant_ref

# Registration with the DuoDay organiser must be done in time: remind a week before the deadline.
DEADLINE_REMINDER_DAYS = 7
INVITATION_LEAD_DAYS = 7


class DuoDayError(DomainError):
    """A domain error with the form field it belongs to."""


# --- events -------------------------------------------------------------------------------------


@dataclass
class EventInput:
    region: str
    event_date: date
    organiser: str | None = None
    registration_deadline: date | None = None
    note: str | None = None


def _check_event(data: EventInput, *, exclude_id: int | None = None) -> None:
    if not (data.region or "").strip():
        raise DuoDayError(_l("Please enter the region, e.g. Hamburg."), "region")
    if data.registration_deadline and data.registration_deadline > data.event_date:
        raise DuoDayError(_l("The registration deadline must be on or before the DuoDay."), "registration_deadline")
    clash = select(DuoDayEvent.id).where(
        DuoDayEvent.year == data.event_date.year, DuoDayEvent.region == data.region.strip()
    )
    if exclude_id is not None:
        clash = clash.where(DuoDayEvent.id != exclude_id)
    if db.session.scalar(clash) is not None:
        raise DuoDayError(
            _l("There already is a DuoDay %(year)d for %(region)s.", year=data.event_date.year, region=data.region),
            "region",
        )


def _apply_event(event: DuoDayEvent, data: EventInput) -> None:
    event.region = data.region.strip()
    event.event_date = data.event_date
    event.year = data.event_date.year
    event.organiser = (data.organiser or "").strip() or None
    event.registration_deadline = data.registration_deadline
    event.note = (data.note or "").strip() or None


def create_event(*, data: EventInput) -> DuoDayEvent:
    """Create the DuoDay of a region in a year."""
    _check_event(data)
    event = DuoDayEvent()
    _apply_event(event, data)
    db.session.add(event)
    db.session.flush()
    return event


def update_event(*, event: DuoDayEvent, data: EventInput, actor: User | None) -> DuoDayEvent:
    """Save the event; a moved deadline moves the open registration reminders with it."""
    _check_event(data, exclude_id=event.id)
    _apply_event(event, data)
    db.session.flush()
    for participation in event.participations:
        sync_deadline_reminder(participation=participation, actor=actor)
    return event


# --- participations -----------------------------------------------------------------------------


@dataclass
class ParticipationInput:
    event_id: int
    contact_id: int | None = None
    participant_ref: str | None = None
    coach_id: int | None = None
    job_area: str | None = None
    status: ParticipationStatus = ParticipationStatus.REQUESTED
    outcome: ParticipationOutcome = ParticipationOutcome.NONE
    feedback: str | None = None


def _check_participation(data: ParticipationInput, employer: Employer) -> DuoDayEvent:
    event = db.session.get(DuoDayEvent, data.event_id)
    if event is None or event.archived_at is not None:
        raise DuoDayError(_l("Please choose a DuoDay."), "event_id")
    try:
        data.participant_ref = check_participant_ref(data.participant_ref, required=False)
    except PlacementError as error:
        raise DuoDayError(error.message, "participant_ref") from error
    if data.contact_id is not None:
        contact = db.session.get(Contact, data.contact_id)
        if contact is None or contact.employer_id != employer.id:
            raise DuoDayError(_l("This contact person belongs to another employer."), "contact_id")
    if data.outcome != ParticipationOutcome.NONE and data.status != ParticipationStatus.DONE:
        raise DuoDayError(_l("An outcome can only be recorded once the DuoDay has taken place."), "outcome")
    return event


def _apply_participation(participation: DuoDayParticipation, data: ParticipationInput) -> None:
    participation.event_id = data.event_id
    participation.contact_id = data.contact_id
    participation.participant_ref = data.participant_ref
    participation.coach_id = data.coach_id
    participation.job_area = (data.job_area or "").strip() or None
    participation.status = data.status
    participation.outcome = data.outcome
    participation.feedback = (data.feedback or "").strip() or None


def create_participation(
    *, employer: Employer, data: ParticipationInput, actor: User | None, today: date | None = None
) -> DuoDayParticipation:
    """Plan a host employer's participation; a requested one gets a reminder before the registration deadline."""
    if employer.archived_at is not None:
        raise DuoDayError(_l("%(employer)s is archived: restore it first.", employer=employer.name), "employer")
    _check_participation(data, employer)
    participation = DuoDayParticipation(employer=employer, created_by=actor)
    _apply_participation(participation, data)
    db.session.add(participation)
    db.session.flush()
    sync_deadline_reminder(participation=participation, actor=actor, today=today)
    return participation


def update_participation(
    *, participation: DuoDayParticipation, data: ParticipationInput, actor: User | None, today: date | None = None
) -> DuoDayParticipation:
    """Save status, outcome and feedback; a confirmed or cancelled participation needs no deadline reminder."""
    if participation.archived_at is not None:
        raise DuoDayError(_l("This record is archived. An administrator can restore it."))
    _check_participation(data, participation.employer)
    _apply_participation(participation, data)
    db.session.flush()
    db.session.refresh(participation, ["event"])
    sync_deadline_reminder(participation=participation, actor=actor, today=today)
    return participation


def sync_deadline_reminder(
    *, participation: DuoDayParticipation, actor: User | None, today: date | None = None
) -> None:
    """A requested participation with a registration deadline ahead keeps one open reminder before it."""
    today = today or local_today()
    event = participation.event
    deadline = event.registration_deadline
    wanted = (
        participation.status == ParticipationStatus.REQUESTED
        and participation.archived_at is None
        and deadline is not None
        and deadline >= today
    )
    if not wanted:
        close_reminder(followup=participation.reminder_followup, actor=actor)
        return
    participation.reminder_followup = ensure_reminder(
        existing=participation.reminder_followup,
        employer=participation.employer,
        title=str(
            _l(
                "DuoDay %(region)s: confirm the registration by %(date)s",
                region=event.region,
                date=deadline.strftime("%d.%m.%Y"),
            )
        )[:200],
        due_date=deadline - timedelta(days=DEADLINE_REMINDER_DAYS),
        actor=actor,
        assignee=db.session.get(User, participation.coach_id) if participation.coach_id else None,
        today=today,
    )
    db.session.flush()


def archive_participation(*, participation: DuoDayParticipation, actor: User | None) -> DuoDayParticipation:
    """Archive a participation entered by mistake (admins can restore it); its reminder is cancelled."""
    participation.archived_at = utcnow()
    cancel_reminder(followup=participation.reminder_followup, actor=actor)
    db.session.flush()
    return participation


def restore_participation(*, participation: DuoDayParticipation, actor: User | None) -> DuoDayParticipation:
    """Bring an archived participation back, with its deadline reminder."""
    participation.archived_at = None
    db.session.flush()
    sync_deadline_reminder(participation=participation, actor=actor)
    return participation


PLACEMENT_TYPE_FOR_OUTCOME = {
    ParticipationOutcome.TASTER: "taster",
    ParticipationOutcome.TRIAL: "trial",
    ParticipationOutcome.PLACEMENT: "individual_temporary",
}


# --- the yearly overview ------------------------------------------------------------------------


@dataclass(frozen=True)
class EventRow:
    event: DuoDayEvent
    total: int
    confirmed: int
    done: int
    cancelled: int
    tasters: int
    trials: int
    placements: int


@dataclass(frozen=True)
class YearOverview:
    year: int
    rows: list[EventRow]
    total: int
    done: int
    tasters: int
    trials: int
    placements: int
    recorded_placements: int  # placements actually recorded from a participation of this year

    def rate(self, count: int) -> float | None:
        """Share of the DuoDays that took place which led to `count` (None when none took place)."""
        return count / self.done if self.done else None

    @property
    def internship_rate(self) -> float | None:
        return self.rate(self.tasters + self.trials)

    @property
    def placement_rate(self) -> float | None:
        return self.rate(self.placements)


def year_overview(year: int) -> YearOverview:
    """Counts per event and conversion to internships and placements, aggregated in SQL (two queries)."""
    p = DuoDayParticipation
    live = p.archived_at.is_(None)

    def counted(*conditions):
        return func.count(p.id).filter(live, *conditions)

    rows = db.session.execute(
        select(
            DuoDayEvent,
            counted(p.status != ParticipationStatus.CANCELLED),
            counted(p.status == ParticipationStatus.CONFIRMED),
            counted(p.status == ParticipationStatus.DONE),
            counted(p.status == ParticipationStatus.CANCELLED),
            counted(p.outcome == ParticipationOutcome.TASTER),
            counted(p.outcome == ParticipationOutcome.TRIAL),
            counted(p.outcome == ParticipationOutcome.PLACEMENT),
        )
        .outerjoin(p, p.event_id == DuoDayEvent.id)
        .where(DuoDayEvent.year == year, DuoDayEvent.archived_at.is_(None))
        .group_by(DuoDayEvent.id)
        .order_by(DuoDayEvent.event_date, DuoDayEvent.region)
    ).all()
    event_rows = [EventRow(*row) for row in rows]
    recorded = db.session.scalar(
        select(func.count(Placement.id))
        .join(p, Placement.participation_id == p.id)
        .join(DuoDayEvent, p.event_id == DuoDayEvent.id)
        .where(DuoDayEvent.year == year, Placement.archived_at.is_(None))
    )
    return YearOverview(
        year=year,
        rows=event_rows,
        total=sum(r.total for r in event_rows),
        done=sum(r.done for r in event_rows),
        tasters=sum(r.tasters for r in event_rows),
        trials=sum(r.trials for r in event_rows),
        placements=sum(r.placements for r in event_rows),
        recorded_placements=recorded or 0,
    )


def event_years() -> list[int]:
    return list(db.session.scalars(select(DuoDayEvent.year).distinct().order_by(DuoDayEvent.year.desc())))


def participations_for_event(event_id: int) -> list[DuoDayParticipation]:
    return list(
        db.session.scalars(
            select(DuoDayParticipation)
            .where(DuoDayParticipation.event_id == event_id, DuoDayParticipation.archived_at.is_(None))
            .options(
                joinedload(DuoDayParticipation.employer),
                joinedload(DuoDayParticipation.contact),
                joinedload(DuoDayParticipation.coach),
            )
            .order_by(DuoDayParticipation.created_at, DuoDayParticipation.id)
        )
    )


def participations_for_employer(employer_id: int) -> list[DuoDayParticipation]:
    return list(
        db.session.scalars(
            select(DuoDayParticipation)
            .where(DuoDayParticipation.employer_id == employer_id, DuoDayParticipation.archived_at.is_(None))
            .options(joinedload(DuoDayParticipation.event), joinedload(DuoDayParticipation.coach))
            .order_by(DuoDayParticipation.created_at.desc(), DuoDayParticipation.id.desc())
        )
    )


# --- hosted last year, not yet asked this year ----------------------------------------------------


def _hosted_in(year: int):
    return exists().where(
        DuoDayParticipation.employer_id == Employer.id,
        DuoDayParticipation.event_id == DuoDayEvent.id,
        DuoDayEvent.year == year,
        DuoDayParticipation.status == ParticipationStatus.DONE,
        DuoDayParticipation.archived_at.is_(None),
    )


def _asked_in(year: int):
    took_part = exists().where(
        DuoDayParticipation.employer_id == Employer.id,
        DuoDayParticipation.event_id == DuoDayEvent.id,
        DuoDayEvent.year == year,
        DuoDayParticipation.archived_at.is_(None),
    )
    invited = exists().where(DuoDayInvitation.employer_id == Employer.id, DuoDayInvitation.year == year)
    return took_part | invited


def hosts_to_invite(year: int, *, limit: int | None = None) -> list[Employer]:
    """Employers that hosted a DuoDay last year and have not been asked for `year` (contact allowed)."""
    query = (
        select(Employer)
        .join(Employer.stage)
        .where(
            Employer.archived_at.is_(None),
            Stage.blocks_contact.is_(False),
            _hosted_in(year - 1),
            ~_asked_in(year),
        )
        .options(joinedload(Employer.owner))
        .order_by(Employer.name)
    )
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query).unique())


@dataclass(frozen=True)
class InvitationResult:
    invited: list[Employer]
    skipped: int  # already asked, no longer a host, or no one who could hold the follow-up


def invite_hosts(
    *, employer_ids: list[int], year: int, due_date: date, actor: User, today: date | None = None
) -> InvitationResult:
    """Create an invitation follow-up for each chosen employer that is still "hosted, not asked"."""
    today = today or local_today()
    if due_date < today:
        raise DuoDayError(_l("Please choose today or a later date."), "due_date")
    eligible = {e.id: e for e in hosts_to_invite(year)}
    invited: list[Employer] = []
    skipped = 0
    for employer_id in dict.fromkeys(employer_ids):
        employer = eligible.get(employer_id)
        if employer is None:
            skipped += 1
            continue
        try:
            followup = schedule_followup(
                employer=employer,
                title=str(_l("Invite to DuoDay %(year)d (hosted last year)", year=year)),
                due_date=due_date,
                created_by=actor,
                today=today,
            )
        except FollowUpError:
            skipped += 1
            continue
        db.session.add(DuoDayInvitation(employer=employer, year=year, followup_id=followup.id, created_by_id=actor.id))
        invited.append(employer)
    db.session.flush()
    return InvitationResult(invited=invited, skipped=skipped)


def default_invitation_date(today: date | None = None) -> date:
    return (today or local_today()) + timedelta(days=INVITATION_LEAD_DAYS)


def participation_placements(participation_ids: list[int]) -> dict[int, Placement]:
    """The placement recorded from each participation (if any), in one query."""
    if not participation_ids:
        return {}
    rows = db.session.scalars(
        select(Placement).where(Placement.participation_id.in_(participation_ids), Placement.archived_at.is_(None))
    )
    return {row.participation_id: row for row in rows}
