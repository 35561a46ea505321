"""Undo a committed import (admins): possible while no imported row was changed or referenced since."""

from collections import defaultdict
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, func, insert, select

from crm.activities.models import Activity
from crm.audit.models import AuditEntry
from crm.audit.services import current_actor_id
from crm.auth.models import User
from crm.contacts.models import Contact
from crm.db import utcnow
from crm.employers.models import Employer, StageChange, Tag, employer_tags
from crm.employers.normalize import normalize_name
from crm.extensions import db
from crm.imports.models import ImportedRecord, ImportRun, ImportStatus
from crm.imports.services import ImportFailed
from crm.referencing import referencing_columns

MODELS = {"employers": Employer, "contacts": Contact, "activities": Activity}


def undo_blockers(run: ImportRun) -> list[str]:
    """Why the import cannot be undone (empty list: it can)."""
    if run.status != ImportStatus.COMMITTED:
        return [_("Only a completed import can be undone.")]
    records = _records(run)
    reasons = []
    edited = 0
    for entity_type, model in MODELS.items():
        versions = {r.entity_id: r.version_after for r in records if r.entity_type == entity_type and r.version_after}
        if not versions or not hasattr(model, "version"):
            continue
        for chunk in _chunks(list(versions)):
            rows = db.session.execute(select(model.id, model.version).where(model.id.in_(chunk)))
            edited += sum(1 for id_, version in rows if version != versions[id_])
        missing = len(versions) - sum(
            db.session.scalar(select(func.count()).where(model.id.in_(chunk))) or 0 for chunk in _chunks(list(versions))
        )
        edited += missing
    if edited:
        reasons.append(
            ngettext(
                "%(num)d imported record has been edited since the import.",
                "%(num)d imported records have been edited since the import.",
                edited,
            )
        )
    created = _created_ids(records)
    foreign = _foreign_references(created)
    if foreign:
        reasons.append(
            _("Other records were added to imported employers since the import (%(what)s).", what=", ".join(foreign))
        )
    return reasons


def undo_import(*, run: ImportRun, actor: User | None) -> None:
    """Remove what the import created and put back what it changed; refuses while blockers exist."""
    blockers = undo_blockers(run)
    if blockers:
        raise ImportFailed(" ".join(blockers))
    records = _records(run)
    for record in records:
        if record.action == "updated":
            employer = db.session.get(Employer, record.entity_id)
            for key, value in (record.before or {}).items():
                if key == "tag_ids":
                    employer.tags = list(db.session.scalars(select(Tag).where(Tag.id.in_(value))))
                    continue
                if key == "last_contact_at":
                    value = datetime.fromisoformat(value) if value else None
                setattr(employer, key, value)
            employer.normalized_name = normalize_name(employer.name)
    db.session.flush()
    created = _created_ids(records)
    actor_id = actor.id if actor else current_actor_id()
    now = utcnow()
    employer_ids = created.get("employers", [])
    for chunk in _chunks(employer_ids):
        db.session.execute(delete(StageChange).where(StageChange.employer_id.in_(chunk)))
        db.session.execute(delete(employer_tags).where(employer_tags.c.employer_id.in_(chunk)))
    for entity_type in ("activities", "contacts", "employers"):
        ids = created.get(entity_type, [])
        model = MODELS[entity_type]
        for chunk in _chunks(ids):
            db.session.execute(delete(model).where(model.id.in_(chunk)))
        # Core deletes bypass the ORM audit listener, so the trail gets its entries here.
        if ids:
            db.session.execute(
                insert(AuditEntry),
                [
                    {
                        "at": now,
                        "user_id": actor_id,
                        "entity_type": entity_type,
                        "entity_id": i,
                        "action": "delete",
                        "changes": {"import_id": [None, run.id]},
                    }
                    for i in ids
                ],
            )
    run.status = ImportStatus.UNDONE
    run.undone_at = now
    run.undone_by_id = actor_id
    db.session.flush()
    db.session.expire_all()


def _records(run: ImportRun) -> list[ImportedRecord]:
    return list(db.session.scalars(select(ImportedRecord).where(ImportedRecord.import_id == run.id)))


def _created_ids(records: list[ImportedRecord]) -> dict[str, list[int]]:
    created: dict[str, list[int]] = defaultdict(list)
    for record in records:
        if record.action == "created":
            created[record.entity_type].append(record.entity_id)
    return created


def _foreign_references(created: dict[str, list[int]]) -> list[str]:
    """Tables with rows pointing at created employers or contacts that the import did not create."""
    found = []
    own = {name: set(ids) for name, ids in created.items()}
    skip = {"stage_changes", "employer_tags", "employer_search"}
    for target in ("employers", "contacts"):
        ids = created.get(target, [])
        if not ids:
            continue
        for column in referencing_columns(target):
            table = column.table
            if table.name in skip:
                continue
            id_column = table.c.get("id")
            for chunk in _chunks(ids):
                query = select(func.count()).select_from(table).where(column.in_(chunk))
                if id_column is not None and table.name in own:
                    query = query.where(id_column.not_in(own[table.name]))
                if db.session.scalar(query):
                    found.append(table.name)
                    break
    return sorted(set(found))


def _chunks(ids: list[int], size: int = 900) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]
