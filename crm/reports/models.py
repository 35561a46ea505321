"""The outside-work quota settings (Außenarbeitsquote): workforce, goal and baseline, kept by an admin."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import DDL, CheckConstraint, ForeignKey, Index, Numeric, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.activities.models import Activity
from crm.audit.models import Audited
from crm.db import utcnow
from crm.employers.models import Employer, StageChange
from crm.extensions import db


class QuotaSettings(Audited, db.Model):
    """One row for the whole workshop; every change is in the audit trail."""

    __tablename__ = "quota_settings"
    __table_args__ = (
        CheckConstraint("workforce_size > 0", name="workforce_positive"),
        CheckConstraint("goal_percent >= 0 AND goal_percent <= 100", name="goal_percent_range"),
        CheckConstraint("baseline_percent >= 0 AND baseline_percent <= 100", name="baseline_percent_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Workshop employees in total (the quota's denominator).
    workforce_size: Mapped[int]
    # Employees working outside according to the workshop's own records; None = derive from placements.
    outside_count: Mapped[int | None]
    baseline_percent: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    baseline_date: Mapped[date]
    goal_percent: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    goal_year: Mapped[int]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    updated_by: Mapped["User | None"] = relationship()  # noqa: F821


# Covering indexes for the reports' grouped counts: the activity report reads only these columns of
# 300,000 activities for a period, the funnel and sources reports only these of the employers added in it,
# the dashboard counts employers per stage and owner (without them SQLite reads every wide row). The
# dashboard's "my recent activities" reads the user's newest five straight from (user_id, occurred_at).
REPORT_INDEXES = (
    Index(
        "ix_activities_report",
        Activity.__table__.c.occurred_at,
        Activity.__table__.c.archived_at,
        Activity.__table__.c.user_id,
        Activity.__table__.c.kind,
        Activity.__table__.c.employer_id,
    ),
    Index(
        "ix_employers_report",
        Employer.__table__.c.created_at,
        Employer.__table__.c.archived_at,
        Employer.__table__.c.site_id,
        Employer.__table__.c.stage_id,
        Employer.__table__.c.source,
    ),
    Index(
        "ix_employers_stage_owner",
        Employer.__table__.c.stage_id,
        Employer.__table__.c.archived_at,
        Employer.__table__.c.owner_id,
    ),
    Index("ix_activities_user_occurred", Activity.__table__.c.user_id, Activity.__table__.c.occurred_at),
    # The funnel walks each employer's stage history in order and needs only the stage it went to.
    Index(
        "ix_stage_changes_report",
        StageChange.__table__.c.employer_id,
        StageChange.__table__.c.changed_at,
        StageChange.__table__.c.to_stage_id,
    ),
)

# SQLite sorts every activity of the period to group it by month (about 1 s for 140,000 rows); an index
# on the month expression itself hands the rows over already grouped (under 100 ms). PostgreSQL groups by
# hashing and needs none (and could not index its non-immutable to_char). Raw DDL, so the migration must
# create it too: crm.reports.queries.activity groups by exactly this expression (crm.reports.sql.month_of).
ACTIVITY_MONTH_INDEX = DDL(
    "CREATE INDEX IF NOT EXISTS ix_activities_month_report ON activities "
    "(substr(occurred_at, 1, 7), user_id, kind, occurred_at, archived_at, employer_id)"
)
event.listen(Activity.__table__, "after_create", ACTIVITY_MONTH_INDEX.execute_if(dialect="sqlite"))
