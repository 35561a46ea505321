"""The start page's figures: the user's follow-ups, activities and employers; the team's pipeline and news.

A fixed number of statements whatever the data size: one grouped count for the stage figures, the
follow-up service's grouped overview, and one small query per remaining box.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from crm.activities.models import Activity
from crm.auth.models import User
from crm.duoday.models import DuoDayEvent, DuoDayParticipation, ParticipationStatus
from crm.employers.models import Employer, Stage, StageChange
from crm.extensions import db
from crm.followups.services import FollowUpGroup, followup_overview
from crm.followups.workdays import BERLIN
from crm.postings.models import JobPosting, PostingStatus
from crm.reports.queries import COOPERATION

RECENT_LIMIT = 5
NEW_COOPERATIONS_LIMIT = 5


@dataclass
class StageCount:
    stage: Stage
    total: int
    mine: int


@dataclass
class Dashboard:
    stages: list[StageCount]
    open_postings: int
    next_duoday: DuoDayEvent | None
    next_duoday_confirmed: int
    new_cooperations: list[Employer]
    new_cooperations_total: int
    followups: dict[str, FollowUpGroup] = field(default_factory=dict)
    recent_activities: list[Activity] = field(default_factory=list)

    @property
    def my_stages(self) -> list[StageCount]:
        return [count for count in self.stages if count.mine]


def month_start(today: date) -> datetime:
    """The first moment of the current month in Berlin, as an aware datetime."""
    return datetime.combine(today.replace(day=1), time(0), tzinfo=BERLIN)


def stage_counts(user_id: int | None) -> list[StageCount]:
    """Every active stage (or one still holding employers) with all and the user's current employers."""
    mine = func.count(Employer.id).filter(Employer.owner_id == user_id) if user_id else func.count(None)
    counts = {
        stage_id: (total, own)
        for stage_id, total, own in db.session.execute(
            select(Employer.stage_id, func.count(Employer.id), mine)
            .where(Employer.archived_at.is_(None))
            .group_by(Employer.stage_id)
        )
    }
    stages = db.session.scalars(select(Stage).order_by(Stage.position, Stage.id))
    return [
        StageCount(stage, *counts.get(stage.id, (0, 0)))
        for stage in stages
        if stage.active or counts.get(stage.id, (0, 0))[0]
    ]


def next_duoday(today: date) -> tuple[DuoDayEvent | None, int]:
    """The next DuoDay (today or later) and its confirmed participations."""
    event = db.session.scalar(
        select(DuoDayEvent)
        .where(DuoDayEvent.archived_at.is_(None), DuoDayEvent.event_date >= today)
        .order_by(DuoDayEvent.event_date, DuoDayEvent.id)
        .limit(1)
    )
    if event is None:
        return None, 0
    confirmed = db.session.scalar(
        select(func.count()).where(
            DuoDayParticipation.event_id == event.id,
            DuoDayParticipation.archived_at.is_(None),
            DuoDayParticipation.status == ParticipationStatus.CONFIRMED,
        )
    )
    return event, confirmed


def new_cooperations(today: date) -> tuple[list[Employer], int]:
    """Employers that moved to cooperation this month (and are still there), newest first, and how many."""
    coop = select(Stage.id).where(Stage.key == COOPERATION).scalar_subquery()
    moved = (
        select(StageChange.employer_id, func.max(StageChange.changed_at).label("at"))
        .where(StageChange.to_stage_id == coop, StageChange.changed_at >= month_start(today))
        .group_by(StageChange.employer_id)
        .subquery("moved")
    )
    rows = db.session.execute(
        select(Employer, func.count().over())
        .join(moved, moved.c.employer_id == Employer.id)
        .where(Employer.archived_at.is_(None), Employer.stage_id == coop)
        .order_by(moved.c.at.desc(), Employer.id)
        .limit(NEW_COOPERATIONS_LIMIT)
    ).all()
    return [employer for employer, _total in rows], (rows[0][1] if rows else 0)


def build_dashboard(*, user: User, today: date, personal: bool) -> Dashboard:
    """Everything the start page shows for `user`; `personal` adds the user's follow-ups and activities."""
    open_postings = db.session.scalar(
        select(func.count()).where(JobPosting.archived_at.is_(None), JobPosting.status == PostingStatus.OPEN)
    )
    event, confirmed = next_duoday(today)
    cooperations, cooperations_total = new_cooperations(today)
    dashboard = Dashboard(
        stages=stage_counts(user.id if personal else None),
        open_postings=open_postings,
        next_duoday=event,
        next_duoday_confirmed=confirmed,
        new_cooperations=cooperations,
        new_cooperations_total=cooperations_total,
    )
    if personal:
        groups = followup_overview(today=today, assignee_id=user.id, limit=RECENT_LIMIT)
        dashboard.followups = {group.key: group for group in groups}
        dashboard.recent_activities = list(
            db.session.scalars(
                select(Activity)
                .where(Activity.user_id == user.id, Activity.archived_at.is_(None))
                .options(joinedload(Activity.employer))
                .order_by(Activity.occurred_at.desc(), Activity.id.desc())
                .limit(RECENT_LIMIT)
            )
        )
    return dashboard
