"""The reports' figures, each computed by a few grouped SQL statements (no loops over rows).

Every function takes a `Period` (start and end day, optional site) and returns plain rows; the
views turn them into charts and tables. Months are 'YYYY-MM' in UTC (see crm.reports.sql).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, union_all
from sqlalchemy.orm import aliased

from crm.activities.models import Activity, ActivityKind
from crm.auth.models import User
from crm.duoday.models import DuoDayEvent, DuoDayParticipation, ParticipationOutcome, ParticipationStatus
from crm.employers.models import Employer, EmployerSource, Stage, StageChange, StageKind
from crm.extensions import db
from crm.placements.models import Placement, PlacementOutcome, PlacementPhase, PlacementType
from crm.reports.models import QuotaSettings
from crm.reports.sql import days_between, month_of

COOPERATION = "cooperation"
# Placement phases that count as working outside the workshop while staying a workshop employee:
# outsourced individual workplaces and outdoor work groups. Budget für Arbeit/Ausbildung and regular
# jobs leave the workshop; taster internships and trial employment are short steps before a move.
OUTSIDE_TYPES = (PlacementType.INDIVIDUAL_TEMPORARY, PlacementType.INDIVIDUAL_PERMANENT, PlacementType.GROUP)


@dataclass(frozen=True)
class Period:
    """The reports' filter: days from `start` to `end` (both included) and optionally one site."""

    start: date
    end: date
    site_id: int | None = None

    @property
    def start_at(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC)

    @property
    def end_at(self) -> datetime:
        """The first moment after the period (exclusive bound)."""
        after = self.end + timedelta(days=1)
        return datetime(after.year, after.month, after.day, tzinfo=UTC)

    def months(self) -> list[str]:
        """'YYYY-MM' for every month the period touches."""
        return month_range(self.start, self.end)


def month_range(start: date, end: date) -> list[str]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _site(query: Select, period: Period, employer_id: Any) -> Select:
    if period.site_id is None:
        return query
    return query.where(employer_id.in_(select(Employer.id).where(Employer.site_id == period.site_id)))


def _cohort(period: Period) -> list[ColumnElement[bool]]:
    """Employers added in the period (at the site): the funnel's and the sources' cohort."""
    terms = [
        Employer.archived_at.is_(None),
        Employer.created_at >= period.start_at,
        Employer.created_at < period.end_at,
    ]
    if period.site_id is not None:
        terms.append(Employer.site_id == period.site_id)
    return terms


# --- funnel -----------------------------------------------------------------------------------------


@dataclass
class FunnelRow:
    stage: Stage
    now: int
    reached: int | None  # pipeline stages only
    conversion: float | None  # percent of those who reached this stage that reached the next
    median_days: float | None
    stays: int


def funnel(period: Period) -> list[FunnelRow]:
    """Per stage: cohort employers in it now, reached it (furthest pipeline stage), conversion, median days."""
    stages = list(db.session.scalars(select(Stage).order_by(Stage.position, Stage.id)))
    cohort_ids = select(Employer.id).where(*_cohort(period))
    now = dict(
        db.session.execute(
            select(Employer.stage_id, func.count()).where(*_cohort(period)).group_by(Employer.stage_id)
        ).all()
    )

    visits = union_all(
        select(StageChange.employer_id.label("employer_id"), StageChange.to_stage_id.label("stage_id")).where(
            StageChange.employer_id.in_(cohort_ids)
        ),
        select(Employer.id.label("employer_id"), Employer.stage_id.label("stage_id")).where(*_cohort(period)),
    ).subquery("visits")
    furthest = (
        select(visits.c.employer_id, func.max(Stage.position).label("position"))
        .join(Stage, Stage.id == visits.c.stage_id)
        .where(Stage.kind == StageKind.PIPELINE)
        .group_by(visits.c.employer_id)
        .subquery("furthest")
    )
    target = aliased(Stage)
    reached = dict(
        db.session.execute(
            select(target.id, func.count(furthest.c.employer_id))
            .select_from(target)
            .join(furthest, furthest.c.position >= target.position)
            .where(target.kind == StageKind.PIPELINE)
            .group_by(target.id)
        ).all()
    )

    ordered = (
        select(
            StageChange.to_stage_id.label("stage_id"),
            StageChange.changed_at.label("entered"),
            func.lead(StageChange.changed_at)
            .over(partition_by=StageChange.employer_id, order_by=(StageChange.changed_at, StageChange.id))
            .label("left_at"),
        )
        .where(StageChange.employer_id.in_(cohort_ids))
        .subquery("ordered")
    )
    stays = (
        select(ordered.c.stage_id, days_between(ordered.c.entered, ordered.c.left_at).label("days"))
        .where(ordered.c.left_at.is_not(None))
        .subquery("stays")
    )
    ranked = select(
        stays.c.stage_id,
        stays.c.days,
        func.row_number().over(partition_by=stays.c.stage_id, order_by=stays.c.days).label("rn"),
        func.count().over(partition_by=stays.c.stage_id).label("n"),
    ).subquery("ranked")
    medians = {
        stage_id: (float(days), int(n))
        for stage_id, days, n in db.session.execute(
            select(ranked.c.stage_id, func.avg(ranked.c.days), func.max(ranked.c.n))
            .where(or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2))
            .group_by(ranked.c.stage_id)
        ).all()
    }

    pipeline = [stage for stage in stages if stage.kind == StageKind.PIPELINE]
    following = {stage.id: nxt for stage, nxt in zip(pipeline, pipeline[1:], strict=False)}
    rows = []
    for stage in stages:
        if not stage.active and not now.get(stage.id):
            continue
        is_pipeline = stage.kind == StageKind.PIPELINE
        count_reached = reached.get(stage.id, 0) if is_pipeline else None
        conversion = None
        nxt = following.get(stage.id)
        if is_pipeline and nxt is not None and count_reached:
            conversion = 100 * reached.get(nxt.id, 0) / count_reached
        median, n = medians.get(stage.id, (None, 0))
        rows.append(FunnelRow(stage, now.get(stage.id, 0), count_reached, conversion, median, n))
    return rows


