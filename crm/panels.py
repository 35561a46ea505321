"""Sections of the employer page (the coach's briefing) contributed by other domains.

The employer page must show contacts, follow-ups, activities, objections, placements … without the
employers package importing those packages (dependencies point one way). Each domain registers a
panel at import time of its views module; the employer view renders them in `order`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_login import current_user

from crm.auth.models import Role


@dataclass(frozen=True)
class Panel:
    key: str
    order: int
    template: str  # rendered with `employer`, `panel` and the loader's dict in the context
    load: Callable[[Any], dict[str, Any]]  # employer -> template context; must use a constant number of queries
    print_template: str | None = None  # the compact variant for the one-page print view; None = not printed
    roles: tuple[Role, ...] = field(default=tuple(Role))


_PANELS: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    """Add or replace (same key) a panel; safe when create_app runs more than once."""
    _PANELS[panel.key] = panel


def panels_for(employer: Any, *, printing: bool = False) -> list[tuple[Panel, dict[str, Any]]]:
    """The panels the current user may see, each with its loaded context, in display order."""
    result = []
    for panel in sorted(_PANELS.values(), key=lambda p: p.order):
        if printing and panel.print_template is None:
            continue
        if current_user.is_authenticated and current_user.role not in panel.roles:
            continue
        result.append((panel, panel.load(employer)))
    return result
