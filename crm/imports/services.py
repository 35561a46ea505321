"""Import services: store the upload, preview every row, commit all-or-nothing, undo.

Services add and flush, never commit; the view (or CLI command) owns the one transaction, so a
failure anywhere in a commit leaves the database as it was.
"""

import enum
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from rapidfuzz import fuzz, process
from sqlalchemy import delete, func, insert, select

from crm.activities.models import Activity, ActivityKind
from crm.audit.models import AuditEntry
from crm.audit.services import current_actor_id
from crm.auth.models import User
from crm.contacts.models import Contact
from crm.db import utcnow
from crm.domain import DomainError
from crm.employers.models import Employer, Industry, StageChange, Tag, employer_tags
from crm.employers.normalize import normalize_name
from crm.employers.services import (
    DUPLICATE_STOP_WORDS,
    DUPLICATE_THRESHOLD,
    parse_tag_names,
    stage_by_key,
    tags_for_names,
)
from crm.extensions import db
from crm.imports.fields import CONTACT_KEYS, EMPLOYER_KEYS, FIELDS, FIELDS_BY_KEY, check_cell
from crm.imports.models import ImportedRecord, ImportRun, ImportStatus
from crm.imports.reader import ReadError, Table, iter_records, read_table
from crm.referencing import referencing_columns

ALLOWED_SUFFIXES = (".csv", ".txt", ".xlsx")
# An upload not committed within this time is discarded (file deleted) at the next upload.
STALE_AFTER = timedelta(days=1)
# Setting IMPORT_MAX_BYTES overrides this; 10,000 rows of a typical list are about 2 MB.
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# An XLSX may unpack to at most this many times the upload limit (its XML is verbose; real files stay far below).
UNPACK_FACTOR = 10
FLUSH_EVERY = 500
# A word prefix shared by more than 1/COMMON_PREFIX_SHARE of all employers (at least COMMON_PREFIX_MIN)
# is too common to pre-select fuzzy candidates by, if the row has a rarer word.
COMMON_PREFIX_SHARE = 50
COMMON_PREFIX_MIN = 200


class ImportFailed(DomainError):
    """The import cannot go on; the message is for the user. `field` names a form field, if any."""


class Decision:
    SKIP = "skip"
    UPDATE = "update"
    CREATE = "create"


class RowStatus:
    NEW = "new"
    DUPLICATE = "duplicate"
    ERROR = "error"


@dataclass
class Match:
    employer_id: int | None  # None: an earlier row of the same file
    name: str
    postcode: str | None
    city: str | None
    score: int
    exact: bool
    line: int | None = None


@dataclass
class RowResult:
    line: int
    status: str
    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    match: Match | None = None

    @property
    def name(self) -> str:
        return self.values.get("name") or ""


@dataclass
class Preview:
    rows: list[RowResult]

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)


@dataclass
class CommitResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: int = 0


# --- upload -------------------------------------------------------------------------------------


def upload_dir() -> Path:
    """The folder for uploads: inside the instance folder, never served by the web server."""
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def discard_stale_imports(*, max_age: timedelta = STALE_AFTER) -> int:
    """Discard imports left in the mapping or preview step for longer than `max_age`, with their files."""
    stale = db.session.scalars(
        select(ImportRun).where(
            ImportRun.status.in_([ImportStatus.UPLOADED, ImportStatus.PREVIEWED]),
            ImportRun.created_at < utcnow() - max_age,
        )
    ).all()
    for run in stale:
        discard_import(run=run)
    return len(stale)


