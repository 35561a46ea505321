"""The outside-work quota settings (Außenarbeitsquote): workforce, goal and baseline, kept by an admin."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.audit.models import Audited
from crm.db import utcnow
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