# --- sources ----------------------------------------------------------------------------------------


@dataclass
class SourceRow:
    month: str
    source: EmployerSource | None
    new: int
    cooperations: int


def reached_cooperation() -> ColumnElement[bool]:
    """The employer is in cooperation now or was at some time."""
    coop = select(Stage.id).where(Stage.key == COOPERATION).scalar_subquery()
    return or_(
        Employer.stage_id == coop,
        Employer.id.in_(select(StageChange.employer_id).where(StageChange.to_stage_id == coop)),
    )


def sources(period: Period) -> list[SourceRow]:
    """New employers per month and source, and how many of them reached cooperation."""
    month = month_of(Employer.created_at).label("month")
    rows = db.session.execute(
        select(month, Employer.source, func.count(), func.count().filter(reached_cooperation()))
        .where(*_cohort(period))
        .group_by(month, Employer.source)
        .order_by(month)
    ).all()
    return [SourceRow(m, source, new, coops) for m, source, new, coops in rows]


# --- activity ---------------------------------------------------------------------------------------


@dataclass
class ActivityRow:
    month: str
    user_id: int | None
    user_name: str | None
    kind: ActivityKind
    count: int


def activity(period: Period) -> list[ActivityRow]:
    """Logged activities per month, user and kind (grouped first, the user names joined to the groups)."""
    month = month_of(Activity.occurred_at).label("month")
    months = period.months()
    grouped = select(
        month, Activity.user_id.label("user_id"), Activity.kind.label("kind"), func.count().label("n")
    ).where(
        # Redundant with the exact bounds below, but lets SQLite walk its month index (crm.reports.models).
        month_of(Activity.occurred_at).between(months[0], months[-1]),
        Activity.archived_at.is_(None),
        Activity.occurred_at >= period.start_at,
        Activity.occurred_at < period.end_at,
    )
    grouped = _site(grouped, period, Activity.employer_id).group_by(month, Activity.user_id, Activity.kind).subquery()
    rows = db.session.execute(
        select(grouped.c.month, grouped.c.user_id, User.name, grouped.c.kind, grouped.c.n)
        .outerjoin(User, User.id == grouped.c.user_id)
        .order_by(grouped.c.month, User.name, grouped.c.kind)
    ).all()
    return [ActivityRow(*row) for row in rows]


# --- DuoDay -----------------------------------------------------------------------------------------


@dataclass
class DuoDayYear:
    year: int
    by_status: dict[ParticipationStatus, int]
    by_outcome: dict[ParticipationOutcome, int]

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def took_place(self) -> int:
        return self.by_status.get(ParticipationStatus.DONE, 0)

    @property
    def next_steps(self) -> int:
        return sum(n for outcome, n in self.by_outcome.items() if outcome.leads_to_placement)

    @property
    def conversion(self) -> float | None:
        """Percent of the DuoDays that took place which led to a taster internship, trial or placement."""
        return 100 * self.next_steps / self.took_place if self.took_place else None


