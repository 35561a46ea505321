"""Placements with their phase history, the DGUV 207-002 safety checklist and Budget-für-Arbeit funding.

Participants appear only as a pseudonymous reference; no field holds health or diagnosis data.
"""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.audit.models import Archivable, Audited
from crm.db import enum_column, utcnow
from crm.extensions import db
from crm.followups import models as _followup_models  # noqa: F401  (the follow-up table the reminders point to)

PARTICIPANT_REF_MAX = 20


class PlacementType(enum.StrEnum):
    TASTER = "taster"
    TRIAL = "trial"
    INDIVIDUAL_TEMPORARY = "individual_temporary"
    INDIVIDUAL_PERMANENT = "individual_permanent"
    GROUP = "group"
    BFA = "bfa"
    BFAU = "bfau"
    REGULAR = "regular"

    @property
    def label(self) -> str:
        return str(PLACEMENT_TYPE_LABELS[self])

    @property
    def is_funded(self) -> bool:
        """Budget für Arbeit / Ausbildung: a funding body pays a wage subsidy for an approval period."""
        return self in (PlacementType.BFA, PlacementType.BFAU)

    @property
    def needs_safety_checklist(self) -> bool:
        """The person stays a workshop employee at an outside workplace (DGUV Information 207-002)."""
        return self not in (PlacementType.BFA, PlacementType.BFAU, PlacementType.REGULAR)


PLACEMENT_TYPE_LABELS = {
    PlacementType.TASTER: _l("Taster internship"),
    PlacementType.TRIAL: _l("Trial employment"),
    PlacementType.INDIVIDUAL_TEMPORARY: _l("Outsourced individual workplace (temporary)"),
    PlacementType.INDIVIDUAL_PERMANENT: _l("Outsourced individual workplace (permanent)"),
    PlacementType.GROUP: _l("Outdoor work group"),
    PlacementType.BFA: _l("Budget für Arbeit"),
    PlacementType.BFAU: _l("Budget für Ausbildung"),
    PlacementType.REGULAR: _l("Regular job"),
}


class PlacementOutcome(enum.StrEnum):
    PERMANENT_MOVE = "permanent_move"
    RETURNED = "returned"
    ENDED_BY_PARTICIPANT = "ended_by_participant"
    ENDED_BY_EMPLOYER = "ended_by_employer"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(OUTCOME_LABELS[self])

    @property
    def is_success(self) -> bool:
        return self == PlacementOutcome.PERMANENT_MOVE


OUTCOME_LABELS = {
    PlacementOutcome.PERMANENT_MOVE: _l("Permanent move"),
    PlacementOutcome.RETURNED: _l("Returned to the workshop"),
    PlacementOutcome.ENDED_BY_PARTICIPANT: _l("Ended by the participant"),
    PlacementOutcome.ENDED_BY_EMPLOYER: _l("Ended by the employer"),
    PlacementOutcome.OTHER: _l("Other"),
}

# The checklist items (DGUV Information 207-002), in the order the form and the page show them.
SAFETY_ITEMS = (
    ("mentor_named", _l("Mentor named at the host")),
    ("safety_instruction_done", _l("Safety instruction done by the host")),
    ("protective_equipment_agreed", _l("Protective equipment agreed")),
    ("occupational_checkup_agreed", _l("Occupational medical check-up agreed")),
    ("risk_assessment_done", _l("Risk assessment (Gefährdungsbeurteilung) done and dated")),
)


class Placement(Audited, Archivable, db.Model):
    """A workshop employee (pseudonymous) at an employer; the current phase is `placement_type`."""

    __tablename__ = "placements"
    __table_args__ = (
        Index("ix_placements_employer_start", "employer_id", "start_date"),
        CheckConstraint(
            "subsidy_percent IS NULL OR (subsidy_percent >= 0 AND subsidy_percent <= 100)", name="subsidy_percent_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"))
    posting_id: Mapped[int | None] = mapped_column(ForeignKey("job_postings.id", ondelete="SET NULL"), index=True)
    participation_id: Mapped[int | None] = mapped_column(
        ForeignKey("duoday_participations.id", ondelete="SET NULL"), index=True
    )
    # Workshop-internal code or initials only (pseudonymous), never a name.
    participant_ref: Mapped[str] = mapped_column(String(PARTICIPANT_REF_MAX))
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    placement_type: Mapped[PlacementType] = mapped_column(enum_column(PlacementType, "placement_type"))
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    outcome: Mapped[PlacementOutcome | None] = mapped_column(enum_column(PlacementOutcome, "placement_outcome"))
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    # DGUV Information 207-002 checklist
    mentor_name: Mapped[str | None] = mapped_column(String(120))
    safety_instruction_done: Mapped[bool] = mapped_column(default=False)
    protective_equipment_agreed: Mapped[bool] = mapped_column(default=False)
    occupational_checkup_agreed: Mapped[bool] = mapped_column(default=False)
    risk_assessment_date: Mapped[date | None]
    safety_followup_id: Mapped[int | None] = mapped_column(ForeignKey("followups.id", ondelete="SET NULL"))
    # Funding (Budget für Arbeit / Ausbildung)
    funding_body: Mapped[str | None] = mapped_column(String(200))
    subsidy_percent: Mapped[int | None]
    approval_from: Mapped[date | None]
    approval_until: Mapped[date | None]
    funding_followup_id: Mapped[int | None] = mapped_column(ForeignKey("followups.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    employer: Mapped["Employer"] = relationship()  # noqa: F821
    posting: Mapped["JobPosting | None"] = relationship(back_populates="placements")  # noqa: F821
    participation: Mapped["DuoDayParticipation | None"] = relationship()  # noqa: F821
    coach: Mapped["User | None"] = relationship(foreign_keys=[coach_id])  # noqa: F821
    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id])  # noqa: F821
    phases: Mapped[list["PlacementPhase"]] = relationship(
        back_populates="placement", order_by="(PlacementPhase.start_date, PlacementPhase.id)"
    )
    safety_followup: Mapped["FollowUp | None"] = relationship(foreign_keys=[safety_followup_id])  # noqa: F821
    funding_followup: Mapped["FollowUp | None"] = relationship(foreign_keys=[funding_followup_id])  # noqa: F821

    @property
    def is_active(self) -> bool:
        return self.outcome is None and self.archived_at is None

    @property
    def mentor_named(self) -> bool:
        return bool(self.mentor_name)

    @property
    def risk_assessment_done(self) -> bool:
        return self.risk_assessment_date is not None

    @property
    def needs_safety_checklist(self) -> bool:
        return self.placement_type.needs_safety_checklist

    @property
    def open_safety_items(self) -> list[str]:
        """Labels of the checklist items still open; empty when the checklist does not apply."""
        if not self.needs_safety_checklist:
            return []
        return [str(label) for key, label in SAFETY_ITEMS if not getattr(self, key)]

    def __str__(self) -> str:
        return f"{self.participant_ref} · {self.placement_type.label}"


class PlacementPhase(db.Model):
    """One phase of a placement (taster → trial → outsourced workplace …); the history is kept."""

    __tablename__ = "placement_phases"
    __table_args__ = (Index("ix_placement_phases_placement_start", "placement_id", "start_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id", ondelete="CASCADE"))
    # Denormalised so the employer timeline reads one table with one index.
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"), index=True)
    placement_type: Mapped[PlacementType] = mapped_column(enum_column(PlacementType, "placement_phase_type"))
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    placement: Mapped[Placement] = relationship(back_populates="phases")
    recorded_by: Mapped["User | None"] = relationship()  # noqa: F821
