"""Legal facts (figures with valid-from date and source) that the benefits calculator and sheet use."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.audit.models import Audited
from crm.db import utcnow
from crm.extensions import db


class LegalFact(Audited, db.Model):
    """One figure of the law as of `valid_from`; a later row with the same key supersedes it from its date."""

    __tablename__ = "legal_facts"
    __table_args__ = (UniqueConstraint("key", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable key the calculator asks for (e.g. "levy_60_3_5"); several rows per key = the history.
    key: Mapped[str] = mapped_column(String(60), index=True)
    label: Mapped[str] = mapped_column(String(200))
    # The number the calculator uses (euros or percent, see `unit`); None = not entered yet.
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    unit: Mapped[str | None] = mapped_column(String(10))
    # The fact in words, for facts that are not a number ("always possible").
    text: Mapped[str | None] = mapped_column(Text)
    valid_from: Mapped[date | None]
    source: Mapped[str | None] = mapped_column(String(300))
    needs_review: Mapped[bool] = mapped_column(default=True)
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    reviewed_by: Mapped["User | None"] = relationship()  # noqa: F821

    def __str__(self) -> str:
        return self.label
