"""Follow-up services: schedule, complete, snooze, cancel, reassign, and the cadence ("due for contact").

Services add and flush, never commit; the caller owns the transaction. Domain errors are
FollowUpError with the form field they belong to.
"""

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, case, exists, false, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from crm.auth.models import Role, User
from crm.contacts.models import Contact
from crm.db import utcnow
from crm.domain import DomainError
from crm.employers.models import Employer, Stage
from crm.extensions import db
from crm.followups.models import FollowUp, FollowUpSnooze, FollowUpStatus, Priority, RepeatUnit
from crm.followups.workdays import local_today

# Roles that can hold follow-ups (they log contacts); viewers read only.
ASSIGNABLE_ROLES = (Role.ADMIN, Role.ACQUISITION, Role.COACH)
MAX_REPEAT = {RepeatUnit.DAYS: 730, RepeatUnit.WEEKS: 104, RepeatUnit.MONTHS: 24}
MAX_YEARS_AHEAD = 5


class FollowUpError(DomainError):
    """A domain error with the form field it belongs to."""


# --- dates -------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def advance(day: date, every: int, unit: RepeatUnit) -> date:
    """The next date of a repetition."""
    if unit == RepeatUnit.MONTHS:
        return add_months(day, every)
    return day + timedelta(days=every * (7 if unit == RepeatUnit.WEEKS else 1))


def cadence_date(employer: Employer, *, today: date) -> date | None:
    """The next contact date by the employer's stage cadence, or None if the stage has none."""
    stage = employer.stage
    if stage is None or stage.blocks_contact or not stage.cadence_days:
        return None
    return today + timedelta(days=stage.cadence_days)


# --- checks ------------------------------------------------------------------------------------


def check_employer_accepts(employer: Employer) -> None:
    """Refuse follow-ups for employers that must not be contacted or are archived."""
    if employer.stage is not None and employer.stage.blocks_contact:
        raise FollowUpError(
            _l(
                "%(employer)s is in the stage “%(stage)s”: no follow-ups can be scheduled.",
                employer=employer.name,
                stage=employer.stage.name,
            ),
            "employer",
        )
    if employer.archived_at is not None:
        raise FollowUpError(_l("%(employer)s is archived: restore it first.", employer=employer.name), "employer")


def _check_due(due_date: date | None, *, today: date, field: str = "due_date") -> date:
    if due_date is None:
        raise FollowUpError(_l("Please enter a date, e.g. %(example)s.", example=_example_date(today)), field)
    if due_date > add_months(today, 12 * MAX_YEARS_AHEAD):
        raise FollowUpError(_l("Please choose a date within the next %(years)d years.", years=MAX_YEARS_AHEAD), field)
    return due_date


def _example_date(today: date) -> str:
    return (today + timedelta(days=7)).strftime("%d.%m.%Y")


def _check_assignee(user: User | None) -> User:
    if user is None:
        raise FollowUpError(_l("Please choose who is responsible."), "assigned_to_id")
    if not user.active:
        raise FollowUpError(
            _l("%(name)s is deactivated: please choose someone else.", name=user.name), "assigned_to_id"
        )
    if user.role not in ASSIGNABLE_ROLES:
        raise FollowUpError(
            _l("%(name)s has read-only access and cannot hold follow-ups.", name=user.name), "assigned_to_id"
        )
    return user


def _check_contact(contact: Contact | None, employer: Employer) -> None:
    if contact is None:
        return
    if contact.employer_id != employer.id:
        raise FollowUpError(_l("This contact person belongs to another employer."), "contact_id")
    if contact.do_not_contact:
        raise FollowUpError(_l("%(name)s does not wish to be contacted.", name=contact.full_name), "contact_id")


def _check_repeat(every: int | None, unit: RepeatUnit | None) -> tuple[int | None, RepeatUnit | None]:
    if every is None and unit is None:
        return None, None
    if every is None or unit is None:
        raise FollowUpError(_l("Please give both the number and the unit, e.g. every 3 months."), "repeat_every")
    if not 1 <= every <= MAX_REPEAT[unit]:
        raise FollowUpError(
            _l("Please enter a number between 1 and %(maximum)d.", maximum=MAX_REPEAT[unit]), "repeat_every"
        )
    return every, unit


def default_assignee(employer: Employer, fallback: User | None) -> User | None:
    """The employer's owner if they can hold follow-ups, else `fallback` (usually the current user)."""
    owner = employer.owner
    if owner is not None and owner.active and owner.role in ASSIGNABLE_ROLES:
        return owner
    return fallback


