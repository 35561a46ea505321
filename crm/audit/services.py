"""Record audit entries from the ORM's own change tracking, so no service can forget one."""

import datetime as dt
import decimal
import enum
from typing import Any

from flask import g, has_app_context, has_request_context
from flask_login import current_user
from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session, UOWTransaction

from crm.audit.models import Archivable, Audited, AuditEntry
from crm.extensions import db


def _json_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_json_value(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def current_actor_id() -> int | None:
    """Return the id of the user acting now: the logged-in user, or one set by a CLI command."""
    if has_request_context() and current_user.is_authenticated:
        return current_user.id
    return g.get("audit_actor_id") if has_app_context() else None


def _column_changes(obj: Any, *, new: bool) -> dict[str, list[Any]]:
    state = inspect(obj)
    exclude = set(getattr(obj, "__audit_exclude__", ()))
    changes: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in exclude or key == "version":
            continue
        history = state.attrs[key].history
        if new:
            value = getattr(obj, key)
            if value is not None and key != "id":
                changes[key] = [None, _json_value(value)]
        elif history.has_changes():
            old = history.deleted[0] if history.deleted else None
            value = history.added[0] if history.added else None
            if old != value:
                changes[key] = [_json_value(old), _json_value(value)]
    return changes


def _action_for(obj: Any, changes: dict[str, list[Any]]) -> str:
    if isinstance(obj, Archivable) and "archived_at" in changes:
        old, new = changes["archived_at"]
        if old is None and new is not None:
            return "archive"
        if old is not None and new is None:
            return "restore"
    return "update"


@event.listens_for(Session, "after_flush")
def _write_audit_entries(session: Session, flush_context: UOWTransaction) -> None:
    """Insert one entry per created or changed audited object, inside the same transaction."""
    rows = []
    actor = current_actor_id()
    request_id = g.get("request_id") if has_request_context() else None
    now = dt.datetime.now(dt.UTC)
    for obj in session.new:
        if isinstance(obj, Audited):
            rows.append(_row(obj, "create", _column_changes(obj, new=True), actor, request_id, now))
    for obj in session.dirty:
        if isinstance(obj, Audited) and session.is_modified(obj, include_collections=False):
            changes = _column_changes(obj, new=False)
            if changes:
                rows.append(_row(obj, _action_for(obj, changes), changes, actor, request_id, now))
    for obj in session.deleted:
        if isinstance(obj, Audited):
            rows.append(_row(obj, "delete", {}, actor, request_id, now))
    if rows:
        session.connection().execute(insert(AuditEntry), rows)


def _row(obj: Any, action: str, changes: dict, actor: int | None, request_id: str | None, now: Any) -> dict:
    return {
        "at": now,
        "user_id": actor,
        "entity_type": obj.__tablename__,
        "entity_id": obj.id,
        "action": action,
        "changes": changes,
        "request_id": request_id,
    }


def history_for(entity_type: str, entity_id: int, *, limit: int = 200) -> list[AuditEntry]:
    """Return the audit entries of one record, newest first."""
    query = (
        select(AuditEntry)
        .where(AuditEntry.entity_type == entity_type, AuditEntry.entity_id == entity_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))
