"""Follow-ups (Wiedervorlagen), their snooze history, each user's reminder settings and the digest log."""

import enum
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.audit.models import Audited
from crm.db import enum_column, utcnow
from crm.employers.models import Employer
from crm.extensions import db

DEFAULT_DIGEST_TIME = time(7, 0)


class FollowUpStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    FollowUpStatus.OPEN: _l("Open"),
    FollowUpStatus.DONE: _l("Done"),
    FollowUpStatus.CANCELLED: _l("Cancelled"),
}


class Priority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"

    @property
    def label(self) -> str:
        return str(PRIORITY_LABELS[self])


PRIORITY_LABELS = {Priority.LOW: _l("Low"), Priority.NORMAL: _l("Normal"), Priority.HIGH: _l("High")}


class RepeatUnit(enum.StrEnum):
    DAYS = "days"
    WEEKS = "weeks"
    MONTHS = "months"

    @property
    def label(self) -> str:
        return str(REPEAT_LABELS[self])


REPEAT_LABELS = {RepeatUnit.DAYS: _l("days"), RepeatUnit.WEEKS: _l("weeks"), RepeatUnit.MONTHS: _l("months")}


class FollowUp(Audited, db.Model):
    """A dated task "contact this employer again", assigned to one user."""

    __tablename__ = "followups"
    __table_args__ = (
        # The two hot paths: "my open follow-ups by date" and "this employer's open follow-ups".
        Index("ix_followups_assignee_status_due", "assigned_to_id", "status", "due_date"),
        Index("ix_followups_employer_status_due", "employer_id", "status", "due_date"),
        # The team view and its counts: every open follow-up by date.
        Index("ix_followups_status_due", "status", "due_date"),
        CheckConstraint("repeat_every IS NULL OR repeat_every > 0", name="repeat_every_positive"),
        CheckConstraint("(repeat_every IS NULL) = (repeat_unit IS NULL)", name="repeat_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    assigned_to_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The activity logged in the same step ("Nächste Wiedervorlage"), if any.
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id", ondelete="SET NULL"), index=True)
    # The follow-up whose completion created this one (repetition or the offered cadence date).
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("followups.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    due_date: Mapped[date]
    due_time: Mapped[time | None]
    priority: Mapped[Priority] = mapped_column(enum_column(Priority, "followup_priority"), default=Priority.NORMAL)
    status: Mapped[FollowUpStatus] = mapped_column(
        enum_column(FollowUpStatus, "followup_status"), default=FollowUpStatus.OPEN
    )
    repeat_every: Mapped[int | None]
    repeat_unit: Mapped[RepeatUnit | None] = mapped_column(enum_column(RepeatUnit, "followup_repeat_unit"))
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancel_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Two people pressing "done" at once must not both create the next repetition.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    employer: Mapped["Employer"] = relationship()  # noqa: F821
    contact: Mapped["Contact | None"] = relationship()  # noqa: F821
    assigned_to: Mapped["User"] = relationship(foreign_keys=[assigned_to_id])  # noqa: F821
    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id])  # noqa: F821
    done_by: Mapped["User | None"] = relationship(foreign_keys=[done_by_id])  # noqa: F821
    cancelled_by: Mapped["User | None"] = relationship(foreign_keys=[cancelled_by_id])  # noqa: F821
    snoozes: Mapped[list["FollowUpSnooze"]] = relationship(
        back_populates="followup", order_by="FollowUpSnooze.snoozed_at", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.status == FollowUpStatus.OPEN

    @property
    def repeats(self) -> bool:
        return self.repeat_every is not None and self.repeat_unit is not None

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.due_date < today

    def __str__(self) -> str:
        return self.title


class FollowUpSnooze(db.Model):
    """One postponement: from which date to which, by whom and when."""

    __tablename__ = "followup_snoozes"

    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int] = mapped_column(ForeignKey("followups.id", ondelete="CASCADE"), index=True)
    from_date: Mapped[date]
    to_date: Mapped[date]
    snoozed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    snoozed_at: Mapped[datetime] = mapped_column(default=utcnow)

    followup: Mapped[FollowUp] = relationship(back_populates="snoozes")
    snoozed_by: Mapped["User | None"] = relationship()  # noqa: F821


class ReminderSettings(Audited, db.Model):
    """A user's digest and calendar-feed settings; a user without a row has the defaults."""

    __tablename__ = "reminder_settings"
    __audit_exclude__ = ("calendar_key",)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    digest_enabled: Mapped[bool] = mapped_column(default=True)
    digest_time: Mapped[time] = mapped_column(default=DEFAULT_DIGEST_TIME)
    # Random key of the calendar feed. The URL carries the key plus its HMAC under SECRET_KEY, so a
    # copy of the database alone opens no feed. None = no feed (revoked or never created).
    calendar_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    calendar_created_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped["User"] = relationship()  # noqa: F821


class DigestRun(db.Model):
    """The digest job handled this user on this day (queued a mail, or found nothing due).

    The unique key stops a second run for the same day; the outbox key digest:<user>:<day> is the
    final guard for the mail itself.
    """

    __tablename__ = "digest_runs"
    __table_args__ = (UniqueConstraint("user_id", "covers_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    covers_date: Mapped[date] = mapped_column(index=True)
    queued: Mapped[bool] = mapped_column(default=False)
    overdue_count: Mapped[int] = mapped_column(default=0)
    today_count: Mapped[int] = mapped_column(default=0)
    contact_count: Mapped[int] = mapped_column(default=0)
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# "Due for contact" reads every employer of the stages with a contact rhythm: stage, archived, last
# contact (or creation). This covering index answers it from the index alone (28 → 10 ms at 20,000
# employers on SQLite). It lives here, next to the query that needs it, not in the employer model.
CADENCE_INDEX = Index(
    "ix_employers_cadence",
    Employer.stage_id,
    Employer.archived_at,
    Employer.last_contact_at,
    Employer.created_at,
)
