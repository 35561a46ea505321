"""Job posting services: create, edit, fill (with the placement that filled it), close, take the poster down.

Services add and flush, never commit. Domain errors are PostingError with the form field they belong to.
"""

import enum
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from crm.auth.models import User
from crm.db import utcnow
from crm.domain import DomainError
from crm.employers.models import Employer
from crm.extensions import db
from crm.followups.workdays import local_today
from crm.placements.models import Placement
from crm.placements.reminders import cancel_reminder, close_reminder, ensure_reminder
from crm.postings.models import JobPosting, PostingStatus, PostingType
from crm.sites.models import Site


class PostingError(DomainError):
    """A domain error with the form field it belongs to."""


@dataclass
class PostingInput:
    title: str
    posting_type: PostingType
    places: int = 1
    description: str | None = None
    poster_text: str | None = None
    hours_per_week: Decimal | None = None
    district: str | None = None
    requirements: str | None = None
    start_date: date | None = None
    application_deadline: date | None = None
    status: PostingStatus = PostingStatus.DRAFT
    contact_user_id: int | None = None
    board_site_id: int | None = None
    displayed_until: date | None = None


def _check_not_archived(posting: JobPosting) -> None:
    if posting.archived_at is not None:
        raise PostingError(_l("This record is archived. An administrator can restore it."))


def _check(data: PostingInput) -> None:
    if not (data.title or "").strip():
        raise PostingError(_l("Please enter a title, e.g. Helper in the kitchen."), "title")
    if data.places < 1:
        raise PostingError(_l("Please enter at least 1 place."), "places")
    if data.board_site_id is not None and data.displayed_until is None:
        raise PostingError(
            _l("Please enter until when the poster hangs, so that it is taken down in time."), "displayed_until"
        )
    if data.displayed_until is not None and data.board_site_id is None:
        raise PostingError(_l("Please choose the notice board where the poster hangs."), "board_site_id")


def _apply(posting: JobPosting, data: PostingInput) -> None:
    for item in fields(PostingInput):
        value = getattr(data, item.name)
        if isinstance(value, str) and not isinstance(value, enum.Enum):
            value = value.strip() or None
        setattr(posting, item.name, value)


def create_posting(*, employer: Employer, data: PostingInput, actor: User | None) -> JobPosting:
    """Create a posting; a poster on a notice board gets a take-down reminder."""
    if employer.archived_at is not None:
        raise PostingError(_l("%(employer)s is archived: restore it first.", employer=employer.name), "employer")
    if data.status == PostingStatus.FILLED:
        raise PostingError(_l("A new posting cannot be filled yet. Save it as open first."), "status")
    _check(data)
    posting = JobPosting(employer=employer, created_by=actor)
    _apply(posting, data)
    db.session.add(posting)
    db.session.flush()
    sync_takedown_reminder(posting=posting, actor=actor)
    return posting


def update_posting(*, posting: JobPosting, data: PostingInput, actor: User | None) -> JobPosting:
    """Save the edited posting; filling goes through fill_posting (it asks which placement filled it)."""
    _check_not_archived(posting)
    if data.status == PostingStatus.FILLED and posting.status != PostingStatus.FILLED:
        raise PostingError(_l("Use “Mark as filled” to say which placement filled the posting."), "status")
    _check(data)
    was_site = posting.board_site_id
    _apply(posting, data)
    if posting.board_site_id != was_site:
        posting.taken_down_at = None  # hung up somewhere (else)
    if posting.status != PostingStatus.FILLED:
        posting.filled_at = None
    db.session.flush()
    sync_takedown_reminder(posting=posting, actor=actor)
    return posting


def fill_posting(*, posting: JobPosting, placement: Placement | None, actor: User | None) -> JobPosting:
    """Mark the posting filled and link the placement that filled it; the poster must come down."""
    _check_not_archived(posting)
    if posting.status == PostingStatus.FILLED:
        raise PostingError(_l("This posting is already filled."), "placement_id")
    if placement is not None:
        if placement.employer_id != posting.employer_id:
            raise PostingError(_l("This placement belongs to another employer."), "placement_id")
        if placement.posting_id not in (None, posting.id):
            raise PostingError(_l("This placement already filled another posting."), "placement_id")
        placement.posting = posting
    posting.status = PostingStatus.FILLED
    posting.filled_at = utcnow()
    db.session.flush()
    sync_takedown_reminder(posting=posting, actor=actor)
    return posting


