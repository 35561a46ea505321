"""A security-relevant event: who, when, what kind, from which address, and a detail without secrets."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import enum_column, utcnow
from crm.extensions import db


class SecurityEventKind(enum.StrEnum):
    LOGIN_SUCCEEDED = "login_succeeded"
    LOGIN_FAILED = "login_failed"
    LOGIN_THROTTLED = "login_throttled"
    LOGOUT = "logout"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105  # nosec B105  # an event name, not a password
    PASSWORD_RESET = "password_reset"  # noqa: S105  # nosec B105  # an event name
    TWO_FACTOR_ENABLED = "two_factor_enabled"
    TWO_FACTOR_DISABLED = "two_factor_disabled"
    TWO_FACTOR_RESET = "two_factor_reset"
    TWO_FACTOR_FAILED = "two_factor_failed"
    RECOVERY_CODE_USED = "recovery_code_used"
    RECOVERY_CODES_RENEWED = "recovery_codes_renewed"
    USER_CREATED = "user_created"
    ROLE_CHANGED = "role_changed"
    USER_ACTIVATED = "user_activated"
    USER_DEACTIVATED = "user_deactivated"
    EXPORT = "export"
    GDPR_EXPORT = "gdpr_export"
    GDPR_ERASURE = "gdpr_erasure"
    API_TOKEN_CREATED = "api_token_created"  # noqa: S105  # nosec B105  # an event name
    API_TOKEN_REVOKED = "api_token_revoked"  # noqa: S105  # nosec B105  # an event name

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self])


KIND_LABELS = {
    SecurityEventKind.LOGIN_SUCCEEDED: _l("Login"),
    SecurityEventKind.LOGIN_FAILED: _l("Failed login"),
    SecurityEventKind.LOGIN_THROTTLED: _l("Login blocked (too many failures)"),
    SecurityEventKind.LOGOUT: _l("Logout"),
    SecurityEventKind.PASSWORD_CHANGED: _l("Password changed"),
    SecurityEventKind.PASSWORD_RESET: _l("Password reset"),
    SecurityEventKind.TWO_FACTOR_ENABLED: _l("Two-factor login turned on"),
    SecurityEventKind.TWO_FACTOR_DISABLED: _l("Two-factor login turned off"),
    SecurityEventKind.TWO_FACTOR_RESET: _l("Two-factor login reset by an administrator"),
    SecurityEventKind.TWO_FACTOR_FAILED: _l("Wrong security code"),
    SecurityEventKind.RECOVERY_CODE_USED: _l("Recovery code used"),
    SecurityEventKind.RECOVERY_CODES_RENEWED: _l("New recovery codes"),
    SecurityEventKind.USER_CREATED: _l("User created"),
    SecurityEventKind.ROLE_CHANGED: _l("Role changed"),
    SecurityEventKind.USER_ACTIVATED: _l("User reactivated"),
    SecurityEventKind.USER_DEACTIVATED: _l("User deactivated"),
    SecurityEventKind.EXPORT: _l("Export"),
    SecurityEventKind.GDPR_EXPORT: _l("Data protection information"),
    SecurityEventKind.GDPR_ERASURE: _l("Data protection erasure"),
    SecurityEventKind.API_TOKEN_CREATED: _l("API token created"),
    SecurityEventKind.API_TOKEN_REVOKED: _l("API token revoked"),
}


class SecurityEvent(db.Model):
    """One event; `user` did it (None: unknown or the command line), `target_user` is whom it concerned."""

    __tablename__ = "security_events"
    __table_args__ = (
        Index("ix_security_events_at", "at"),
        Index("ix_security_events_kind_at", "kind", "at"),
        Index("ix_security_events_user_id_at", "user_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[SecurityEventKind] = mapped_column(enum_column(SecurityEventKind, "security_event_kind"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    address: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")

    user: Mapped["User | None"] = relationship(foreign_keys=[user_id])  # noqa: F821
    target_user: Mapped["User | None"] = relationship(foreign_keys=[target_user_id])  # noqa: F821
