"""DuoDay events (per region and year), host participations and the yearly invitations.

The participant is a pseudonymous reference only; no field holds health or diagnosis data.
"""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.audit.models import Archivable, Audited
from crm.db import enum_column, utcnow
from crm.extensions import db
from crm.placements.models import PARTICIPANT_REF_MAX


class ParticipationStatus(enum.StrEnum):
    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    ParticipationStatus.REQUESTED: _l("Requested"),
    ParticipationStatus.CONFIRMED: _l("Confirmed"),
    ParticipationStatus.DONE: _l("Took place"),
    ParticipationStatus.CANCELLED: _l("Cancelled"),
}


class ParticipationOutcome(enum.StrEnum):
    NONE = "none"
    TASTER = "taster"
    TRIAL = "trial"
    PLACEMENT = "placement"

    @property
    def label(self) -> str:
        return str(OUTCOME_LABELS[self])

    @property
    def leads_to_placement(self) -> bool:
        return self != ParticipationOutcome.NONE


OUTCOME_LABELS = {
    ParticipationOutcome.NONE: _l("No further step"),
    ParticipationOutcome.TASTER: _l("Taster internship offered"),
    ParticipationOutcome.TRIAL: _l("Trial employment"),
    ParticipationOutcome.PLACEMENT: _l("Placement"),
}


class DuoDayEvent(Audited, Archivable, db.Model):
    """The DuoDay of one region in one year (the date differs by region)."""

    __tablename__ = "duoday_events"
    __table_args__ = (UniqueConstraint("year", "region"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    region: Mapped[str] = mapped_column(String(80))
    event_date: Mapped[date]
    organiser: Mapped[str | None] = mapped_column(String(200))
    registration_deadline: Mapped[date | None]
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    participations: Mapped[list["DuoDayParticipation"]] = relationship(back_populates="event")

    def __str__(self) -> str:
        return f"DuoDay {self.year} · {self.region}"


class DuoDayParticipation(Audited, Archivable, db.Model):
    """A host employer takes part with one workshop employee (pseudonymous) and a coach."""

    __tablename__ = "duoday_participations"
    __table_args__ = (Index("ix_duoday_participations_employer_event", "employer_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("duoday_events.id", ondelete="CASCADE"), index=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    # Workshop-internal code or initials only (pseudonymous), never a name.
    participant_ref: Mapped[str | None] = mapped_column(String(PARTICIPANT_REF_MAX))
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    job_area: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[ParticipationStatus] = mapped_column(
        enum_column(ParticipationStatus, "duoday_status"), default=ParticipationStatus.REQUESTED
    )
    outcome: Mapped[ParticipationOutcome] = mapped_column(
        enum_column(ParticipationOutcome, "duoday_outcome"), default=ParticipationOutcome.NONE
    )
    feedback: Mapped[str | None] = mapped_column(Text)
    reminder_followup_id: Mapped[int | None] = mapped_column(ForeignKey("followups.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    event: Mapped[DuoDayEvent] = relationship(back_populates="participations")
    employer: Mapped["Employer"] = relationship()  # noqa: F821
    contact: Mapped["Contact | None"] = relationship()  # noqa: F821
    coach: Mapped["User | None"] = relationship(foreign_keys=[coach_id])  # noqa: F821
    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id])  # noqa: F821
    reminder_followup: Mapped["FollowUp | None"] = relationship(foreign_keys=[reminder_followup_id])  # noqa: F821

    def __str__(self) -> str:
        return f"{self.event} · {self.employer}"


class DuoDayInvitation(db.Model):
    """An employer was invited to this year's DuoDay (one row per employer and year: asked once)."""

    __tablename__ = "duoday_invitations"
    __table_args__ = (UniqueConstraint("employer_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"))
    year: Mapped[int]
    followup_id: Mapped[int | None] = mapped_column(ForeignKey("followups.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    employer: Mapped["Employer"] = relationship()  # noqa: F821
