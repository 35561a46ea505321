"""Query building for the employer list and its CSV export: filters, sorting, the page and its extras.

Plain functions over an `EmployerFilters` value, so the page, the export and the benchmark share one
definition of "the filtered rows". Every page costs the same few statements whatever the row count:
count, the page's ids in order, those rows (stage, owner and industry joined in), their next follow-ups.
"""

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, literal_column, null, or_, select
from sqlalchemy.orm import aliased, joinedload

from crm.auth.models import User
from crm.db import utcnow
from crm.employers.models import Employer, EmployerSource, Industry, Stage, Tag, employer_tags
from crm.employers.search import search_employer_ids
from crm.extensions import db
from crm.sites.models import Site

try:  # The follow-ups domain may be absent; the column then shows "–" and cannot be sorted by.
    from crm.followups.models import FollowUp, FollowUpStatus
except ImportError:  # pragma: no cover - exercised by monkeypatching FollowUp to None in the tests
    FollowUp = None  # type: ignore[assignment,misc]
    FollowUpStatus = None  # type: ignore[assignment,misc]

SORT_KEYS = ("name", "stage", "last_contact", "next_followup")
DIRECTIONS = ("asc", "desc")
MAX_NO_CONTACT_DAYS = 3650


@dataclass(frozen=True)
class EmployerFilters:
    """What the user asked the list for; parsed from the URL by the view."""

    q: str = ""
    stage_id: int | None = None
    owner_id: int | None = None
    unowned: bool = False
    site_id: int | None = None
    district: str | None = None
    industry_id: int | None = None
    source: EmployerSource | None = None
    tag_id: int | None = None
    no_contact_days: int | None = None
    include_archived: bool = False
    sort: str = "name"
    direction: str = "asc"
    # The moment "N days without contact" counts from (tests pin it).
    now: datetime = field(default_factory=utcnow)

    @property
    def descending(self) -> bool:
        return self.direction == "desc"


def active_condition() -> Any:
    """Not archived; on SQLite with the planner hint that this holds for nearly every employer.

    SQLite's statistics on ix_employers_stage_board (stage_id, archived_at, ...) average over all
    archive timestamps and make "archived_at IS NULL" look rare; it then picks that index and sorts
    every row (20 ms at 20,000 employers) instead of walking the name index and stopping after one
    page (0.1 ms). likelihood() is SQLite's documented way to correct such an estimate.
    """
    condition = Employer.archived_at.is_(None)
    if db.session.get_bind().dialect.name == "sqlite":
        return func.likelihood(condition, literal_column("0.97"))
    return condition


def filtered_ids_condition(filters: EmployerFilters) -> list[Any]:
    """The WHERE terms for `filters` on the employers table (no joins needed)."""
    terms: list[Any] = []
    if not filters.include_archived:
        terms.append(active_condition())
    search = search_employer_ids(filters.q)
    if search is not None:
        terms.append(Employer.id.in_(search))
    if filters.stage_id is not None:
        terms.append(Employer.stage_id == filters.stage_id)
    if filters.unowned:
        terms.append(Employer.owner_id.is_(None))
    elif filters.owner_id is not None:
        terms.append(Employer.owner_id == filters.owner_id)
    if filters.site_id is not None:
        terms.append(Employer.site_id == filters.site_id)
    if filters.district:
        terms.append(Employer.district == filters.district)
    if filters.industry_id is not None:
        terms.append(Employer.industry_id == filters.industry_id)
    if filters.source is not None:
        terms.append(Employer.source == filters.source)
    if filters.tag_id is not None:
        terms.append(
            Employer.id.in_(select(employer_tags.c.employer_id).where(employer_tags.c.tag_id == filters.tag_id))
        )
    if filters.no_contact_days is not None:
        cutoff = filters.now - timedelta(days=filters.no_contact_days)
        terms.append(or_(Employer.last_contact_at.is_(None), Employer.last_contact_at < cutoff))
    return terms


