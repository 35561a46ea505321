"""Commit an import all-or-nothing: the rows are previewed again against the database as it is now, then written
in batches (flushed, never committed: the caller owns the one transaction) and recorded for the undo."""

import enum
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, insert, select

from crm.activities.models import Activity, ActivityKind
from crm.audit.models import AuditEntry
from crm.audit.services import current_actor_id
from crm.auth.models import User
from crm.contacts.models import Contact
from crm.db import utcnow
from crm.employers.models import Employer, StageChange, employer_tags
from crm.employers.normalize import normalize_name
from crm.employers.services import (
    parse_tag_names,
    stage_by_key,
    tags_for_names,
)
from crm.extensions import db
from crm.imports.fields import EMPLOYER_KEYS
from crm.imports.models import ImportedRecord, ImportRun, ImportStatus
from crm.imports.services import (
    CommitResult,
    Decision,
    ImportFailed,
    RowStatus,
    build_preview,
    industries_by_name,
    load_table,
    remove_upload,
)

FLUSH_EVERY = 500  # rows per multi-row INSERT


def commit_import(*, run: ImportRun, decisions: dict[int, str], actor: User | None) -> CommitResult:
    """Write the import's rows; duplicates follow `decisions` by line (default: skip). Flushes, never commits.

    The preview is computed again against the database as it is now, so an employer created by a
    colleague since the preview is still recognised as a duplicate.
    """
    if run.status != ImportStatus.PREVIEWED:
        raise ImportFailed(_("This import cannot be committed (it is not in the preview step)."))
    preview = build_preview(table=load_table(run), mapping=run.mapping)
    writer = _Writer(run, actor)
    result = CommitResult()
    for row in preview.rows:
        if row.status == RowStatus.ERROR:
            result.errors += 1
            continue
        decision = Decision.CREATE if row.status == RowStatus.NEW else decisions.get(row.line, Decision.SKIP)
        if decision == Decision.UPDATE and row.match and row.match.employer_id:
            writer.update(row.match.employer_id, row.values)
            result.updated += 1
        elif decision == Decision.CREATE:
            writer.create(row.values)
            result.created += 1
        else:
            result.skipped += 1
    writer.finish()
    run.status = ImportStatus.COMMITTED
    run.committed_at = utcnow()
    run.created_count, run.updated_count = result.created, result.updated
    run.skipped_count, run.error_count = result.skipped, result.errors
    remove_upload(run)
    db.session.flush()
    return result


