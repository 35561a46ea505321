"""Logged interactions with an employer."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.audit.models import Archivable, Audited
from crm.db import enum_column, utcnow
from crm.extensions import db


class ActivityKind(enum.StrEnum):
    CALL = "call"
    EMAIL = "email"
    VISIT = "visit"
    MEETING = "meeting"
    EVENT = "event"
    LETTER = "letter"
    NOTE = "note"

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self])


KIND_LABELS = {
    ActivityKind.CALL: _l("Call"),
    ActivityKind.EMAIL: _l("E-mail"),
    ActivityKind.VISIT: _l("Visit"),
    ActivityKind.MEETING: _l("Meeting"),
    ActivityKind.EVENT: _l("Event or fair"),
    ActivityKind.LETTER: _l("Letter"),
    ActivityKind.NOTE: _l("Note"),
}


class Activity(Audited, Archivable, db.Model):
    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_employer_occurred", "employer_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    kind: Mapped[ActivityKind] = mapped_column(enum_column(ActivityKind, "activity_kind"))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    subject: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    employer: Mapped["Employer"] = relationship(back_populates="activities")  # noqa: F821
    contact: Mapped["Contact | None"] = relationship()  # noqa: F821
    user: Mapped["User | None"] = relationship()  # noqa: F821