def next_followup_subquery():
    """Per employer, the due date of its earliest open follow-up (None without the follow-ups domain)."""
    if FollowUp is None:
        return None
    return (
        select(FollowUp.employer_id.label("employer_id"), func.min(FollowUp.due_date).label("next_due"))
        .where(FollowUp.status == FollowUpStatus.OPEN)
        .group_by(FollowUp.employer_id)
        .subquery("next_followups")
    )


def _ordered(direction: str, column: Any, *, nulls_first_when_ascending: bool) -> Any:
    """Order by `column`; NULL ("never", "none") sits where it means most: explicit on both databases."""
    ordered = column.desc() if direction == "desc" else column.asc()
    nulls_first = nulls_first_when_ascending == (direction == "asc")
    return ordered.nulls_first() if nulls_first else ordered.nulls_last()


def sorted_query(query: Select, filters: EmployerFilters, *, next_due: Any = None) -> Select:
    """Add the ORDER BY for `filters.sort`, always ending with the id so pages never overlap.

    Names sort by their normalised spelling (case, umlauts and legal forms folded: "Ärztehaus" next to
    "Apotheke", the same on both databases). Sorting by stage needs `Stage` in the FROM clause (the
    caller joins it); by next follow-up joins the follow-up subquery unless the caller did (`next_due`).
    """
    direction = filters.direction
    descending = direction == "desc"
    tiebreak = Employer.id.desc() if descending else Employer.id.asc()
    name = Employer.normalized_name.desc() if descending else Employer.normalized_name.asc()
    if filters.sort == "next_followup" and next_due is None:
        next_followups = next_followup_subquery()
        if next_followups is not None:
            query = query.outerjoin(next_followups, next_followups.c.employer_id == Employer.id)
            next_due = next_followups.c.next_due
    if filters.sort == "stage":
        order = [Stage.position.desc() if descending else Stage.position.asc(), Employer.normalized_name.asc()]
    elif filters.sort == "last_contact":
        # Never contacted counts as longest ago: first when ascending ("who waits longest").
        order = [_ordered(direction, Employer.last_contact_at, nulls_first_when_ascending=True)]
    elif filters.sort == "next_followup" and next_due is not None:
        # No follow-up planned: last in both directions, it is never the interesting end.
        order = [next_due.desc().nulls_last() if descending else next_due.asc().nulls_last()]
    else:
        order = [name]
    return query.order_by(*order, tiebreak)


def page_ids_query(filters: EmployerFilters) -> Select:
    """The ids of the filtered employers in display order, from the employers table alone.

    Kept free of the display joins so the database can walk the name or last-contact index in sort
    order and stop after one page instead of joining and sorting every row.
    """
    query = select(Employer.id).where(*filtered_ids_condition(filters))
    if filters.sort == "stage":
        query = query.join(Stage, Stage.id == Employer.stage_id)
    return sorted_query(query, filters)


def load_page_rows(ids: Sequence[int]) -> list[Employer]:
    """The employers with what a row shows (stage, owner, industry) in one statement, in `ids` order."""
    if not ids:
        return []
    rows = db.session.scalars(
        select(Employer)
        .where(Employer.id.in_(ids))
        .options(joinedload(Employer.stage), joinedload(Employer.owner), joinedload(Employer.industry))
    ).unique()
    by_id = {employer.id: employer for employer in rows}
    return [by_id[employer_id] for employer_id in ids if employer_id in by_id]


def count_query(filters: EmployerFilters) -> Select:
    """COUNT(*) of the filtered employers: no joins, no ordering."""
    return select(func.count()).select_from(Employer).where(*filtered_ids_condition(filters))


class EmployerPage(Pagination):
    """One page of the list (works with the `pagination` macro); `next_due` maps employer id to a date."""

    next_due: dict[int, date]

    def _query_items(self) -> list[Any]:
        query = self._query_args["ids_query"].limit(self.per_page).offset(self._query_offset)
        return load_page_rows(list(db.session.scalars(query)))

    def _query_count(self) -> int:
        return db.session.scalar(self._query_args["count_query"]) or 0


