"""Objection and argument catalogues; objections an employer raised and the arguments tried on them."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.audit.models import Archivable, Audited
from crm.db import enum_column, utcnow
from crm.extensions import db


class Objection(Audited, db.Model):
    """A worry employers voice (e.g. fear of absences); an editable catalogue."""

    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.name


class Argument(Audited, db.Model):
    """What the staff answer; `handout` is a short text to read out or hand over."""

    __tablename__ = "arguments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    handout: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.name


class RecordStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"

    @property
    def label(self) -> str:
        return str(RECORD_STATUS_LABELS[self])


RECORD_STATUS_LABELS = {RecordStatus.OPEN: _l("Open"), RecordStatus.RESOLVED: _l("Resolved")}


class Outcome(enum.StrEnum):
    RESOLVED = "resolved"
    PARTLY = "partly"
    NOT_RESOLVED = "not_resolved"
    OPEN = "open"

    @property
    def label(self) -> str:
        return str(OUTCOME_LABELS[self])


OUTCOME_LABELS = {
    Outcome.RESOLVED: _l("Resolved"),
    Outcome.PARTLY: _l("Partly resolved"),
    Outcome.NOT_RESOLVED: _l("Not resolved"),
    Outcome.OPEN: _l("Still open"),
}


class EmployerObjection(Audited, Archivable, db.Model):
    """An objection one employer raised, on an activity or recorded directly; open until an argument resolves it."""

    __tablename__ = "employer_objections"
    __table_args__ = (
        Index("ix_employer_objections_employer_status", "employer_id", "status"),
        Index("ix_employer_objections_objection_raised", "objection_id", "raised_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"))
    objection_id: Mapped[int] = mapped_column(ForeignKey("objections.id"))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id", ondelete="SET NULL"), index=True)
    # Kept in SQL (not derived per page) so "most frequent open objections" is one GROUP BY.
    status: Mapped[RecordStatus] = mapped_column(
        enum_column(RecordStatus, "employer_objection_status"), default=RecordStatus.OPEN
    )
    # Recorded as the reason for moving the employer to "declined".
    is_decline_reason: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    employer: Mapped["Employer"] = relationship()  # noqa: F821
    objection: Mapped[Objection] = relationship(lazy="joined")
    activity: Mapped["Activity | None"] = relationship()  # noqa: F821
    recorded_by: Mapped["User | None"] = relationship()  # noqa: F821
    uses: Mapped[list["ArgumentUse"]] = relationship(
        back_populates="record", order_by="ArgumentUse.used_at", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.status == RecordStatus.OPEN


class ArgumentUse(Audited, db.Model):
    """One argument tried on one raised objection: by whom, when, with what result."""

    __tablename__ = "argument_uses"
    __table_args__ = (Index("ix_argument_uses_argument_outcome", "argument_id", "outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("employer_objections.id", ondelete="CASCADE"), index=True)
    argument_id: Mapped[int] = mapped_column(ForeignKey("arguments.id"))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id", ondelete="SET NULL"), index=True)
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome, "argument_outcome"), default=Outcome.OPEN)
    note: Mapped[str | None] = mapped_column(Text)
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    used_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    record: Mapped[EmployerObjection] = relationship(back_populates="uses")
    argument: Mapped[Argument] = relationship(lazy="joined")
    used_by: Mapped["User | None"] = relationship()  # noqa: F821
