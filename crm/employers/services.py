"""Employer services: create, update with optimistic locking, archive, stage moves, duplicates, pipeline.

Services add and flush, never commit; the view owns the transaction. Domain errors carry the form
field they belong to, so the view can show the message at that field.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from rapidfuzz import fuzz, process
from sqlalchemy import func, or_, select, union_all
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from crm.auth.models import User
from crm.db import unicode_lower, utcnow
from crm.domain import DomainError
from crm.employers.models import Employer, EmployerSource, SizeClass, Stage, StageChange, StageKind, Tag
from crm.employers.normalize import normalize_name
from crm.extensions import db

# token_set_ratio on normalised names. 90, not 88: a shared trade word ("Bäckerei Müller" against
# "Bäckerei Meyer") alone scores 87.5, while typos, word order and legal forms score 94 and more.
DUPLICATE_THRESHOLD = 90
# The fuzzy match runs over rows the database pre-selected by word prefixes; this caps the worst case.
DUPLICATE_PREFILTER_LIMIT = 5000
DUPLICATE_STOP_WORDS = frozenset({"und", "der", "die", "das", "fuer", "von", "vom", "am", "im", "an", "zum", "zur"})
TAG_MAX_LENGTH = 60


class EmployerError(DomainError):
    """A domain rule stopped the change; `field` names the form field the message belongs to."""


class StaleEmployerError(EmployerError):
    """Someone else saved the employer since the form was loaded; the caller must roll back."""

    conflict = True

    def __init__(self, employer_id: int) -> None:
        super().__init__(_("Someone else has changed this employer in the meantime."), None)
        self.employer_id = employer_id


@dataclass
class EmployerInput:
    """The editable facts of an employer, as a form delivers them (already validated)."""

    name: str
    legal_form: str | None = None
    industry_id: int | None = None
    size_class: SizeClass | None = None
    street: str | None = None
    postcode: str | None = None
    city: str | None = None
    district: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    accessibility_notes: str | None = None
    transport_notes: str | None = None
    notes: str | None = None
    source: EmployerSource | None = None
    owner_id: int | None = None
    site_id: int | None = None
    tags: list[str] = field(default_factory=list)

    # The plain columns copied one to one onto the employer.
    COLUMNS = (
        "name",
        "legal_form",
        "industry_id",
        "size_class",
        "street",
        "postcode",
        "city",
        "district",
        "phone",
        "email",
        "website",
        "accessibility_notes",
        "transport_notes",
        "notes",
        "source",
        "owner_id",
        "site_id",
    )


# --- stages -------------------------------------------------------------------------------------


def active_stages() -> list[Stage]:
    """Return the active stages: the pipeline path in order, then the side stages."""
    query = (
        select(Stage)
        .where(Stage.active.is_(True))
        .order_by((Stage.kind == StageKind.SIDE).asc(), Stage.position, Stage.id)
    )
    return list(db.session.scalars(query))


def stage_by_key(key: str) -> Stage:
    """Return the stage with a stable key (e.g. "lead"); the seeds guarantee the default keys."""
    stage = db.session.scalar(select(Stage).where(Stage.key == key))
    if stage is None:
        raise LookupError(f"stage {key!r} is missing; run `crm init`")
    return stage


def move_employer_to_stage(
    *, employer: Employer, stage: Stage, reason: str | None = None, actor: User | None = None
) -> StageChange | None:
    """Move the employer to `stage` and record who, when, from, to and why; None when it is already there."""
    reason = (reason or "").strip() or None
    if employer.is_archived:
        raise EmployerError(_("Archived employers cannot change their stage. Restore the employer first."), "stage_id")
    if stage.id == employer.stage_id:
        return None
    if not stage.active:
        raise EmployerError(_("This stage is no longer in use. Please choose another one."), "stage_id")
    if stage.requires_reason and not reason:
        raise EmployerError(
            _("Please give a reason for the stage “%(stage)s”, e.g. what the employer said.", stage=stage.name),
            "reason",
        )
    now = utcnow()
    change = StageChange(
        employer=employer,
        from_stage_id=employer.stage_id,
        to_stage=stage,
        changed_by=actor,
        changed_at=now,
        reason=reason,
    )
    db.session.add(change)
    employer.stage = stage
    employer.stage_changed_at = now
    _flush_or_stale(employer)
    return change


def time_in_stage(employer: Employer, *, now: datetime | None = None) -> timedelta:
    """How long the employer has been in its current stage."""
    return max((now or utcnow()) - employer.stage_changed_at, timedelta(0))


# --- create, update, archive --------------------------------------------------------------------


def create_employer(*, data: EmployerInput, stage: Stage | None = None, actor: User | None = None) -> Employer:
    """Create an employer in `stage` (default: the first research stage) and record its first stage."""
    stage = stage or stage_by_key("lead")
    now = utcnow()
    employer = Employer(stage=stage, stage_changed_at=now)
    _apply(employer, data)
    db.session.add(employer)
    db.session.add(StageChange(employer=employer, from_stage_id=None, to_stage=stage, changed_by=actor, changed_at=now))
    db.session.flush()
    return employer


def update_employer(*, employer: Employer, data: EmployerInput, expected_version: int) -> Employer:
    """Save the form's values unless someone else saved since the form was loaded (`expected_version`)."""
    if employer.is_archived:
        raise EmployerError(_("Archived employers cannot be edited. Restore the employer first."))
    if employer.version != expected_version:
        raise StaleEmployerError(employer.id)
    _apply(employer, data)
    _flush_or_stale(employer)
    return employer