def employer_page(filters: EmployerFilters, *, page: int = 1, per_page: int = 25) -> EmployerPage:
    """The requested page of the filtered list; a page past the end shows the last page."""
    page = max(page, 1)
    result = EmployerPage(
        page=page,
        per_page=per_page,
        max_per_page=None,
        error_out=False,
        ids_query=page_ids_query(filters),
        count_query=count_query(filters),
    )
    if not result.items and result.total and page > 1:
        last = math.ceil(result.total / per_page)
        result = EmployerPage(
            page=last,
            per_page=per_page,
            max_per_page=None,
            error_out=False,
            ids_query=page_ids_query(filters),
            count_query=count_query(filters),
        )
    result.next_due = next_followups_for([employer.id for employer in result.items])
    return result


def next_followups_for(employer_ids: Sequence[int]) -> dict[int, date]:
    """The earliest open follow-up date per employer, for the ids on one page (one grouped query)."""
    if FollowUp is None or not employer_ids:
        return {}
    rows = db.session.execute(
        select(FollowUp.employer_id, func.min(FollowUp.due_date))
        .where(FollowUp.employer_id.in_(employer_ids), FollowUp.status == FollowUpStatus.OPEN)
        .group_by(FollowUp.employer_id)
    )
    return {employer_id: due for employer_id, due in rows}


# --- CSV export -----------------------------------------------------------------------------------


# The columns of export_rows, in order; the view gives them German headers.
EXPORT_COLUMNS = (
    "id",
    "name",
    "legal_form",
    "stage",
    "industry",
    "street",
    "postcode",
    "city",
    "district",
    "phone",
    "email",
    "website",
    "source",
    "owner",
    "site",
    "tags",
    "last_contact_at",
    "next_followup",
    "created_at",
    "archived_at",
)


def export_rows(filters: EmployerFilters, *, batch_size: int = 1000) -> Iterator[tuple]:
    """Every filtered employer as one flat tuple (EXPORT_COLUMNS), in list order, streamed in batches.

    One statement: stage, industry, owner and site joined, tags aggregated, next follow-up joined.
    """
    owner = aliased(User)
    tag_names = (
        select(employer_tags.c.employer_id.label("employer_id"), func.aggregate_strings(Tag.name, ", ").label("names"))
        .join(Tag, Tag.id == employer_tags.c.tag_id)
        .group_by(employer_tags.c.employer_id)
        .subquery("tag_names")
    )
    next_followups = next_followup_subquery()
    next_due = next_followups.c.next_due if next_followups is not None else None
    query = (
        select(
            Employer.id,
            Employer.name,
            Employer.legal_form,
            Stage.name,
            Industry.name,
            Employer.street,
            Employer.postcode,
            Employer.city,
            Employer.district,
            Employer.phone,
            Employer.email,
            Employer.website,
            Employer.source,
            owner.name,
            Site.name,
            tag_names.c.names,
            Employer.last_contact_at,
            next_due if next_due is not None else null(),
            Employer.created_at,
            Employer.archived_at,
        )
        .join(Stage, Stage.id == Employer.stage_id)
        .outerjoin(Industry, Industry.id == Employer.industry_id)
        .outerjoin(owner, owner.id == Employer.owner_id)
        .outerjoin(Site, Site.id == Employer.site_id)
        .outerjoin(tag_names, tag_names.c.employer_id == Employer.id)
        .where(*filtered_ids_condition(filters))
    )
    if next_followups is not None:
        query = query.outerjoin(next_followups, next_followups.c.employer_id == Employer.id)
    query = sorted_query(query, filters, next_due=next_due)
    for row in db.session.execute(query.execution_options(yield_per=batch_size)):
        yield tuple(row)


def district_choices() -> list[str]:
    """The districts that employers are in, alphabetically (for the filter)."""
    return list(
        db.session.scalars(
            select(Employer.district)
            .where(Employer.district.is_not(None), Employer.district != "")
            .distinct()
            .order_by(Employer.district)
        )
    )
