"""Commands that move data in and out: backup, restore, JSON export/import, spreadsheet import."""

import sys
from pathlib import Path

import click
from flask import g

from crm.extensions import db


@click.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path | None) -> None:
    """Save a consistent copy of the database (SQLite: online backup; PostgreSQL: pg_dump)."""
    from crm.backup import BackupError, backup_database

    try:
        result = backup_database(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    how = "mit pg_dump (PostgreSQL)" if result.method == "pg_dump" else "mit der Online-Sicherung von SQLite"
    click.echo(f"Sicherung {how} geschrieben: {result.path}")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(path: Path, yes: bool) -> None:
    """Replace the SQLite database with a backup (stop the app first; PostgreSQL: use pg_restore)."""
    from crm.backup import BackupError, restore_sqlite

    if db.engine.url.get_backend_name() != "sqlite":
        raise click.ClickException(
            "Wiederherstellen mit diesem Befehl geht nur bei SQLite. Für PostgreSQL: "
            "pg_restore --clean --no-owner --dbname=… SICHERUNG.dump"
        )
    if not yes:
        click.confirm("Die aktuelle Datenbank wird durch die Sicherung ersetzt. Fortfahren?", abort=True)
    try:
        target = restore_sqlite(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Datenbank {target} aus {path} wiederhergestellt.")


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File (default: stdout).")
def export_command(fmt: str, output: Path | None) -> None:
    """Write the whole database (all records with ids and relations) as JSON."""
    from crm.extensions import db
    from crm.jsondump import export_json
    from crm.security_events.models import SecurityEventKind
    from crm.security_events.services import record_security_event

    if output:
        with output.open("w", encoding="utf-8") as handle:
            counts = export_json(handle)
        click.echo(f"{sum(counts.values())} Datensätze aus {len(counts)} Tabellen nach {output} exportiert.", err=True)
    else:
        counts = export_json(sys.stdout)
    # Recorded once the file is complete (so the file does not hold its own export event).
    record_security_event(
        kind=SecurityEventKind.EXPORT,
        detail=f"command line: crm export --format {fmt} to {output or 'stdout'}, {sum(counts.values())} records",
    )
    db.session.commit()


@click.command("import-json")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_json_command(path: Path) -> None:
    """Load a JSON export into an empty database (after `crm init`); all or nothing."""
    from crm.jsondump import DumpError, import_json

    try:
        with path.open(encoding="utf-8") as handle:
            counts = import_json(handle)
        db.session.commit()
    except DumpError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    click.echo(f"{sum(counts.values())} Datensätze in {len(counts)} Tabellen importiert.")


@click.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--user", "email", help="E-mail of the user the import is recorded for.")
@click.option(
    "--duplicates",
    type=click.Choice(["skip", "update", "create"]),
    default="skip",
    show_default=True,
    help="What to do with rows that match an existing employer.",
)
@click.option("--dry-run", is_flag=True, help="Only check the rows; save nothing.")
def import_command(path: Path, email: str | None, duplicates: str, dry_run: bool) -> None:
    """Import employers and contacts from a CSV or XLSX file (columns guessed from the headings)."""
    from sqlalchemy import select

    from crm.auth.models import User

    user = None
    if email:
        user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise click.ClickException(f"Keinen Benutzer mit der E-Mail-Adresse {email} gefunden.")
        g.audit_actor_id = user.id
    try:
        _run_import(path, user, duplicates, dry_run)
    finally:
        g.pop("audit_actor_id", None)


def _run_import(path: Path, user, duplicates: str, dry_run: bool) -> None:
    from crm.imports import services
    from crm.imports.commit import commit_import
    from crm.imports.fields import FIELDS_BY_KEY, guess_mapping

    try:
        run = services.store_upload(filename=path.name, data=path.read_bytes(), actor=user)
        mapping = guess_mapping(run.headers)
        columns = ", ".join(f"{FIELDS_BY_KEY[k].label} ← {run.headers[i]!r}" for k, i in mapping.items())
        click.echo(f"Spalten: {columns}")
        preview = services.preview_import(run=run, mapping=mapping)
        for row in preview.rows:
            if row.status == services.RowStatus.ERROR:
                click.echo(f"Zeile {row.line}: " + " ".join(row.errors.values()))
        click.echo(
            f"{preview.count('new')} neu, {preview.count('duplicate')} mögliche Dubletten, "
            f"{preview.count('error')} Zeilen mit Fehlern."
        )
        if dry_run:
            services.discard_import(run=run)
            db.session.commit()
            click.echo("Probelauf: nichts gespeichert.")
            return
        decisions = {row.line: duplicates for row in preview.rows if row.status == services.RowStatus.DUPLICATE}
        result = commit_import(run=run, decisions=decisions, actor=user)
        db.session.commit()
    except services.ImportFailed as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    click.echo(
        f"Import {run.id} gespeichert: {result.created} neu, {result.updated} aktualisiert, "
        f"{result.skipped} übersprungen, {result.errors} fehlerhaft."
    )


DATA_COMMANDS = (backup_command, restore_command, export_command, import_json_command, import_command)