def store_upload(*, filename: str, data: bytes, actor: User | None) -> ImportRun:
    """Store the file under a random name, read its headings and start an import run."""
    # Uploads nobody finished are removed here, so no scheduler job is needed for them.
    discard_stale_imports()
    limit = max_upload_bytes()
    if len(data) > limit:
        raise ImportFailed(
            _(
                "The file is too large (%(size)s MB). At most %(max)s MB are allowed.",
                size=megabytes(len(data)),
                max=megabytes(limit),
            ),
            "file",
        )
    if not data:
        raise ImportFailed(_("The file is empty."), "file")
    suffix = Path(filename or "").suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ImportFailed(_("Please choose a CSV or Excel file (.csv or .xlsx)."), "file")
    stored_name = secrets.token_hex(16) + suffix
    path = upload_dir() / stored_name
    path.write_bytes(data)
    try:
        table = read_table(path, max_unpacked_bytes=UNPACK_FACTOR * limit)
    except ReadError as error:
        path.unlink(missing_ok=True)
        raise ImportFailed(str(error), "file") from error
    run = ImportRun(
        user_id=actor.id if actor else None,
        filename=Path(filename).name[:255],
        stored_name=stored_name,
        headers=table.headers,
        row_count=len(table.rows),
    )
    db.session.add(run)
    db.session.flush()
    return run


