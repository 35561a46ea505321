"""Contact persons at employers: personal data, so their origin is recorded."""

import enum
import re
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.audit.models import Archivable, Audited
from crm.db import enum_column, utcnow
from crm.extensions import db


class Salutation(enum.StrEnum):
    MS = "ms"
    MR = "mr"
    NONE = "none"

    @property
    def label(self) -> str:
        return str(SALUTATION_LABELS[self])


SALUTATION_LABELS = {Salutation.MS: _l("Ms"), Salutation.MR: _l("Mr"), Salutation.NONE: _l("No salutation")}


class Channel(enum.StrEnum):
    PHONE = "phone"
    MOBILE = "mobile"
    EMAIL = "email"
    LETTER = "letter"
    VISIT = "visit"

    @property
    def label(self) -> str:
        return str(CHANNEL_LABELS[self])


CHANNEL_LABELS = {
    Channel.PHONE: _l("Phone"),
    Channel.MOBILE: _l("Mobile"),
    Channel.EMAIL: _l("E-mail"),
    Channel.LETTER: _l("Letter"),
    Channel.VISIT: _l("Personal visit"),
}


def tel_uri(number: str | None) -> str | None:
    """A dialable tel: URI from a typed number: "+49 (0)40 123456-12" becomes "tel:+494012345612"."""
    if not number:
        return None
    # The "(0)" people write after the country code is not dialled.
    cleaned = re.sub(r"^(\+\d{1,3})\s*\(0\)", r"\1", number.strip())
    digits = re.sub(r"[^\d+]", "", cleaned)
    digits = digits[:1] + digits[1:].replace("+", "")
    return f"tel:{digits}" if any(ch.isdigit() for ch in digits) else None


class Contact(Audited, Archivable, db.Model):
    __tablename__ = "contacts"
    __table_args__ = (
        # At most one primary contact per employer: a database fact, not only a service rule.
        Index(
            "uq_contacts_primary_employer",
            "employer_id",
            unique=True,
            sqlite_where=text("is_primary"),
            postgresql_where=text("is_primary"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"), index=True)
    salutation: Mapped[Salutation | None] = mapped_column(enum_column(Salutation))
    title: Mapped[str | None] = mapped_column(String(40))
    first_name: Mapped[str | None] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    function: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(40))
    mobile: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    preferred_channel: Mapped[Channel | None] = mapped_column(enum_column(Channel))
    is_primary: Mapped[bool] = mapped_column(default=False)
    # Left the company: kept for the history, hidden from pickers.
    has_left: Mapped[bool] = mapped_column(default=False)
    do_not_contact: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    # Where the data came from (GDPR Art. 14): business card, website, referral, ...
    data_source: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    employer: Mapped["Employer"] = relationship(back_populates="contacts")  # noqa: F821

    @property
    def phone_uri(self) -> str | None:
        return tel_uri(self.phone)

    @property
    def mobile_uri(self) -> str | None:
        return tel_uri(self.mobile)

    @property
    def is_current(self) -> bool:
        """Still at the employer and not archived: offered in pickers."""
        return not self.has_left and self.archived_at is None

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.title, self.first_name, self.last_name) if part)

    def __str__(self) -> str:
        return self.full_name