# --- commands ----------------------------------------------------------------------------------


def schedule_followup(
    *,
    employer: Employer,
    title: str,
    due_date: date | None,
    created_by: User | None,
    assigned_to: User | None = None,
    contact: Contact | None = None,
    due_time: time | None = None,
    note: str | None = None,
    priority: Priority = Priority.NORMAL,
    repeat_every: int | None = None,
    repeat_unit: RepeatUnit | None = None,
    activity_id: int | None = None,
    previous: FollowUp | None = None,
    today: date | None = None,
) -> FollowUp:
    """Create an open follow-up; the assignee defaults to the employer's owner, then the creator."""
    today = today or local_today()
    check_employer_accepts(employer)
    title = (title or "").strip()
    if not title:
        raise FollowUpError(_l("Please enter what is to be done, e.g. “Call back about the trial”."), "title")
    due_date = _check_due(due_date, today=today)
    assignee = _check_assignee(assigned_to or default_assignee(employer, created_by))
    _check_contact(contact, employer)
    repeat_every, repeat_unit = _check_repeat(repeat_every, repeat_unit)
    followup = FollowUp(
        employer=employer,
        contact=contact,
        assigned_to=assignee,
        created_by=created_by,
        title=title[:200],
        note=note or None,
        due_date=due_date,
        due_time=due_time,
        priority=priority,
        repeat_every=repeat_every,
        repeat_unit=repeat_unit,
        activity_id=activity_id,
        previous_id=previous.id if previous is not None else None,
    )
    db.session.add(followup)
    db.session.flush()
    return followup


def update_followup(
    *,
    followup: FollowUp,
    title: str,
    due_date: date | None,
    assigned_to: User | None,
    contact: Contact | None,
    due_time: time | None,
    note: str | None,
    priority: Priority,
    repeat_every: int | None,
    repeat_unit: RepeatUnit | None,
    today: date | None = None,
) -> FollowUp:
    """Change an open follow-up."""
    today = today or local_today()
    _check_open(followup)
    title = (title or "").strip()
    if not title:
        raise FollowUpError(_l("Please enter what is to be done, e.g. “Call back about the trial”."), "title")
    due_date = _check_due(due_date, today=today)
    assignee = assigned_to if assigned_to is not None and assigned_to.id == followup.assigned_to_id else None
    assignee = assignee or _check_assignee(assigned_to)
    _check_contact(contact, followup.employer)
    followup.repeat_every, followup.repeat_unit = _check_repeat(repeat_every, repeat_unit)
    followup.title = title[:200]
    followup.due_date = due_date
    followup.due_time = due_time
    followup.assigned_to = assignee
    followup.contact = contact
    followup.note = note or None
    followup.priority = priority
    db.session.flush()
    return followup


def _check_open(followup: FollowUp) -> None:
    if followup.status != FollowUpStatus.OPEN:
        raise FollowUpError(_l("This follow-up is already done or cancelled."), "status")


@dataclass(frozen=True)
class Completion:
    followup: FollowUp
    next_followup: FollowUp | None  # created by the repetition
    suggested_date: date | None  # the cadence date offered when nothing follows


def complete_followup(*, followup: FollowUp, by: User, today: date | None = None) -> Completion:
    """Mark a follow-up done; a repeating one creates the next, otherwise the cadence date is offered."""
    today = today or local_today()
    _check_open(followup)
    followup.status = FollowUpStatus.DONE
    followup.done_at = utcnow()
    followup.done_by = by
    db.session.flush()
    employer = followup.employer
    blocked = employer.stage is not None and employer.stage.blocks_contact
    next_followup = None
    if followup.repeats and not blocked and employer.archived_at is None:
        # The rhythm counts from the day the contact happened, not from the (maybe missed) due date.
        assignee = followup.assigned_to if followup.assigned_to.active else default_assignee(employer, by)
        next_followup = schedule_followup(
            employer=employer,
            title=followup.title,
            due_date=advance(today, followup.repeat_every, followup.repeat_unit),
            due_time=followup.due_time,
            created_by=by,
            assigned_to=assignee,
            contact=followup.contact if followup.contact and not followup.contact.do_not_contact else None,
            note=followup.note,
            priority=followup.priority,
            repeat_every=followup.repeat_every,
            repeat_unit=followup.repeat_unit,
            previous=followup,
            today=today,
        )
    suggestion = None
    if next_followup is None and not blocked and not has_open_followup(employer_id=employer.id):
        suggestion = cadence_date(employer, today=today)
    return Completion(followup=followup, next_followup=next_followup, suggested_date=suggestion)