def archive_employer(*, employer: Employer) -> Employer:
    """Archive the employer: hidden from lists and the pipeline, kept with its whole history."""
    if not employer.is_archived:
        employer.archived_at = utcnow()
        _flush_or_stale(employer)
    return employer


def restore_employer(*, employer: Employer) -> Employer:
    """Bring an archived employer back (the view allows this to admins only)."""
    if employer.is_archived:
        employer.archived_at = None
        _flush_or_stale(employer)
    return employer


def _apply(employer: Employer, data: EmployerInput) -> None:
    # Tags first: their query autoflushes, and the employer's own changes must reach the database
    # in _flush_or_stale, where a version conflict is recognised.
    tags = tags_for_names(data.tags)
    for name in EmployerInput.COLUMNS:
        setattr(employer, name, getattr(data, name))
    employer.normalized_name = normalize_name(data.name)
    employer.tags = tags


def _flush_or_stale(employer: Employer) -> None:
    """Flush; a concurrent commit between our read and this write surfaces as StaleEmployerError."""
    employer_id = employer.id  # read before the flush: a failed flush expires the object
    try:
        db.session.flush()
    except StaleDataError as error:
        raise StaleEmployerError(employer_id) from error


# --- tags ---------------------------------------------------------------------------------------


def parse_tag_names(text: str | None) -> list[str]:
    """Split "Gastro, Barrierefrei; Altona" into clean, distinct tag names (first spelling wins)."""
    names: list[str] = []
    seen: set[str] = set()
    for part in (text or "").replace(";", ",").split(","):
        name = " ".join(part.split())[:TAG_MAX_LENGTH]
        if name and name.lower() not in seen:
            seen.add(name.lower())
            names.append(name)
    return names


def tags_for_names(names: list[str]) -> list[Tag]:
    """Return the Tag rows for `names`, reusing existing tags case-insensitively and creating the rest."""
    if not names:
        return []
    wanted = {name.lower(): name for name in names}
    existing = db.session.scalars(select(Tag).where(unicode_lower(Tag.name).in_(list(wanted)))).all()
    by_key = {tag.name.lower(): tag for tag in existing}
    tags = []
    for key, name in wanted.items():
        tag = by_key.get(key)
        if tag is None:
            tag = Tag(name=name)
            db.session.add(tag)
            by_key[key] = tag
        tags.append(tag)
    return tags


# --- duplicates ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DuplicateCandidate:
    employer: Employer
    score: float
    same_place: bool  # same normalised name in the same postcode or city


