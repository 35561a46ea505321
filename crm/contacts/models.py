"""Contact persons at employers: personal data, so their origin is recorded."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text
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


class Contact(Audited, Archivable, db.Model):
    __tablename__ = "contacts"

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
    def full_name(self) -> str:
        return " ".join(part for part in (self.title, self.first_name, self.last_name) if part)

    def __str__(self) -> str:
        return self.full_name
