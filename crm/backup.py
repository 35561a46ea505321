"""Backups: a consistent SQLite copy while the app runs (online backup API), pg_dump for PostgreSQL."""

import os
import shutil
import sqlite3
import subprocess  # nosec B404  # only to run pg_dump, see _pg_dump
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy.engine import make_url

from crm.extensions import db


class BackupError(Exception):
    """The backup or restore cannot be done; the message is for the operator."""


@dataclass
class BackupResult:
    path: Path
    method: str  # "sqlite-online-backup" | "pg_dump"


def default_backup_path(backend: str) -> Path:
    folder = Path(current_app.instance_path) / "backups"
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return folder / (f"crm-{stamp}.sqlite3" if backend == "sqlite" else f"crm-{stamp}.dump")


def sqlite_path() -> Path:
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError("Die Datenbank ist keine SQLite-Datei.")
    return Path(url.database)


def backup_database(target: Path | None = None) -> BackupResult:
    """Write a consistent copy of the database to `target` (default: instance/backups/crm-<time>.*)."""
    backend = db.engine.url.get_backend_name()
    target = Path(target) if target else default_backup_path(backend)
    target.parent.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        _sqlite_copy(sqlite_path(), target)
        return BackupResult(target, "sqlite-online-backup")
    if backend == "postgresql":
        _pg_dump(target)
        return BackupResult(target, "pg_dump")
    raise BackupError(f"Für die Datenbank {backend} gibt es keine Sicherung.")


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup API: a consistent snapshot even while other connections write."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    with sqlite3.connect(source, timeout=30) as src, sqlite3.connect(partial) as dst:
        src.backup(dst, pages=1024)
    check = sqlite3.connect(partial)
    try:
        result = check.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        check.close()
    if result != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"Die Sicherung ist beschädigt ({result}).")
    partial.replace(target)


def _pg_dump(target: Path) -> None:
    executable = shutil.which("pg_dump")
    if executable is None:
        raise BackupError("pg_dump wurde nicht gefunden. Bitte installieren Sie die PostgreSQL-Client-Programme.")
    url = db.engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)  # not on the command line, where `ps` would show it
    args = [executable, "--format=custom", "--no-owner", f"--file={target}"]
    for flag, value in (("--host", url.host), ("--port", url.port), ("--username", url.username)):
        if value:
            args.append(f"{flag}={value}")
    args.append(f"--dbname={url.database}")
    completed = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603  # no shell; pg_dump from PATH, arguments from the configured database URL
    if completed.returncode != 0:
        target.unlink(missing_ok=True)
        raise BackupError(f"pg_dump ist fehlgeschlagen: {completed.stderr.strip()}")


def restore_sqlite(source: Path) -> Path:
    """Replace the SQLite database with the backup `source` (stop the app first); return the database path."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"Die Datei {source} gibt es nicht.")
    with sqlite3.connect(source) as check:
        try:
            result = check.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {row[0] for row in check.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{source} ist keine SQLite-Datenbank.") from error
    if result != "ok" or "employers" not in tables:
        raise BackupError(f"{source} ist keine gültige Inklusiv-CRM-Sicherung.")
    target = sqlite_path()
    db.session.remove()
    db.engine.dispose()
    # The backup API writes into the live file, so its WAL and open readers stay consistent.
    with sqlite3.connect(source) as src, sqlite3.connect(target, timeout=30) as dst:
        src.backup(dst)
    return target