def find_duplicate_candidates(
    *,
    name: str,
    postcode: str | None = None,
    city: str | None = None,
    exclude_id: int | None = None,
    limit: int = 10,
) -> list[DuplicateCandidate]:
    """Employers that may be the one being entered: same normalised name nearby, or a very similar name.

    The database pre-selects rows sharing a word prefix (or the exact normalised name), so the fuzzy
    comparison runs over a few hundred names, not the whole table.
    """
    normalized = normalize_name(name)
    if not normalized:
        return []
    words = [w for w in dict.fromkeys(normalized.split()) if w not in DUPLICATE_STOP_WORDS] or normalized.split()
    conditions = [Employer.normalized_name == normalized]
    for word in words:
        prefix = word[:3]
        conditions += [Employer.normalized_name.like(f"{prefix}%"), Employer.normalized_name.like(f"% {prefix}%")]
    query = select(Employer.id, Employer.normalized_name, Employer.postcode, Employer.city).where(or_(*conditions))
    if exclude_id is not None:
        query = query.where(Employer.id != exclude_id)
    rows = db.session.execute(query.limit(DUPLICATE_PREFILTER_LIMIT)).all()
    if not rows:
        return []

    city_key = (city or "").strip().casefold()
    scores = process.extract(
        normalized,
        [row.normalized_name for row in rows],
        scorer=fuzz.token_set_ratio,
        score_cutoff=DUPLICATE_THRESHOLD,
        limit=None,
    )
    hits: dict[int, tuple[float, bool]] = {}
    for _name, score, index in scores:
        row = rows[index]
        same_place = row.normalized_name == normalized and (
            (postcode and row.postcode == postcode) or (city_key and (row.city or "").casefold() == city_key)
        )
        hits[row.id] = (score, bool(same_place))
    ranked = sorted(hits.items(), key=lambda item: (not item[1][1], -item[1][0]))[:limit]
    employers = {
        e.id: e
        for e in db.session.scalars(
            select(Employer).where(Employer.id.in_([i for i, _ in ranked])).options(joinedload(Employer.owner))
        ).unique()
    }
    return [DuplicateCandidate(employers[i], score, same) for i, (score, same) in ranked]


# --- pipeline -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PipelineColumn:
    stage: Stage
    employers: list[Employer]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.employers)


def pipeline_board(
    *, owner_id: int | None = None, site_id: int | None = None, per_column: int = 20
) -> list[PipelineColumn]:
    """The board: one column per active stage with its first `per_column` cards and the full count.

    Three queries whatever the number of employers: stages, counts per stage, and the first cards of
    every column at once.
    """
    stages = active_stages()
    filters = [Employer.archived_at.is_(None)]
    if owner_id is not None:
        filters.append(Employer.owner_id == owner_id)
    if site_id is not None:
        filters.append(Employer.site_id == site_id)

    counts = dict(
        db.session.execute(select(Employer.stage_id, func.count()).where(*filters).group_by(Employer.stage_id)).all()
    )
    if not stages:
        return []
    # One statement: the first cards of each column, each an index range scan with a LIMIT, glued
    # together with UNION ALL. Longest in the stage first: those are the ones the team should look at.
    firsts = [
        select(
            select(Employer.id)
            .where(Employer.stage_id == stage.id, *filters)
            .order_by(Employer.stage_changed_at, Employer.id)
            .limit(per_column)
            .subquery()
        )
        for stage in stages
    ]
    card_ids = union_all(*firsts).subquery()
    cards = db.session.scalars(
        select(Employer)
        .where(Employer.id.in_(select(card_ids.c.id)))
        .options(joinedload(Employer.owner))
        .order_by(Employer.stage_changed_at, Employer.id)
    ).unique()
    by_stage: dict[int, list[Employer]] = {stage.id: [] for stage in stages}
    for employer in cards:
        by_stage.setdefault(employer.stage_id, []).append(employer)
    return [PipelineColumn(stage, by_stage[stage.id], counts.get(stage.id, 0)) for stage in stages]
