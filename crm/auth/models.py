"""User accounts and the login-attempt log that throttling reads."""

import enum
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.audit.models import Audited
from crm.db import enum_column, utcnow
from crm.extensions import db


class Role(enum.StrEnum):
    ADMIN = "admin"
    ACQUISITION = "acquisition"
    COACH = "coach"
    VIEWER = "viewer"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.ADMIN: _l("Administration"),
    Role.ACQUISITION: _l("Acquisition"),
    Role.COACH: _l("Job coach"),
    Role.VIEWER: _l("Read only"),
}


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(Audited, db.Model):
    __tablename__ = "users"
    __audit_exclude__ = (
        "password_hash",
        "session_token",
        "last_login_at",
        "calendar_token",
        "totp_secret",
        "totp_last_step",
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(enum_column(Role, "user_role"))
    password_hash: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(5), default="de")
    active: Mapped[bool] = mapped_column(default=True)
    # Flask-Login stores this token, not the id: renewing it ends every session of the user.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Two-factor login (TOTP): the secret encrypted with a key derived from SECRET_KEY; set but not yet
    # enabled while the user is setting it up. The last accepted time step stops a code being used twice.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]

    site: Mapped["Site | None"] = relationship()  # noqa: F821

    # Flask-Login protocol
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return self.session_token

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class LoginAttempt(db.Model):
    """One login try; throttling counts recent failures per e-mail and per address in the database."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    succeeded: Mapped[bool] = mapped_column(default=False)


class RecoveryCode(db.Model):
    """A one-time recovery code for two-factor login, stored as an Argon2 hash; `used_at` marks it spent."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
