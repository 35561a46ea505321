"""Backup and restore: a consistent SQLite copy while others write; pg_dump on PostgreSQL."""

import sqlite3
import subprocess
import threading

import pytest
from sqlalchemy import delete, func, select

from crm.backup import BackupError, backup_database, restore_sqlite
from crm.employers.models import Employer
from crm.employers.services import EmployerInput, create_employer
from crm.extensions import db


def _employers(n: int) -> None:
    for i in range(n):
        create_employer(data=EmployerInput(name=f"Betrieb {i}", postcode="22761"))
    db.session.commit()


def _is_sqlite() -> bool:
    return db.engine.url.get_backend_name() == "sqlite"


def test_sqlite_backup_is_consistent_while_another_connection_writes(app, tmp_path):
    if not _is_sqlite():
        pytest.skip("SQLite online backup")
    _employers(30)
    path = db.engine.url.database
    stop = threading.Event()
    written = {"n": 0}

    def writer() -> None:
        connection = sqlite3.connect(path, timeout=30)
        while not stop.is_set():
            with connection:
                connection.execute("INSERT INTO tags (name) VALUES (?)", (f"tag-{written['n']}",))
            written["n"] += 1
        connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while written["n"] < 20:
            pass
        results = [backup_database(tmp_path / f"copy{i}.sqlite3") for i in range(3)]
    finally:
        stop.set()
        thread.join()
    assert written["n"] > 20
    for result in results:
        assert result.method == "sqlite-online-backup"
        copy = sqlite3.connect(result.path)
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT count(*) FROM employers").fetchone()[0] == 30
        copy.close()


def test_restore_brings_back_the_data(app, tmp_path, runner):
    if not _is_sqlite():
        pytest.skip("restore is SQLite-only")
    _employers(3)
    result = runner.invoke(args=["backup", str(tmp_path / "b.sqlite3")])
    assert result.exit_code == 0, result.output
    assert "Online-Sicherung von SQLite" in result.output
    db.session.execute(delete(Employer).where(Employer.name == "Betrieb 1"))
    create_employer(data=EmployerInput(name="Nach der Sicherung"))
    db.session.commit()
    result = runner.invoke(args=["restore", "--yes", str(tmp_path / "b.sqlite3")])
    assert result.exit_code == 0, result.output
    names = sorted(db.session.scalars(select(Employer.name)))
    assert names == ["Betrieb 0", "Betrieb 1", "Betrieb 2"]


def test_restore_refuses_a_file_that_is_no_backup(app, tmp_path):
    if not _is_sqlite():
        pytest.skip("restore is SQLite-only")
    bogus = tmp_path / "x.sqlite3"
    bogus.write_bytes(b"not a database at all" * 100)
    with pytest.raises(BackupError):
        restore_sqlite(bogus)
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(BackupError):
        restore_sqlite(other)


def test_default_backup_goes_to_the_instance_folder(app, runner):
    if not _is_sqlite():
        pytest.skip("default path checked on SQLite")
    result = runner.invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    assert f"{app.instance_path}/backups/crm-" in result.output


def test_postgresql_backup_uses_pg_dump_and_says_so(app, tmp_path, runner):
    if _is_sqlite():
        pytest.skip("PostgreSQL only")
    _employers(2)
    target = tmp_path / "pg.dump"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "pg_dump" in result.output
    listing = subprocess.run(["pg_restore", "--list", str(target)], capture_output=True, text=True, check=True)
    assert "TABLE DATA public employers" in listing.stdout
    result = runner.invoke(args=["restore", "--yes", str(target)])
    assert result.exit_code != 0 and "pg_restore" in result.output


def test_employer_count_is_unchanged_by_a_backup(app, tmp_path):
    _employers(2)
    if _is_sqlite():
        backup_database(tmp_path / "x.sqlite3")
    assert db.session.scalar(select(func.count()).select_from(Employer)) == 2