def snooze_followup(*, followup: FollowUp, to_date: date | None, by: User, today: date | None = None) -> FollowUp:
    """Postpone an open follow-up to `to_date` and record the move."""
    today = today or local_today()
    _check_open(followup)
    to_date = _check_due(to_date, today=today, field="to_date")
    if to_date < today:
        raise FollowUpError(_l("Please choose today or a later date."), "to_date")
    if to_date == followup.due_date:
        raise FollowUpError(_l("The follow-up is already due on this date."), "to_date")
    db.session.add(FollowUpSnooze(followup=followup, from_date=followup.due_date, to_date=to_date, snoozed_by=by))
    followup.due_date = to_date
    db.session.flush()
    return followup


def snooze_target(followup: FollowUp, days: int, *, today: date | None = None) -> date:
    """+1 day / +1 week count from the due date, or from today when the follow-up is overdue."""
    today = today or local_today()
    return max(followup.due_date, today) + timedelta(days=days)


def cancel_followup(*, followup: FollowUp, by: User | None, reason: str | None = None, flush: bool = True) -> FollowUp:
    """Cancel an open follow-up (kept for the history); `flush=False` inside a flush event."""
    _check_open(followup)
    followup.status = FollowUpStatus.CANCELLED
    followup.cancelled_at = utcnow()
    followup.cancelled_by = by
    followup.cancel_reason = (reason or "").strip()[:300] or None
    if flush:
        db.session.flush()
    return followup


def cancel_open_followups(*, employer_id: int, reason: str, by: User | None = None) -> list[FollowUp]:
    """Cancel every open follow-up of an employer (e.g. moved to "do not contact"); returns them."""
    followups = list(
        db.session.scalars(
            select(FollowUp).where(FollowUp.employer_id == employer_id, FollowUp.status == FollowUpStatus.OPEN)
        )
    )
    for followup in followups:
        cancel_followup(followup=followup, by=by, reason=reason)
    return followups


def reassign_followups(*, followups: Iterable[FollowUp], to_user: User | None, by: User) -> int:
    """Give open follow-ups to `to_user`, or to each employer's owner when None; returns the count."""
    count = 0
    for followup in followups:
        if followup.status != FollowUpStatus.OPEN:
            continue
        assignee = to_user or default_assignee(followup.employer, None)
        if assignee is None:
            raise FollowUpError(
                _l(
                    "%(employer)s has no active owner: please choose a person.",
                    employer=followup.employer.name,
                ),
                "to_user_id",
            )
        followup.assigned_to = _check_assignee(assignee)
        count += 1
    db.session.flush()
    return count


@dataclass(frozen=True)
class BulkResult:
    created: list[FollowUp]
    skipped_blocked: int


def bulk_schedule_followups(
    *,
    employers: Sequence[Employer],
    title: str,
    due_date: date | None,
    created_by: User,
    assigned_to: User | None = None,
    note: str | None = None,
    priority: Priority = Priority.NORMAL,
    today: date | None = None,
) -> BulkResult:
    """One follow-up per employer; employers that must not be contacted (yet) are skipped and counted."""
    created, skipped = [], 0
    due = due_date or today or local_today()
    for employer in employers:
        try:
            check_employer_accepts(employer)
        except FollowUpError:
            skipped += 1
            continue
        if employer.do_not_approach_before is not None and due < employer.do_not_approach_before:
            # After a "no", the employer is left alone until its re-approach date.
            skipped += 1
            continue
        created.append(
            schedule_followup(
                employer=employer,
                title=title,
                due_date=due_date,
                created_by=created_by,
                assigned_to=assigned_to,
                note=note,
                priority=priority,
                today=today,
            )
        )
    return BulkResult(created=created, skipped_blocked=skipped)


# --- queries -----------------------------------------------------------------------------------


def has_open_followup(*, employer_id: int) -> bool:
    return (
        db.session.scalar(
            select(FollowUp.id)
            .where(FollowUp.employer_id == employer_id, FollowUp.status == FollowUpStatus.OPEN)
            .limit(1)
        )
        is not None
    )


def open_followups_for_employer(employer_id: int) -> list[FollowUp]:
    """The employer's open follow-ups, soonest first, with what their rows show."""
    return list(
        db.session.scalars(
            select(FollowUp)
            .where(FollowUp.employer_id == employer_id, FollowUp.status == FollowUpStatus.OPEN)
            .options(joinedload(FollowUp.assigned_to), joinedload(FollowUp.contact))
            .order_by(FollowUp.due_date, FollowUp.due_time, FollowUp.id)
        )
    )


