"""Import services: store the upload, check the mapping, preview every row (commit.py writes, undo.py takes back).

Services add and flush, never commit; the view (or CLI command) owns the one transaction, so a
failure anywhere in a commit leaves the database as it was.
"""

import secrets
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from rapidfuzz import fuzz, process
from sqlalchemy import select

from crm.auth.models import User
from crm.db import utcnow
from crm.domain import DomainError
from crm.employers.models import Employer, Industry
from crm.employers.normalize import normalize_name
from crm.employers.services import (
    DUPLICATE_STOP_WORDS,
    DUPLICATE_THRESHOLD,
)
from crm.extensions import db
from crm.imports.fields import CONTACT_KEYS, FIELDS, FIELDS_BY_KEY, check_cell
from crm.imports.models import ImportRun, ImportStatus
from crm.imports.reader import ReadError, Table, iter_records, read_table

ALLOWED_SUFFIXES = (".csv", ".txt", ".xlsx")
# An upload not committed within this time is discarded (file deleted) at the next upload.
STALE_AFTER = timedelta(days=1)
# Setting IMPORT_MAX_BYTES overrides this; 10,000 rows of a typical list are about 2 MB.
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# An XLSX may unpack to at most this many times the upload limit (its XML is verbose; real files stay far below).
UNPACK_FACTOR = 10
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
        filename=shown_filename(filename),
        stored_name=stored_name,
        headers=table.headers,
        row_count=len(table.rows),
    )
    db.session.add(run)
    db.session.flush()
    return run


def shown_filename(filename: str) -> str:
    """The upload's name as the import list shows it: no folders, no control characters (PostgreSQL refuses NUL)."""
    name = "".join(ch for ch in Path(filename).name if unicodedata.category(ch) != "Cc")
    return name[:255]


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
    industries = industries_by_name()
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


def industries_by_name() -> dict[str, int]:
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


def recent_imports(limit: int = 20) -> list[ImportRun]:
    query = (
        select(ImportRun)
        .where(ImportRun.status.in_([ImportStatus.COMMITTED, ImportStatus.UNDONE]))
        .order_by(ImportRun.created_at.desc(), ImportRun.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


FIELD_CHOICES = [(f.key, f.label) for f in FIELDS]