def close_posting(*, posting: JobPosting, actor: User | None) -> JobPosting:
    """Close a posting that will not be filled; the poster must come down."""
    posting.status = PostingStatus.CLOSED
    db.session.flush()
    sync_takedown_reminder(posting=posting, actor=actor)
    return posting


def take_down_posting(*, posting: JobPosting, actor: User | None) -> JobPosting:
    """Record that the poster was taken off the notice board; its reminder is done."""
    if not posting.is_on_board:
        raise PostingError(_l("This poster does not hang on a notice board."), "board_site_id")
    posting.taken_down_at = utcnow()
    close_reminder(followup=posting.takedown_followup, actor=actor)
    db.session.flush()
    return posting


def archive_posting(*, posting: JobPosting, actor: User | None) -> JobPosting:
    """Archive a posting entered by mistake (admins can restore it); its reminder is cancelled."""
    posting.archived_at = utcnow()
    cancel_reminder(followup=posting.takedown_followup, actor=actor)
    db.session.flush()
    return posting


def restore_posting(*, posting: JobPosting, actor: User | None) -> JobPosting:
    """Bring an archived posting back, with its take-down reminder."""
    posting.archived_at = None
    db.session.flush()
    sync_takedown_reminder(posting=posting, actor=actor)
    return posting


def takedown_due(posting: JobPosting, *, today: date) -> date | None:
    """When the poster must come down: now if filled or closed, else the day it hangs until."""
    if not posting.is_on_board or posting.archived_at is not None:
        return None
    if posting.status.is_finished:
        return today
    return posting.displayed_until


def sync_takedown_reminder(*, posting: JobPosting, actor: User | None, today: date | None = None) -> None:
    """One open "take the poster down" follow-up while a poster hangs; moved to today once filled or closed."""
    today = today or local_today()
    due = takedown_due(posting, today=today)
    if due is None:
        close_reminder(followup=posting.takedown_followup, actor=actor)
        return
    # By id: relationships may still hold the previous site or contact after the ids changed in this session.
    board = db.session.get(Site, posting.board_site_id) if posting.board_site_id else None
    contact = db.session.get(User, posting.contact_user_id) if posting.contact_user_id else None
    site = board.name if board else ""
    posting.takedown_followup = ensure_reminder(
        existing=posting.takedown_followup,
        employer=posting.employer,
        title=str(_l("Take down the poster “%(title)s” (%(site)s)", title=posting.title, site=site))[:200],
        due_date=due,
        actor=actor,
        assignee=contact,
        today=today,
    )
    db.session.flush()


@dataclass
class PostingFilters:
    posting_type: PostingType | None = None
    status: PostingStatus | None = None
    district: str | None = None
    industry_id: int | None = None
    employer_id: int | None = None


def postings_query(filters: PostingFilters) -> Select:
    """Postings matching the filters, newest first, with what the list shows loaded."""
    query = (
        select(JobPosting)
        .join(JobPosting.employer)
        .where(JobPosting.archived_at.is_(None))
        .options(
            joinedload(JobPosting.employer).joinedload(Employer.industry),
            joinedload(JobPosting.board_site),
            joinedload(JobPosting.contact_user),
        )
        .order_by(JobPosting.created_at.desc(), JobPosting.id.desc())
    )
    if filters.posting_type:
        query = query.where(JobPosting.posting_type == filters.posting_type)
    if filters.status:
        query = query.where(JobPosting.status == filters.status)
    if filters.district:
        query = query.where(JobPosting.district == filters.district)
    if filters.industry_id:
        query = query.where(Employer.industry_id == filters.industry_id)
    if filters.employer_id:
        query = query.where(JobPosting.employer_id == filters.employer_id)
    return query


def posting_districts() -> list[str]:
    """Districts used by postings, for the filter."""
    return list(
        db.session.scalars(
            select(JobPosting.district).distinct().where(JobPosting.district.is_not(None)).order_by(JobPosting.district)
        )
    )


def postings_for_employer(employer_id: int, *, limit: int = 50) -> list[JobPosting]:
    return list(
        db.session.scalars(
            select(JobPosting)
            .where(JobPosting.employer_id == employer_id, JobPosting.archived_at.is_(None))
            .options(joinedload(JobPosting.board_site))
            .order_by(JobPosting.created_at.desc(), JobPosting.id.desc())
            .limit(limit)
        )
    )