class _Writer:
    """Writes the rows in batches and remembers what it wrote, for the undo.

    New employers (the bulk of a large import) go in as multi-row INSERTs with their contacts,
    first stage, notes and audit entries: the ORM's unit of work costs milliseconds per object, which
    10,000 rows cannot afford. Updates of existing employers use the ORM (the audit listener records them).
    """

    def __init__(self, run: ImportRun, actor: User | None) -> None:
        self.run = run
        self.actor_id = actor.id if actor else current_actor_id()
        self.stage = stage_by_key("lead")
        self.industries = industries_by_name()
        self.now = utcnow()
        self.subject = _("Last contact according to the imported list “%(file)s”", file=run.filename)[:200]
        self.data_source = _("Import “%(file)s”", file=run.filename)[:200]
        self.batch: list[dict[str, Any]] = []
        self.updated: list[Employer] = []
        self.tags: dict[str, int] = {}

    # -- new employers, in batches --

    def create(self, values: dict[str, Any]) -> None:
        self.batch.append(values)
        if len(self.batch) >= FLUSH_EVERY:
            self._write_batch()

    def _write_batch(self) -> None:
        rows, self.batch = self.batch, []
        if not rows:
            return
        employers = [self._employer_row(values) for values in rows]
        employer_ids = self._insert(Employer, employers)
        self._audit("employers", employer_ids, employers)
        self._records("employers", employer_ids, version=1)
        db.session.execute(
            insert(StageChange),
            [
                {"employer_id": i, "to_stage_id": self.stage.id, "changed_by_id": self.actor_id, "changed_at": self.now}
                for i in employer_ids
            ],
        )
        self._tag_rows(employer_ids, rows)
        contacts = [
            (employer_id, self._contact_row(employer_id, values, primary=True))
            for employer_id, values in zip(employer_ids, rows, strict=True)
            if values.get("contact_last_name")
        ]
        contact_ids = self._insert(Contact, [row for _, row in contacts])
        self._audit("contacts", contact_ids, [row for _, row in contacts])
        self._records("contacts", contact_ids, version=1)
        contact_of = {employer_id: cid for (employer_id, _), cid in zip(contacts, contact_ids, strict=True)}
        activities = [
            self._activity_row(employer_id, contact_of.get(employer_id), values)
            for employer_id, values in zip(employer_ids, rows, strict=True)
            if values.get("last_contact")
        ]
        activity_ids = self._insert(Activity, activities)
        self._audit("activities", activity_ids, activities)
        self._records("activities", activity_ids, version=None)

    def _insert(self, model: type, rows: list[dict[str, Any]]) -> list[int]:
        if not rows:
            return []
        statement = insert(model).returning(model.id, sort_by_parameter_order=True)
        return list(db.session.scalars(statement, rows))

    def _employer_row(self, values: dict[str, Any]) -> dict[str, Any]:
        row = {key: values.get(key) for key in EMPLOYER_KEYS}
        row.update(
            normalized_name=normalize_name(values["name"]),
            industry_id=self.industries[values["industry"].casefold()] if values.get("industry") else None,
            stage_id=self.stage.id,
            stage_changed_at=self.now,
            last_contact_at=values.get("last_contact"),
            created_at=self.now,
            updated_at=self.now,
            version=1,
        )
        return row

    def _contact_row(self, employer_id: int, values: dict[str, Any], *, primary: bool) -> dict[str, Any]:
        return {
            "employer_id": employer_id,
            "salutation": values.get("contact_salutation"),
            "first_name": values.get("contact_first_name"),
            "last_name": values["contact_last_name"],
            "function": values.get("contact_function"),
            "phone": values.get("contact_phone"),
            "mobile": values.get("contact_mobile"),
            "email": values.get("contact_email"),
            "is_primary": primary,
            "has_left": False,
            "do_not_contact": False,
            "data_source": self.data_source,
            "created_at": self.now,
            "updated_at": self.now,
            "version": 1,
        }

    def _activity_row(self, employer_id: int, contact_id: int | None, values: dict[str, Any]) -> dict[str, Any]:
        return {
            "employer_id": employer_id,
            "contact_id": contact_id,
            "user_id": self.actor_id,
            "kind": ActivityKind.NOTE,
            "occurred_at": values["last_contact"],
            "subject": self.subject,
            "created_at": self.now,
            "updated_at": self.now,
        }

    def _tag_rows(self, employer_ids: list[int], rows: list[dict[str, Any]]) -> None:
        links = []
        for employer_id, values in zip(employer_ids, rows, strict=True):
            names = parse_tag_names(values.get("tags"))
            missing = [n for n in names if n.casefold() not in self.tags]
            if missing:
                tags = tags_for_names(missing)
                db.session.flush()
                self.tags.update({tag.name.casefold(): tag.id for tag in tags})
            links += [{"employer_id": employer_id, "tag_id": self.tags[n.casefold()]} for n in names]
        if links:
            db.session.execute(insert(employer_tags), links)

    def _audit(self, entity_type: str, ids: list[int], rows: list[dict[str, Any]]) -> None:
        """Write the "create" entries the ORM listener would write (bulk INSERTs bypass it)."""
        if not ids:
            return
        db.session.execute(
            insert(AuditEntry),
            [
                {
                    "at": self.now,
                    "user_id": self.actor_id,
                    "entity_type": entity_type,
                    "entity_id": entity_id,
                    "action": "create",
                    "changes": {
                        key: [None, _json(value)]
                        for key, value in row.items()
                        if value is not None and key != "version"
                    },
                }
                for entity_id, row in zip(ids, rows, strict=True)
            ],
        )

    def _records(self, entity_type: str, ids: list[int], *, version: int | None, action: str = "created") -> None:
        if ids:
            db.session.execute(
                insert(ImportedRecord),
                [
                    {
                        "import_id": self.run.id,
                        "entity_type": entity_type,
                        "entity_id": i,
                        "action": action,
                        "version_after": version,
                        "before": None,
                    }
                    for i in ids
                ],
            )

    # -- existing employers, through the ORM --

    def update(self, employer_id: int, values: dict[str, Any]) -> None:
        employer = db.session.get(Employer, employer_id)
        filled = {k: v for k, v in values.items() if v not in (None, "")}
        before = {key: getattr(employer, key) for key in EMPLOYER_KEYS if key in filled}
        before.update(industry_id=employer.industry_id, last_contact_at=_iso(employer.last_contact_at))
        if filled.get("tags"):
            before["tag_ids"] = sorted(tag.id for tag in employer.tags)
        for key in EMPLOYER_KEYS:
            if key in filled:
                setattr(employer, key, filled[key])
        employer.normalized_name = normalize_name(employer.name)
        if filled.get("industry"):
            employer.industry_id = self.industries[filled["industry"].casefold()]
        if filled.get("tags"):
            employer.tags = list({*employer.tags, *tags_for_names(parse_tag_names(filled["tags"]))})
        if filled.get("last_contact") and (
            employer.last_contact_at is None or employer.last_contact_at < filled["last_contact"]
        ):
            employer.last_contact_at = filled["last_contact"]
        db.session.flush()
        db.session.execute(
            insert(ImportedRecord),
            [
                {
                    "import_id": self.run.id,
                    "entity_type": "employers",
                    "entity_id": employer.id,
                    "action": "updated",
                    "version_after": employer.version,
                    "before": before,
                }
            ],
        )
        contact_id = None
        if filled.get("contact_last_name"):
            has_primary = db.session.scalar(
                select(func.count()).where(Contact.employer_id == employer.id, Contact.is_primary.is_(True))
            )
            row = self._contact_row(employer.id, values, primary=not has_primary)
            contact_id = self._insert(Contact, [row])[0]
            self._audit("contacts", [contact_id], [row])
            self._records("contacts", [contact_id], version=1)
        if filled.get("last_contact"):
            row = self._activity_row(employer.id, contact_id, values)
            activity_id = self._insert(Activity, [row])
            self._audit("activities", activity_id, [row])
            self._records("activities", activity_id, version=None)

    def finish(self) -> None:
        self._write_batch()
        db.session.flush()


def _json(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None
