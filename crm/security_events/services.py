"""Writing security events: one function, sanitised text, the same line in the database and the log."""

import logging
import unicodedata
from datetime import datetime

from flask import has_request_context, request
from sqlalchemy import Select, delete, select

from crm.auth.models import User
from crm.extensions import db
from crm.security_events.models import SecurityEvent, SecurityEventKind

logger = logging.getLogger("crm.security")

MAX_DETAIL_LENGTH = 1000
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}
# Control characters, line and paragraph separators, and invisible format characters (bidi overrides,
# zero-width characters) could start a fake log line or hide text; they are written as escapes.
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def sanitise_log_text(text: object) -> str:
    """One line of printable text: backslashes, CR/LF and other control characters become visible escapes."""
    parts = []
    for char in str(text):
        if char in _NAMED_ESCAPES:
            parts.append(_NAMED_ESCAPES[char])
        elif unicodedata.category(char) in _ESCAPED_CATEGORIES:
            code = ord(char)
            parts.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            parts.append(char)
    return "".join(parts)


def _client_address() -> str | None:
    if not has_request_context():
        return None
    return sanitise_log_text(request.remote_addr or "unknown")[:64]


def record_security_event(
    *,
    kind: SecurityEventKind,
    user: User | None = None,
    target_user: User | None = None,
    detail: str = "",
) -> SecurityEvent:
    """Add a security event to the session (the caller commits) and write the same line to "crm.security".

    `detail` must not contain secrets (passwords, codes, tokens); whatever it holds is sanitised, so text a
    user typed cannot forge a second log line.
    """
    clean = sanitise_log_text(detail)
    if len(clean) > MAX_DETAIL_LENGTH:
        clean = clean[: MAX_DETAIL_LENGTH - 1] + "…"
    event = SecurityEvent(
        kind=SecurityEventKind(kind),
        user_id=user.id if user is not None else None,
        target_user_id=target_user.id if target_user is not None else None,
        address=_client_address(),
        detail=clean,
    )
    db.session.add(event)
    db.session.flush()
    logger.info("%s", format_log_line(event, user=user, target_user=target_user))
    return event


def record_export(*, filename: str) -> SecurityEvent:
    """A download of a list or report by the logged-in user, with the filters of the request."""
    from flask_login import current_user

    query = request.query_string.decode("utf-8", "replace")
    user = current_user._get_current_object() if current_user.is_authenticated else None
    return record_security_event(
        kind=SecurityEventKind.EXPORT, user=user, detail=f"{request.endpoint}: {filename}; filters: {query or '-'}"
    )


def format_log_line(event: SecurityEvent, *, user: User | None, target_user: User | None) -> str:
    """The log line of an event: every part is sanitised (e-mail addresses come from users too)."""
    fields = [
        f"event={event.kind.value}",
        f"user={sanitise_log_text(user.email) if user is not None else '-'}",
    ]
    if target_user is not None:
        fields.append(f"target={sanitise_log_text(target_user.email)}")
    fields.append(f"address={event.address or '-'}")
    if event.detail:
        fields.append(f"detail={event.detail}")
    return " ".join(fields)


def security_events_query(*, kind: SecurityEventKind | None = None, user_id: int | None = None) -> Select:
    """Newest first, optionally one kind and/or events done by or concerning one user."""
    query = select(SecurityEvent).order_by(SecurityEvent.at.desc(), SecurityEvent.id.desc())
    if kind is not None:
        query = query.where(SecurityEvent.kind == kind)
    if user_id is not None:
        query = query.where((SecurityEvent.user_id == user_id) | (SecurityEvent.target_user_id == user_id))
    return query


def delete_security_events(*, before: datetime, limit: int) -> int:
    """Delete up to `limit` security events older than `before` (retention); return how many went.

    The WHERE repeats the age test, so two processes at once delete nothing twice.
    """
    oldest = select(SecurityEvent.id).where(SecurityEvent.at < before).order_by(SecurityEvent.id).limit(limit)
    result = db.session.execute(
        delete(SecurityEvent)
        .where(SecurityEvent.id.in_(oldest.scalar_subquery()), SecurityEvent.at < before)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
