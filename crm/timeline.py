"""The employer's timeline: entries from every domain (activities, stage changes, follow-ups, …).

Each domain registers a source that returns its newest entries for one employer. A page is made by
asking every selected source for `offset + per_page` entries and merging them by time, so a page costs
one query per source, however long the history is.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # the source key, used for the filter
    template: str  # partial that renders `entry` (entry.item is the domain object)
    item: Any
    sort_key: int = 0  # tie-breaker within the same instant (e.g. the row id)


@dataclass(frozen=True)
class TimelineSource:
    kind: str
    label: Any  # lazy German label for the filter
    fetch: Callable[[int, int], Iterable[TimelineEntry]]  # (employer_id, limit) -> newest first
    order: int = 100


_SOURCES: dict[str, TimelineSource] = {}


def register_source(source: TimelineSource) -> None:
    """Add or replace (same kind) a timeline source."""
    _SOURCES[source.kind] = source


def sources() -> list[TimelineSource]:
    return sorted(_SOURCES.values(), key=lambda s: s.order)


@dataclass(frozen=True)
class TimelinePage:
    entries: list[TimelineEntry]
    page: int
    per_page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def employer_timeline(
    employer_id: int, *, kinds: set[str] | None = None, page: int = 1, per_page: int = 20
) -> TimelinePage:
    """One page of the merged timeline, newest first, optionally only some kinds."""
    page = max(1, page)
    wanted = [s for s in sources() if not kinds or s.kind in kinds]
    limit = page * per_page + 1
    merged: list[TimelineEntry] = []
    for source in wanted:
        merged.extend(source.fetch(employer_id, limit))
    merged.sort(key=lambda e: (e.at, e.sort_key), reverse=True)
    start = (page - 1) * per_page
    window = merged[start : start + per_page + 1]
    return TimelinePage(entries=window[:per_page], page=page, per_page=per_page, has_next=len(window) > per_page)