def duoday(period: Period) -> list[DuoDayYear]:
    """Participations per DuoDay year (years touched by the period): by status and by outcome."""
    query = (
        select(DuoDayEvent.year, DuoDayParticipation.status, DuoDayParticipation.outcome, func.count())
        .join(DuoDayEvent, DuoDayEvent.id == DuoDayParticipation.event_id)
        .where(
            DuoDayParticipation.archived_at.is_(None),
            DuoDayEvent.archived_at.is_(None),
            DuoDayEvent.year >= period.start.year,
            DuoDayEvent.year <= period.end.year,
        )
        .group_by(DuoDayEvent.year, DuoDayParticipation.status, DuoDayParticipation.outcome)
    )
    years: dict[int, DuoDayYear] = {}
    for year, status, outcome, count in db.session.execute(_site(query, period, DuoDayParticipation.employer_id)):
        entry = years.setdefault(year, DuoDayYear(year, defaultdict(int), defaultdict(int)))
        entry.by_status[status] += count
        if status != ParticipationStatus.CANCELLED:
            entry.by_outcome[outcome] += count
    return [years[year] for year in sorted(years)]


# --- placements -------------------------------------------------------------------------------------


@dataclass
class PlacementFigures:
    started: list[tuple[str, PlacementType, int]]  # month, type, phases started
    active: dict[PlacementType, int]  # running now, by current type
    outcomes: dict[PlacementOutcome, int]  # placements ended in the period


def placements(period: Period, *, today: date) -> PlacementFigures:
    """Phases started per month and type, running placements by type, outcomes of those ended in the period."""
    month = month_of(PlacementPhase.start_date).label("month")
    started = (
        select(month, PlacementPhase.placement_type, func.count())
        .join(Placement, Placement.id == PlacementPhase.placement_id)
        .where(
            Placement.archived_at.is_(None),
            PlacementPhase.start_date >= period.start,
            PlacementPhase.start_date <= period.end,
        )
        .group_by(month, PlacementPhase.placement_type)
        .order_by(month, PlacementPhase.placement_type)
    )
    active = (
        select(Placement.placement_type, func.count())
        .where(Placement.archived_at.is_(None), Placement.outcome.is_(None), Placement.start_date <= today)
        .group_by(Placement.placement_type)
    )
    outcomes = (
        select(Placement.outcome, func.count())
        .where(
            Placement.archived_at.is_(None),
            Placement.outcome.is_not(None),
            Placement.end_date >= period.start,
            Placement.end_date <= period.end,
        )
        .group_by(Placement.outcome)
    )
    return PlacementFigures(
        started=[tuple(row) for row in db.session.execute(_site(started, period, PlacementPhase.employer_id))],
        active=dict(db.session.execute(_site(active, period, Placement.employer_id)).all()),
        outcomes=dict(db.session.execute(_site(outcomes, period, Placement.employer_id)).all()),
    )


# --- the outside-work quota -------------------------------------------------------------------------


def quota_settings() -> QuotaSettings | None:
    return db.session.scalar(select(QuotaSettings).order_by(QuotaSettings.id).limit(1))


def _outside_phases(site_id: int | None) -> list[ColumnElement[bool]]:
    terms = [
        PlacementPhase.placement_type.in_(OUTSIDE_TYPES),
        PlacementPhase.placement_id.in_(select(Placement.id).where(Placement.archived_at.is_(None))),
    ]
    if site_id is not None:
        terms.append(PlacementPhase.employer_id.in_(select(Employer.id).where(Employer.site_id == site_id)))
    return terms


def outside_count(*, today: date, site_id: int | None = None) -> int:
    """Workshop employees working outside today according to the placements (running outside phases)."""
    return db.session.scalar(
        select(func.count(func.distinct(PlacementPhase.placement_id))).where(
            *_outside_phases(site_id),
            PlacementPhase.start_date <= today,
            or_(PlacementPhase.end_date.is_(None), PlacementPhase.end_date > today),
        )
    )


def outside_history(months: list[str], *, site_id: int | None = None) -> dict[str, int]:
    """Running outside phases at the end of each month: starts minus ends, summed up (two grouped queries)."""
    if not months:
        return {}
    starts = dict(
        db.session.execute(
            select(month_of(PlacementPhase.start_date), func.count())
            .where(*_outside_phases(site_id))
            .group_by(month_of(PlacementPhase.start_date))
        ).all()
    )
    ends = dict(
        db.session.execute(
            select(month_of(PlacementPhase.end_date), func.count())
            .where(*_outside_phases(site_id), PlacementPhase.end_date.is_not(None))
            .group_by(month_of(PlacementPhase.end_date))
        ).all()
    )
    # Months before the chart count into its first value; the dictionaries hold one entry per month.
    running = sum(n for m, n in starts.items() if m < months[0]) - sum(n for m, n in ends.items() if m < months[0])
    history = {}
    for m in months:
        running += starts.get(m, 0) - ends.get(m, 0)
        history[m] = running
    return history