def max_upload_bytes() -> int:
    return int(current_app.config.get("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def megabytes(size: int) -> str:
    """Bytes as German megabytes with one decimal ("10,0")."""
    return f"{size / 1024 / 1024:.1f}".replace(".", ",")


def load_table(run: ImportRun) -> Table:
    if not run.stored_name:
        raise ImportFailed(_("The uploaded file is no longer available. Please upload it again."))
    path = upload_dir() / run.stored_name
    if not path.is_file():
        raise ImportFailed(_("The uploaded file is no longer available. Please upload it again."))
    return read_table(path, max_unpacked_bytes=UNPACK_FACTOR * max_upload_bytes())


def remove_upload(run: ImportRun) -> None:
    """Delete the stored file (after commit or discard): uploads are not kept longer than needed."""
    if run.stored_name:
        (upload_dir() / run.stored_name).unlink(missing_ok=True)
        run.stored_name = None


def discard_import(*, run: ImportRun) -> None:
    """Drop an import that was not committed, and its file."""
    if run.status in (ImportStatus.UPLOADED, ImportStatus.PREVIEWED):
        run.status = ImportStatus.DISCARDED
        remove_upload(run)
        db.session.flush()


def check_mapping(mapping: dict[str, int], headers: list[str]) -> None:
    """A mapping must name the employer column and use each column once."""
    if "name" not in mapping:
        raise ImportFailed(_("Please choose the column that holds the employer name."), "name")
    seen: dict[int, str] = {}
    for key, index in mapping.items():
        if key not in FIELDS_BY_KEY or not 0 <= index < len(headers):
            raise ImportFailed(_("Please choose a column of the file."), key)
        if index in seen:
            raise ImportFailed(
                _("The column “%(column)s” is already used for another field.", column=headers[index]), key
            )
        seen[index] = key


# --- preview ------------------------------------------------------------------------------------


class DuplicateIndex:
    """Every employer's normalised name, for matching thousands of rows without a query per row.

    Same rule as the employer form (crm.employers.services.find_duplicate_candidates): same
    normalised name in the same postcode (or city), or a token-set ratio of at least DUPLICATE_THRESHOLD.
    The fuzzy comparison runs only against names sharing a word prefix with the row, and a prefix that
    a large part of all names share ("bae" of Bäckerei) is not used for that pre-selection when the
    row has a rarer word: 10,000 rows against 20,000 employers stay within seconds.
    """

    def __init__(self) -> None:
        rows = db.session.execute(
            select(Employer.id, Employer.name, Employer.normalized_name, Employer.postcode, Employer.city).where(
                Employer.archived_at.is_(None)
            )
        ).all()
        self.rows = rows
        self.names = [row.normalized_name for row in rows]
        self.exact: dict[tuple[str, str], int] = {}
        self.buckets: dict[str, list[int]] = defaultdict(list)
        for index, row in enumerate(rows):
            place = row.postcode or (row.city or "").casefold()
            if place:
                self.exact.setdefault((row.normalized_name, place), index)
            for prefix in _prefixes(row.normalized_name):
                self.buckets[prefix].append(index)
        self.common = max(COMMON_PREFIX_MIN, len(rows) // COMMON_PREFIX_SHARE)

    def find(self, normalized: str, postcode: str | None, city: str | None) -> Match | None:
        place = postcode or (city or "").casefold()
        hit = self.exact.get((normalized, place)) if place else None
        if hit is not None:
            return self._match(hit, 100, True)
        buckets = [self.buckets[p] for p in _prefixes(normalized) if p in self.buckets]
        if not buckets:
            return None
        rare = [bucket for bucket in buckets if len(bucket) <= self.common] or [min(buckets, key=len)]
        candidates = sorted({i for bucket in rare for i in bucket})
        best = process.extractOne(
            normalized,
            [self.names[i] for i in candidates],
            scorer=fuzz.token_set_ratio,
            score_cutoff=DUPLICATE_THRESHOLD,
        )
        if best is None:
            return None
        return self._match(candidates[best[2]], round(best[1]), False)

    def _match(self, index: int, score: int, exact: bool) -> Match:
        row = self.rows[index]
        return Match(row.id, row.name, row.postcode, row.city, score, exact)


def _prefixes(normalized: str) -> set[str]:
    words = [w for w in normalized.split() if w not in DUPLICATE_STOP_WORDS] or normalized.split()
    return {w[:3] for w in words}


def build_preview(*, table: Table, mapping: dict[str, int]) -> Preview:
    """Check every row: new, duplicate of an employer (or of an earlier row), or error with the reasons."""
    index = DuplicateIndex()
    industries = _industries()
    seen_in_file: dict[tuple[str, str], tuple[int, str]] = {}
    results = []
    for line, raw in iter_records(table, mapping):
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for key, value in raw.items():
            cleaned, error = check_cell(FIELDS_BY_KEY[key], value)
            if error:
                errors[key] = error
            values[key] = cleaned
        if "industry" in values and values["industry"] and values["industry"].casefold() not in industries:
            errors["industry"] = _("The industry “%(value)s” is not in the catalogue.", value=values["industry"])
        if any(values.get(key) for key in CONTACT_KEYS if key != "contact_last_name") and not values.get(
            "contact_last_name"
        ):
            errors["contact_last_name"] = _("The contact person's last name is missing.")
        if errors:
            results.append(RowResult(line, RowStatus.ERROR, values, errors))
            continue
        normalized = normalize_name(values["name"])
        if not normalized:
            results.append(RowResult(line, RowStatus.ERROR, values, {"name": _("The name has no letters.")}))
            continue
        match = index.find(normalized, values.get("postcode"), values.get("city"))
        place = values.get("postcode") or (values.get("city") or "").casefold()
        if match is None and (normalized, place) in seen_in_file:
            first_line, first_name = seen_in_file[(normalized, place)]
            match = Match(None, first_name, values.get("postcode"), values.get("city"), 100, True, first_line)
        seen_in_file.setdefault((normalized, place), (line, values["name"]))
        results.append(RowResult(line, RowStatus.DUPLICATE if match else RowStatus.NEW, values, match=match))
    return Preview(results)


def _industries() -> dict[str, int]:
    return {name.casefold(): id_ for id_, name in db.session.execute(select(Industry.id, Industry.name))}


def preview_import(*, run: ImportRun, mapping: dict[str, int]) -> Preview:
    """Confirm the mapping of `run` and return its preview."""
    if run.status not in (ImportStatus.UPLOADED, ImportStatus.PREVIEWED):
        raise ImportFailed(_("This import has already been completed."))
    check_mapping(mapping, run.headers)
    table = load_table(run)
    preview = build_preview(table=table, mapping=mapping)
    run.mapping = mapping
    run.status = ImportStatus.PREVIEWED
    run.error_count = preview.count(RowStatus.ERROR)
    db.session.flush()
    return preview


# --- commit -------------------------------------------------------------------------------------


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
        self.industries = _industries()
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


# --- undo ---------------------------------------------------------------------------------------

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


def recent_imports(limit: int = 20) -> list[ImportRun]:
    query = (
        select(ImportRun)
        .where(ImportRun.status.in_([ImportStatus.COMMITTED, ImportStatus.UNDONE]))
        .order_by(ImportRun.created_at.desc(), ImportRun.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


FIELD_CHOICES = [(f.key, f.label) for f in FIELDS]
