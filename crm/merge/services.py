"""Merge two employers: the survivor keeps the chosen values and receives everything of the other.

What "everything" is comes from the metadata: every foreign key to employers.id is followed, so
follow-ups, referrals, objections, DuoDay, postings, placements and models added later move along
without this module knowing them. The other employer is archived (never deleted) with a note, and
both get a "merge" audit entry, which the timeline shows.
"""

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Column, and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from crm.audit.models import AuditEntry
from crm.audit.services import current_actor_id
from crm.auth.models import User
from crm.contacts.models import Contact
from crm.db import utcnow
from crm.domain import DomainError
from crm.employers.models import Employer, employer_tags
from crm.employers.normalize import normalize_name
from crm.employers.services import EmployerInput, archive_employer, move_employer_to_stage
from crm.extensions import db
from crm.followups.services import cancel_open_followups
from crm.referencing import referencing_columns

# Values an admin chooses between, field by field (the stage is chosen too, and recorded as a move).
MERGE_FIELDS = tuple(name for name in EmployerInput.COLUMNS) + ("stage_id",)
# Derived from other tables by triggers, or handled here explicitly.
SKIP_TABLES = frozenset({"employer_search", "employer_tags"})


class MergeError(DomainError):
    """Two employers that cannot be merged as chosen."""


@dataclass
class MergeResult:
    moved: dict[str, int] = field(default_factory=dict)
    # Rows that could not move (a unique rule: e.g. both took part in the same DuoDay); they stay
    # with the archived employer, nothing is lost.
    kept: dict[str, int] = field(default_factory=dict)


def differing_fields(survivor: Employer, other: Employer) -> list[str]:
    """The fields where the two records hold different values (the ones to choose between)."""
    return [name for name in MERGE_FIELDS if getattr(survivor, name) != getattr(other, name)]


def merge_employers(
    *, survivor: Employer, other: Employer, take_from_other: set[str], actor: User | None = None
) -> MergeResult:
    """Merge `other` into `survivor`; `take_from_other` names the fields whose value comes from `other`."""
    if survivor.id == other.id:
        raise MergeError(_("Please choose two different employers."))
    if survivor.is_archived or other.is_archived:
        raise MergeError(_("Archived employers cannot be merged. Restore them first."))
    unknown = take_from_other - set(MERGE_FIELDS)
    if unknown:
        raise MergeError(_("Unknown field: %(name)s", name=", ".join(sorted(unknown))))
    before = {name: getattr(survivor, name) for name in take_from_other}
    for name in take_from_other:
        if name != "stage_id":
            setattr(survivor, name, getattr(other, name))
    survivor.normalized_name = normalize_name(survivor.name)
    if other.last_contact_at and (survivor.last_contact_at is None or other.last_contact_at > survivor.last_contact_at):
        survivor.last_contact_at = other.last_contact_at
    db.session.flush()
    if "stage_id" in take_from_other and other.stage_id != survivor.stage_id:
        move_employer_to_stage(
            employer=survivor, stage=other.stage, reason=_("Merged with “%(name)s”", name=other.name), actor=actor
        )
    _merge_tags(survivor.id, other.id)
    # Only one primary contact per employer (a unique index): the survivor's stays primary.
    if db.session.scalar(select(func.count()).where(Contact.employer_id == survivor.id, Contact.is_primary)):
        db.session.execute(
            update(Contact).where(Contact.employer_id == other.id, Contact.is_primary).values(is_primary=False)
        )
    result = MergeResult()
    for column in referencing_columns("employers"):
        if column.table.name in SKIP_TABLES:
            continue
        moved, kept = _move(column, other.id, survivor.id)
        if moved:
            result.moved[column.table.name] = result.moved.get(column.table.name, 0) + moved
        if kept:
            result.kept[column.table.name] = result.kept.get(column.table.name, 0) + kept
    if survivor.stage.blocks_contact:
        # The moves above are bulk UPDATEs, which the follow-ups' stage listener does not see.
        reason = _("Moved by a merge to an employer in the stage “%(stage)s”.", stage=survivor.stage.name)
        cancel_open_followups(employer_id=survivor.id, reason=reason, by=actor)
    note = _("Merged into “%(name)s” (no. %(id)d).", name=survivor.name, id=survivor.id)
    other.notes = f"{other.notes}\n\n{note}" if other.notes else note
    archive_employer(employer=other)
    _audit(survivor, other, before, result, actor)
    db.session.expire_all()
    return result


def _merge_tags(survivor_id: int, other_id: int) -> None:
    mine = select(employer_tags.c.tag_id).where(employer_tags.c.employer_id == survivor_id)
    missing = select(employer_tags.c.tag_id).where(
        employer_tags.c.employer_id == other_id, employer_tags.c.tag_id.not_in(mine)
    )
    tag_ids = list(db.session.scalars(missing))
    if tag_ids:
        db.session.execute(insert(employer_tags), [{"employer_id": survivor_id, "tag_id": t} for t in tag_ids])


def _move(column: Column, from_id: int, to_id: int) -> tuple[int, int]:
    """Re-point rows from one employer to the other; rows a unique rule keeps back are counted, not lost."""
    table = column.table
    try:
        with db.session.begin_nested():
            moved = db.session.execute(update(table).where(column == from_id).values({column.name: to_id})).rowcount
        return moved or 0, 0
    except IntegrityError:
        pass
    # One at a time: move what can move.
    keys = list(table.primary_key.columns)
    rows = db.session.execute(select(*keys).where(column == from_id)).all()
    moved = kept = 0
    for row in rows:
        condition = and_(*(key == value for key, value in zip(keys, row, strict=True)))
        try:
            with db.session.begin_nested():
                db.session.execute(update(table).where(condition).values({column.name: to_id}))
            moved += 1
        except IntegrityError:
            kept += 1
    return moved, kept


def _audit(survivor: Employer, other: Employer, before: dict[str, Any], result: MergeResult, actor: User | None):
    actor_id = actor.id if actor else current_actor_id()
    now = utcnow()
    common = {"at": now, "user_id": actor_id, "entity_type": "employers", "action": "merge"}
    db.session.execute(
        insert(AuditEntry),
        [
            {
                **common,
                "entity_id": survivor.id,
                "changes": {
                    "merged_from": [other.id, other.name],
                    "taken_over": sorted(before),
                    "moved": result.moved,
                    "kept": result.kept,
                },
            },
            {**common, "entity_id": other.id, "changes": {"merged_into": [survivor.id, survivor.name]}},
        ],
    )


def merge_entries(employer_id: int, limit: int) -> list[AuditEntry]:
    """The merge audit entries of one employer, newest first (for the timeline)."""
    query = (
        select(AuditEntry)
        .where(AuditEntry.entity_type == "employers", AuditEntry.entity_id == employer_id, AuditEntry.action == "merge")
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))