def overdue_count(*, user_id: int, today: date | None = None) -> int:
    """The user's open follow-ups due before today: one indexed COUNT."""
    today = today or local_today()
    return db.session.scalar(
        select(func.count())
        .select_from(FollowUp)
        .where(
            FollowUp.assigned_to_id == user_id,
            FollowUp.status == FollowUpStatus.OPEN,
            FollowUp.due_date < today,
        )
    )


def due_for_contact_condition(now: datetime | None = None) -> ColumnElement[bool]:
    """SQL condition "due for contact": the last contact is older than the stage's cadence.

    The cadence differs per stage, and date arithmetic on a column differs between SQLite and
    PostgreSQL; the stage catalogue is small, so each stage becomes one `stage = s AND last < cutoff`
    term with the cutoff computed here. An employer never contacted counts from its creation.
    """
    now = now or utcnow()
    stages = db.session.execute(
        select(Stage.id, Stage.cadence_days).where(Stage.cadence_days.is_not(None), Stage.blocks_contact.is_(False))
    ).all()
    if not stages:
        return false()
    last = func.coalesce(Employer.last_contact_at, Employer.created_at)
    terms = [and_(Employer.stage_id == stage_id, last < now - timedelta(days=days)) for stage_id, days in stages]
    return and_(
        or_(*terms),
        Employer.archived_at.is_(None),
        ~exists().where(FollowUp.employer_id == Employer.id, FollowUp.status == FollowUpStatus.OPEN),
    )


def due_for_contact_query(
    *, owner_ids: Sequence[int] | None = None, site_id: int | None = None, now: datetime | None = None
):
    """Select employers due for contact (optionally owned by some users / at one site), longest silent first."""
    query = select(Employer).where(due_for_contact_condition(now))
    if owner_ids is not None:
        query = query.where(Employer.owner_id.in_(owner_ids))
    if site_id is not None:
        query = query.where(Employer.site_id == site_id)
    return query.order_by(func.coalesce(Employer.last_contact_at, Employer.created_at), Employer.id)


def due_for_contact_page(
    *, owner_ids: Sequence[int] | None = None, site_id: int | None = None, limit: int = 25
) -> tuple[list[Employer], int]:
    """The first `limit` employers due for contact and how many there are.

    One scan finds the ids and the total (a window count, evaluated before the LIMIT); a second,
    tiny query loads those employers.
    """
    query = due_for_contact_query(owner_ids=owner_ids, site_id=site_id)
    rows = db.session.execute(
        query.with_only_columns(Employer.id, func.count().over().label("total")).limit(limit)
    ).all()
    if not rows:
        return [], 0
    ids = [employer_id for employer_id, _total in rows]
    loaded = {
        e.id: e
        for e in db.session.scalars(select(Employer).where(Employer.id.in_(ids)).options(joinedload(Employer.owner)))
    }
    return [loaded[employer_id] for employer_id in ids], rows[0][1]


def count_due_for_contact(**filters) -> int:
    query = due_for_contact_query(**filters).order_by(None)
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def deactivated_users_with_open_followups() -> list[tuple[User, int]]:
    """Inactive users still holding open follow-ups, with how many."""
    rows = db.session.execute(
        select(User, func.count(FollowUp.id))
        .join(FollowUp, FollowUp.assigned_to_id == User.id)
        .where(User.active.is_(False), FollowUp.status == FollowUpStatus.OPEN)
        .group_by(User.id)
        .order_by(User.name)
    ).all()
    return [(user, count) for user, count in rows]


def orphaned_followups(user_ids: Sequence[int]) -> list[FollowUp]:
    """Open follow-ups of the given (deactivated) users, with employer and owner for the reassign page."""
    if not user_ids:
        return []
    return list(
        db.session.scalars(
            select(FollowUp)
            .where(FollowUp.assigned_to_id.in_(user_ids), FollowUp.status == FollowUpStatus.OPEN)
            .options(joinedload(FollowUp.employer).joinedload(Employer.owner), joinedload(FollowUp.assigned_to))
            .order_by(FollowUp.assigned_to_id, FollowUp.due_date, FollowUp.id)
        )
    )


def assignable_users() -> list[User]:
    """Active users who can hold follow-ups, by name."""
    return list(
        db.session.scalars(
            select(User).where(User.active.is_(True), User.role.in_(ASSIGNABLE_ROLES)).order_by(User.name)
        )
    )


