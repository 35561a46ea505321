"""Employers with their acquisition stage, and the stage and industry catalogues."""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from crm.audit.models import Archivable, Audited
from crm.db import enum_column, utcnow
from crm.extensions import db


class EmployerSource(enum.StrEnum):
    COLD = "cold"
    NETWORK = "network"
    REFERRAL = "referral"
    JOB_POSTING = "job_posting"
    DUODAY = "duoday"
    EVENT = "event"
    INBOUND = "inbound"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(SOURCE_LABELS[self])


SOURCE_LABELS = {
    EmployerSource.COLD: _l("Cold acquisition"),
    EmployerSource.NETWORK: _l("Network"),
    EmployerSource.REFERRAL: _l("Referral"),
    EmployerSource.JOB_POSTING: _l("Job posting"),
    EmployerSource.DUODAY: _l("DuoDay"),
    EmployerSource.EVENT: _l("Event or fair"),
    EmployerSource.INBOUND: _l("Employer approached us"),
    EmployerSource.OTHER: _l("Other"),
}


class SizeClass(enum.StrEnum):
    """Employee bands; the cuts at 20, 40 and 60 follow the compensation-levy brackets (SGB IX § 154)."""

    UP_TO_9 = "1-9"
    UP_TO_19 = "10-19"
    UP_TO_39 = "20-39"
    UP_TO_59 = "40-59"
    UP_TO_249 = "60-249"
    FROM_250 = "250+"

    @property
    def label(self) -> str:
        return str(_l("%(size)s employees", size=self.value))


class StageKind(enum.StrEnum):
    PIPELINE = "pipeline"  # the ordered path from lead to cooperation
    SIDE = "side"  # dormant, declined, do-not-contact


class Stage(Audited, db.Model):
    """An acquisition stage; an editable, ordered catalogue seeded with the workshops' path."""

    __tablename__ = "stages"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable key the code relies on (e.g. "do_not_contact"); the name is what users see and edit.
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[StageKind] = mapped_column(enum_column(StageKind), default=StageKind.PIPELINE)
    requires_reason: Mapped[bool] = mapped_column(default=False)
    blocks_contact: Mapped[bool] = mapped_column(default=False)
    # Days without a logged contact after which an employer in this stage is due for contact.
    cadence_days: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.name


class Industry(Audited, db.Model):
    """Branche; an editable catalogue."""

    __tablename__ = "industries"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.name


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)

    def __str__(self) -> str:
        return self.name


employer_tags = Table(
    "employer_tags",
    db.metadata,
    Column("employer_id", ForeignKey("employers.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Employer(Audited, Archivable, db.Model):
    __tablename__ = "employers"
    __table_args__ = (
        Index("ix_employers_stage_name", "stage_id", "name"),
        Index("ix_employers_normalized_name_postcode", "normalized_name", "postcode"),
        # The pipeline board: counts per stage and the longest-waiting cards of each column.
        Index("ix_employers_stage_board", "stage_id", "archived_at", "stage_changed_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Lower-case name without legal-form suffix, umlauts folded: for duplicate detection.
    normalized_name: Mapped[str] = mapped_column(String(200), index=True)
    legal_form: Mapped[str | None] = mapped_column(String(40))
    industry_id: Mapped[int | None] = mapped_column(ForeignKey("industries.id", ondelete="SET NULL"), index=True)
    size_class: Mapped[SizeClass | None] = mapped_column(enum_column(SizeClass))
    street: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(5), index=True)
    city: Mapped[str | None] = mapped_column(String(100))
    district: Mapped[str | None] = mapped_column(String(100), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(300))
    accessibility_notes: Mapped[str | None] = mapped_column(Text)
    transport_notes: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    source: Mapped[EmployerSource | None] = mapped_column(enum_column(EmployerSource))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"), index=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"))
    stage_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Kept by the activity services (log, edit, archive): sorting 20,000 employers by last contact
    # must not aggregate 300,000 activities on every list page.
    last_contact_at: Mapped[datetime | None] = mapped_column(index=True)
    # After a no: re-approach not before this day (set by the decline form; respected by bulk follow-ups).
    do_not_approach_before: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    stage: Mapped[Stage] = relationship(lazy="joined")
    industry: Mapped[Industry | None] = relationship()
    owner: Mapped["User | None"] = relationship()  # noqa: F821
    site: Mapped["Site | None"] = relationship()  # noqa: F821
    tags: Mapped[list[Tag]] = relationship(secondary=employer_tags, order_by=Tag.name)
    contacts: Mapped[list["Contact"]] = relationship(  # noqa: F821
        back_populates="employer", order_by="(Contact.is_primary.desc(), Contact.last_name)"
    )
    activities: WriteOnlyMapped["Activity"] = relationship(back_populates="employer")  # noqa: F821
    stage_changes: WriteOnlyMapped["StageChange"] = relationship(back_populates="employer")

    def __str__(self) -> str:
        return self.name


class StageChange(db.Model):
    """One move of an employer between stages: who, when, from, to, why."""

    __tablename__ = "stage_changes"
    __table_args__ = (Index("ix_stage_changes_employer_at", "employer_id", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"))
    from_stage_id: Mapped[int | None] = mapped_column(ForeignKey("stages.id"))
    to_stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)

    employer: Mapped[Employer] = relationship(back_populates="stage_changes")
    from_stage: Mapped[Stage | None] = relationship(foreign_keys=[from_stage_id])
    to_stage: Mapped[Stage] = relationship(foreign_keys=[to_stage_id])
    changed_by: Mapped["User | None"] = relationship()  # noqa: F821
