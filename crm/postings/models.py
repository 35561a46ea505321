"""Job postings at employers and where their poster hangs (which site's notice board, until when)."""

import enum
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.audit.models import Archivable, Audited
from crm.db import enum_column, utcnow
from crm.extensions import db


class PostingType(enum.StrEnum):
    INDIVIDUAL = "individual"
    GROUP = "group"
    BFA = "bfa"
    BFAU = "bfau"
    TASTER = "taster"
    TRIAL = "trial"

    @property
    def label(self) -> str:
        return str(POSTING_TYPE_LABELS[self])

    @property
    def easy_label(self) -> str:
        """The type in plain words for the poster (Leichte Sprache: no abbreviations)."""
        return str(POSTING_TYPE_EASY[self])


POSTING_TYPE_LABELS = {
    PostingType.INDIVIDUAL: _l("Outsourced individual workplace"),
    PostingType.GROUP: _l("Outdoor work group"),
    PostingType.BFA: _l("Budget für Arbeit"),
    PostingType.BFAU: _l("Budget für Ausbildung"),
    PostingType.TASTER: _l("Taster internship"),
    PostingType.TRIAL: _l("Trial employment"),
}

POSTING_TYPE_EASY = {
    PostingType.INDIVIDUAL: _l("You work alone at the company. You stay in the workshop."),
    PostingType.GROUP: _l("You work with a group from the workshop at the company."),
    PostingType.BFA: _l("You get a work contract with the company. This is called Budget für Arbeit."),
    PostingType.BFAU: _l("You learn a job at the company. This is called Budget für Ausbildung."),
    PostingType.TASTER: _l("You try out the work for a few days."),
    PostingType.TRIAL: _l("You try out the work for some weeks."),
}


class PostingStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    FILLED = "filled"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return str(POSTING_STATUS_LABELS[self])

    @property
    def is_finished(self) -> bool:
        return self in (PostingStatus.FILLED, PostingStatus.CLOSED)


POSTING_STATUS_LABELS = {
    PostingStatus.DRAFT: _l("Draft"),
    PostingStatus.OPEN: _l("Open"),
    PostingStatus.FILLED: _l("Filled"),
    PostingStatus.CLOSED: _l("Closed"),
}


class JobPosting(Audited, Archivable, db.Model):
    __tablename__ = "job_postings"
    __table_args__ = (
        Index("ix_job_postings_status_type", "status", "posting_type"),
        CheckConstraint("places >= 1", name="places_positive"),
        CheckConstraint("hours_per_week IS NULL OR (hours_per_week > 0 AND hours_per_week <= 60)", name="hours_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    # Plain-language text for the poster: short sentences, one statement each, no abbreviations.
    poster_text: Mapped[str | None] = mapped_column(String(600))
    posting_type: Mapped[PostingType] = mapped_column(enum_column(PostingType, "posting_type"))
    places: Mapped[int] = mapped_column(default=1)
    hours_per_week: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    district: Mapped[str | None] = mapped_column(String(100), index=True)
    requirements: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[date | None]
    application_deadline: Mapped[date | None]
    status: Mapped[PostingStatus] = mapped_column(
        enum_column(PostingStatus, "posting_status"), default=PostingStatus.DRAFT
    )
    # Whom applicants ask: a workshop staff member.
    contact_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Where the poster hangs (a site's notice board) and until when.
    board_site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"), index=True)
    displayed_until: Mapped[date | None]
    taken_down_at: Mapped[datetime | None]
    takedown_followup_id: Mapped[int | None] = mapped_column(ForeignKey("followups.id", ondelete="SET NULL"))
    filled_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    employer: Mapped["Employer"] = relationship()  # noqa: F821
    contact_user: Mapped["User | None"] = relationship(foreign_keys=[contact_user_id])  # noqa: F821
    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id])  # noqa: F821
    board_site: Mapped["Site | None"] = relationship()  # noqa: F821
    takedown_followup: Mapped["FollowUp | None"] = relationship(foreign_keys=[takedown_followup_id])  # noqa: F821
    placements: Mapped[list["Placement"]] = relationship(back_populates="posting")  # noqa: F821

    @property
    def is_on_board(self) -> bool:
        """The poster hangs somewhere and has not been taken down."""
        return self.board_site_id is not None and self.taken_down_at is None

    def __str__(self) -> str:
        return self.title
