"""An import run (who, when, which file, what came of it) and the records it created or changed."""

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import enum_column, utcnow
from crm.extensions import db


class ImportStatus(enum.StrEnum):
    UPLOADED = "uploaded"  # file stored, columns not yet confirmed
    PREVIEWED = "previewed"  # mapping confirmed, results shown, waiting for the decisions
    COMMITTED = "committed"
    UNDONE = "undone"
    DISCARDED = "discarded"


class ImportRun(db.Model):
    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    filename: Mapped[str] = mapped_column(String(255))
    # Random name of the upload inside instance/imports; cleared once the file is removed.
    stored_name: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[ImportStatus] = mapped_column(enum_column(ImportStatus), default=ImportStatus.UPLOADED)
    headers: Mapped[list[str]] = mapped_column(JSON, default=list)
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    row_count: Mapped[int] = mapped_column(default=0)
    created_count: Mapped[int] = mapped_column(default=0)
    updated_count: Mapped[int] = mapped_column(default=0)
    skipped_count: Mapped[int] = mapped_column(default=0)
    error_count: Mapped[int] = mapped_column(default=0)
    committed_at: Mapped[datetime | None]
    undone_at: Mapped[datetime | None]
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped["User | None"] = relationship(foreign_keys=[user_id])  # noqa: F821
    undone_by: Mapped["User | None"] = relationship(foreign_keys=[undone_by_id])  # noqa: F821


class ImportedRecord(db.Model):
    """One row an import wrote: enough to undo it while nobody has edited the row since."""

    __tablename__ = "imported_records"
    __table_args__ = (Index("ix_imported_records_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id", ondelete="CASCADE"), index=True)
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[int]
    action: Mapped[str] = mapped_column(String(16))  # created | updated
    # The record's version right after the import; a higher version means someone edited it since.
    version_after: Mapped[int | None]
    # For updates: the values before the import, to put back on undo.
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
