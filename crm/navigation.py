"""The main navigation: an entry shows only when its page exists and the user's role may open it."""

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from crm.auth.models import Role

ALL_ROLES = tuple(Role)


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    roles: tuple[Role, ...] = ALL_ROLES


# Optional counters next to a navigation entry (e.g. overdue follow-ups), by endpoint.
# A domain registers a callable returning an int (0 hides the badge) and a lazy label for screen readers.
NAV_BADGES: dict[str, tuple[Callable[[], int], object]] = {}


def register_nav_badge(endpoint: str, count: Callable[[], int], label: object) -> None:
    NAV_BADGES[endpoint] = (count, label)


def nav_badge(endpoint: str) -> tuple[int, object] | None:
    """The badge for a navigation entry, or None."""
    entry = NAV_BADGES.get(endpoint)
    if entry is None:
        return None
    count = entry[0]()
    return (count, entry[1]) if count else None


NAV_ITEMS = (
    NavItem("main.dashboard", _l("Overview")),
    NavItem("employers.index", _l("Employers")),
    NavItem("employers.pipeline", _l("Pipeline")),
    NavItem("followups.index", _l("Follow-ups")),
    NavItem("postings.index", _l("Job postings")),
    NavItem("duoday.index", _l("DuoDay")),
    NavItem("reports.index", _l("Reports")),
    NavItem("admin.users", _l("Administration"), (Role.ADMIN,)),
)


def visible_nav_items() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    existing = current_app.view_functions
    return [item for item in NAV_ITEMS if item.endpoint in existing and current_user.role in item.roles]
