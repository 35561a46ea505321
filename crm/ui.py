"""Template filters and globals: dates in Europe/Berlin via Babel, navigation, role checks."""

import re
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Flask, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_babel import lazy_gettext as _l

from crm import security
from crm.auth.models import Role
from crm.navigation import active_nav_endpoint, nav_badge, visible_admin_pages, visible_nav_items


def datetime_filter(value: datetime | None, format: str = "short") -> str:
    return format_datetime(value, format) if value else ""


def date_filter(value: date | datetime | None, format: str = "medium") -> str:
    return format_date(value, format) if value else ""


def number_filter(value: float | int | None) -> str:
    return format_decimal(value) if value is not None else ""


def wants_fragment() -> bool:
    """An htmx request that swaps part of the page; a history restore after "back" wants the whole page."""
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-History-Restore-Request")


def url_with(**changes: object) -> str:
    """The current URL with some query arguments replaced (None removes one); keeps filters shareable."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = [str(value)]
    query = urlencode(args, doseq=True)
    return f"{request.path}?{query}" if query else request.path


def register(app: Flask) -> None:
    app.add_template_filter(datetime_filter, "datetime")
    app.add_template_filter(date_filter, "date")
    app.add_template_filter(number_filter, "number")
    app.add_template_global(visible_nav_items, "nav_items")
    app.add_template_global(nav_badge, "nav_badge")
    app.add_template_global(active_nav_endpoint, "active_nav_endpoint")
    app.add_template_global(visible_admin_pages, "admin_pages")
    app.add_template_global(security.user_can, "user_can")
    app.add_template_global(url_with, "url_with")
    app.add_template_global(Role, "Role")
    app.add_template_global(get_locale, "get_locale")
    app.add_template_global(audit_history, "audit_history")
    app.add_template_global(audit_changes, "audit_changes")
    app.add_template_global(security.EDITORS, "EDITORS")
    app.add_template_global(security.LOGGERS, "LOGGERS")
    app.add_template_global(security.ADMINS, "ADMINS")


# Bookkeeping columns that every change touches; the history shows what people changed.
AUDIT_HIDDEN_FIELDS = frozenset({"normalized_name", "version", "updated_at", "created_at"})
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def audit_changes(changes: dict) -> list[tuple[str, str | None, str]]:
    """The visible changes of an audit entry as (field, old, new), values in German formats.

    Field changes are [old, new] pairs; notes such as a merge's are a single value (old is None then).
    """
    visible = []
    for field, values in changes.items():
        if field in AUDIT_HIDDEN_FIELDS:
            continue
        if isinstance(values, list | tuple) and len(values) == 2:
            visible.append((field, audit_value(values[0]), audit_value(values[1])))
        else:
            visible.append((field, None, audit_value(values)))
    return visible


def audit_value(value: object) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return str(_l("yes") if value else _l("no"))
    if isinstance(value, str) and ISO_DATETIME.match(value):
        try:
            return format_datetime(datetime.fromisoformat(value), "short")
        except ValueError:
            return value
    if isinstance(value, str) and ISO_DATE.match(value):
        try:
            return format_date(date.fromisoformat(value), "medium")
        except ValueError:
            return value
    return str(value)


def audit_history(record: object) -> list:
    """The audit entries of a record, for its history section."""
    from crm.audit.services import history_for

    if record is None:
        return []
    return history_for(record.__tablename__, record.id)


# Beyond any list here; a larger page number would overflow the database's OFFSET (a 500 before).
MAX_PAGE = 100_000


def paginate(query: Any, *, per_page: int) -> Any:
    """One page of `query` for the list pages: ?page= read like every number in a URL, kept within MAX_PAGE."""
    from crm.extensions import db
    from crm.forms import int_or_none

    page = min(int_or_none(request.args.get("page")) or 1, MAX_PAGE)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
