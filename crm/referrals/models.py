"""Network partners, referrals between employers, and other providers approaching the same employer."""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.audit.models import Archivable, Audited
from crm.db import enum_column, utcnow
from crm.extensions import db


class PartnerKind(enum.StrEnum):
    EMPLOYMENT_AGENCY = "employment_agency"
    INTEGRATION_OFFICE = "integration_office"
    CHAMBER = "chamber"
    PROVIDER = "provider"
    SCHOOL = "school"
    ASSOCIATION = "association"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(PARTNER_KIND_LABELS[self])


PARTNER_KIND_LABELS = {
    PartnerKind.EMPLOYMENT_AGENCY: _l("Employment agency"),
    PartnerKind.INTEGRATION_OFFICE: _l("Integration office"),
    PartnerKind.CHAMBER: _l("Chamber"),
    PartnerKind.PROVIDER: _l("Other provider"),
    PartnerKind.SCHOOL: _l("School"),
    PartnerKind.ASSOCIATION: _l("Association"),
    PartnerKind.OTHER: _l("Other"),
}


class Partner(Audited, db.Model):
    """A network partner (may recommend employers) or another provider (may approach the same employers)."""

    __tablename__ = "network_partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[PartnerKind] = mapped_column(enum_column(PartnerKind, "partner_kind"))
    note: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.name


class Referral(Audited, Archivable, db.Model):
    """Who recommended an employer: another employer (optionally its contact person) or a network partner."""

    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint("(referrer_employer_id IS NULL) <> (partner_id IS NULL)", name="one_referrer"),
        CheckConstraint("referrer_employer_id IS NULL OR referrer_employer_id <> referred_id", name="not_self"),
        Index("ix_referrals_referrer_employer", "referrer_employer_id"),
        Index("ix_referrals_partner", "partner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referred_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"), index=True)
    referrer_employer_id: Mapped[int | None] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"))
    referrer_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("network_partners.id"))
    referred_on: Mapped[date]
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The thank-you to the referrer once the referred employer cooperates: suggested until handled.
    thanks_handled_at: Mapped[datetime | None]
    # The follow-up created for the thank-you (no foreign key: follow-ups are another domain's table).
    thanks_followup_id: Mapped[int | None]

    referred: Mapped["Employer"] = relationship(foreign_keys=[referred_id])  # noqa: F821
    referrer_employer: Mapped["Employer | None"] = relationship(foreign_keys=[referrer_employer_id])  # noqa: F821
    referrer_contact: Mapped["Contact | None"] = relationship()  # noqa: F821
    partner: Mapped[Partner | None] = relationship()
    created_by: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def referrer_name(self) -> str:
        if self.referrer_employer is not None:
            return self.referrer_employer.name
        return self.partner.name if self.partner is not None else ""


class ProviderInvolvement(Audited, Archivable, db.Model):
    """Another provider (workshop or service) also approaches this employer; staff avoid double approaches."""

    __tablename__ = "provider_involvements"
    __table_args__ = (UniqueConstraint("employer_id", "partner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("network_partners.id"), index=True)
    note: Mapped[str | None] = mapped_column(String(300))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    partner: Mapped[Partner] = relationship(lazy="joined")
    recorded_by: Mapped["User | None"] = relationship()  # noqa: F821