def followup_timeline_rows(employer_id: int, limit: int) -> list[FollowUp]:
    """The employer's follow-ups with the newest event (created, done, cancelled) first."""
    latest = func.coalesce(FollowUp.done_at, FollowUp.cancelled_at, FollowUp.created_at)
    return list(
        db.session.scalars(
            select(FollowUp)
            .where(FollowUp.employer_id == employer_id)
            .options(
                selectinload(FollowUp.created_by),
                selectinload(FollowUp.done_by),
                selectinload(FollowUp.cancelled_by),
                selectinload(FollowUp.assigned_to),
            )
            .order_by(latest.desc(), FollowUp.id.desc())
            .limit(limit)
        )
    )


# --- the follow-up page ------------------------------------------------------------------------

GROUP_KEYS = ("overdue", "today", "week", "later")
GROUP_LABELS = {
    "overdue": _l("Overdue"),
    "today": _l("Today"),
    "week": _l("Rest of this week"),
    "later": _l("Later"),
}


@dataclass
class FollowUpGroup:
    key: str
    items: list[FollowUp]
    total: int

    @property
    def label(self) -> str:
        return str(GROUP_LABELS[self.key])

    @property
    def more(self) -> int:
        return self.total - len(self.items)


def group_condition(key: str, today: date) -> ColumnElement[bool]:
    """Which due dates belong to a group; "this week" runs to Sunday."""
    week_end = today + timedelta(days=6 - today.weekday())
    return {
        "overdue": FollowUp.due_date < today,
        "today": FollowUp.due_date == today,
        "week": and_(FollowUp.due_date > today, FollowUp.due_date <= week_end),
        "later": FollowUp.due_date > week_end,
    }[key]


def overview_filters(*, assignee_id: int | None, site_id: int | None) -> list[ColumnElement[bool]]:
    terms: list[ColumnElement[bool]] = [FollowUp.status == FollowUpStatus.OPEN]
    if assignee_id is not None:
        terms.append(FollowUp.assigned_to_id == assignee_id)
    if site_id is not None:
        terms.append(FollowUp.employer_id.in_(select(Employer.id).where(Employer.site_id == site_id)))
    return terms


def priority_order() -> ColumnElement[int]:
    """High first, then normal, then low (the stored values do not sort that way)."""
    return case((FollowUp.priority == Priority.HIGH, 0), (FollowUp.priority == Priority.NORMAL, 1), else_=2)


def overview_query(key: str, *, today: date, assignee_id: int | None, site_id: int | None):
    """The open follow-ups of one group in display order, with what a row shows eager-loaded."""
    priority_rank = priority_order()
    return (
        select(FollowUp)
        .where(*overview_filters(assignee_id=assignee_id, site_id=site_id), group_condition(key, today))
        .options(joinedload(FollowUp.employer), joinedload(FollowUp.contact), joinedload(FollowUp.assigned_to))
        .order_by(FollowUp.due_date, FollowUp.due_time.nulls_first(), priority_rank, FollowUp.id)
    )


def followup_overview(
    *, today: date, assignee_id: int | None, site_id: int | None = None, limit: int = 50
) -> list[FollowUpGroup]:
    """Open follow-ups grouped overdue / today / rest of the week / later: one COUNT plus one query per group."""
    # Counting per date walks the (assignee,) status, due_date index; the buckets are summed here.
    week_end = today + timedelta(days=6 - today.weekday())
    counts: dict[str, int] = dict.fromkeys(GROUP_KEYS, 0)
    per_day = db.session.execute(
        select(FollowUp.due_date, func.count())
        .where(*overview_filters(assignee_id=assignee_id, site_id=site_id))
        .group_by(FollowUp.due_date)
    ).all()
    for due, number in per_day:
        key = "overdue" if due < today else "today" if due == today else "week" if due <= week_end else "later"
        counts[key] += number
    groups = []
    for key in GROUP_KEYS:
        total = counts.get(key, 0)
        items = []
        if total:
            query = overview_query(key, today=today, assignee_id=assignee_id, site_id=site_id).limit(limit)
            items = list(db.session.scalars(query).unique())
        groups.append(FollowUpGroup(key=key, items=items, total=total))
    return groups


def count_orphaned_followups() -> int:
    """Open follow-ups held by deactivated users (the admin is told to reassign them)."""
    return db.session.scalar(
        select(func.count())
        .select_from(FollowUp)
        .join(User, User.id == FollowUp.assigned_to_id)
        .where(FollowUp.status == FollowUpStatus.OPEN, User.active.is_(False))
    )
