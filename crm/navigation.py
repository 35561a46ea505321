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
# A domain registers a callable returning an int (0 hides the badge) and one that words the count for
# screen readers ("1 überfällige Wiedervorlage", "3 überfällige Wiedervorlagen").
NAV_BADGES: dict[str, tuple[Callable[[], int], Callable[[int], str]]] = {}


def register_nav_badge(endpoint: str, count: Callable[[], int], label: Callable[[int], str]) -> None:
    NAV_BADGES[endpoint] = (count, label)


def nav_badge(endpoint: str) -> tuple[int, str] | None:
    """The badge for a navigation entry (count and its spoken label), or None."""
    entry = NAV_BADGES.get(endpoint)
    if entry is None:
        return None
    count = entry[0]()
    return (count, entry[1](count)) if count else None


NAV_ITEMS = (
    NavItem("main.dashboard", _l("Overview")),
    NavItem("employers.index", _l("Employers")),
    NavItem("employers.pipeline", _l("Pipeline")),
    NavItem("followups.index", _l("Follow-ups")),
    NavItem("postings.index", _l("Job postings")),
    NavItem("placements.index", _l("Placements")),
    NavItem("duoday.index", _l("DuoDay")),
    NavItem("reports.index", _l("Reports")),
    NavItem("admin.users", _l("Administration"), (Role.ADMIN,)),
)


# The administration area's pages; "Verwaltung" in the main navigation stays highlighted on all of them.
ADMIN_PAGES = (
    NavItem("admin.users", _l("Users"), (Role.ADMIN,)),
    NavItem("audit.index", _l("Audit trail"), (Role.ADMIN,)),
    NavItem("security_events.index", _l("Security events"), (Role.ADMIN,)),
    NavItem("employers.stages", _l("Stages"), (Role.ADMIN,)),
    NavItem("employers.industries", _l("Industries"), (Role.ADMIN,)),
    NavItem("objections.catalogue", _l("Objections and arguments"), (Role.ADMIN,)),
    NavItem("referrals.partners", _l("Network partners"), (Role.ADMIN,)),
    NavItem("benefits.facts", _l("Legal figures"), (Role.ADMIN,)),
    NavItem("reports.quota_settings_edit", _l("Outside-work quota"), (Role.ADMIN,)),
    NavItem("imports.index", _l("Import"), (Role.ADMIN,)),
    NavItem("merge.index", _l("Merge employers"), (Role.ADMIN,)),
    NavItem("gdpr.review", _l("Data protection review"), (Role.ADMIN,)),
    NavItem("followups.reassign", _l("Reassign follow-ups"), (Role.ADMIN,)),
)


def visible_admin_pages() -> list[NavItem]:
    existing = current_app.view_functions
    return [item for item in ADMIN_PAGES if item.endpoint in existing]


def active_nav_endpoint(endpoint: str | None, blueprint: str | None) -> str | None:
    """The one entry to highlight: the page itself, else the index of its blueprint."""
    endpoints = [item.endpoint for item in NAV_ITEMS]
    if endpoint in endpoints:
        return endpoint
    if endpoint in {item.endpoint for item in ADMIN_PAGES}:
        return "admin.users"
    if blueprint and f"{blueprint}.index" in endpoints:
        return f"{blueprint}.index"
    return None


def visible_nav_items() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    existing = current_app.view_functions
    return [item for item in NAV_ITEMS if item.endpoint in existing and current_user.role in item.roles]
