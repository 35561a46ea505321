"""The `crm` command: init, create-user, serve, demo, and Flask-Migrate's `db` group."""

import os
import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup
from flask_migrate import upgrade
from sqlalchemy import inspect
from werkzeug.serving import run_simple

from crm.access_log import hide_secrets_in_werkzeug_log
from crm.paths import resource_dir


def _create_app() -> Flask:
    from crm import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False, load_dotenv=False)
def main() -> None:
    """Inklusiv-CRM command line."""


def register(app: Flask) -> None:
    """Attach our commands to the app's CLI (the console script and `flask --app crm` both see them)."""
    from crm.data_cli import DATA_COMMANDS
    from crm.followups.cli import FOLLOWUP_COMMANDS

    for command in (init_command, create_user_command, serve_command, demo_command, send_outbox_command):
        app.cli.add_command(command)
    for command in FOLLOWUP_COMMANDS:
        app.cli.add_command(command)
    for command in DATA_COMMANDS:
        app.cli.add_command(command)


def initialise_database() -> bool:
    """Upgrade the schema to the newest migration and seed catalogues; True if it was empty before."""
    from crm.extensions import db
    from crm.seeds import seed_catalogues

    was_empty = "users" not in inspect(db.engine).get_table_names()
    upgrade(directory=str(resource_dir("migrations")))
    seed_catalogues()
    db.session.commit()
    return was_empty


@click.command("init")
def init_command() -> None:
    """Create or upgrade the database schema and seed the catalogues (safe to run again)."""
    was_empty = initialise_database()
    click.echo("Datenbank angelegt." if was_empty else "Datenbank ist aktuell.")


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="Full name shown in the app.")
@click.option("--role", required=True, type=click.Choice(["admin", "acquisition", "coach", "viewer"]))
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--language", default="de", type=click.Choice(["de", "en"]))
def create_user_command(email: str, name: str, role: str, password_stdin: bool, language: str) -> None:
    """Create a user account; asks for the password unless --password-stdin is given."""
    from crm.auth.models import Role
    from crm.auth.services import AccountError, create_user
    from crm.extensions import db

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Passwort", hide_input=True, confirmation_prompt="Passwort wiederholen")
    try:
        user = create_user(email=email, name=name, role=Role(role), password=password, language=language)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Benutzer {user.email} ({user.role.value}) angelegt.")


@click.command("demo")
def demo_command() -> None:
    """Load fictional demo data (Hamburg employers, contacts, activities) and print the demo logins."""
    from crm.demo import DEMO_PASSWORD, load_demo_data

    initialise_database()
    users = load_demo_data()
    _print_demo_logins(users, DEMO_PASSWORD)


def _print_demo_logins(users: list, password: str) -> None:
    click.echo("")
    click.echo(f"Demo-Zugänge (Passwort für alle: {password}):")
    for user in users:
        click.echo(f"  {user.email:<32} {user.role.label}")
    click.echo("")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--demo", is_flag=True, help="Load demo data and print a demo login.")
def serve_command(host: str, port: int, demo: bool) -> None:
    """Run the development server (production: gunicorn, see README)."""
    from crm.demo import DEMO_PASSWORD, load_demo_data

    initialise_database()
    if demo:
        users = load_demo_data()
        _print_demo_logins(users, DEMO_PASSWORD)
        relax_two_factor_for_demo(current_app)
    click.echo(f"Inklusiv-CRM läuft auf http://{host}:{port}/  (Beenden mit Strg+C)")
    hide_secrets_in_werkzeug_log()  # reset and calendar-feed tokens appear as *** in the request lines
    # Not app.run(): Flask ignores it inside a CLI command (FLASK_RUN_FROM_CLI).
    run_simple(host, port, current_app._get_current_object(), use_reloader=False, threaded=True)


def relax_two_factor_for_demo(app: Flask) -> bool:
    """Let the demo admin in with the printed password: this demo server does not force two-factor login.

    Only `crm serve --demo` (`make run`) does this, and not when CRM_REQUIRE_2FA_FOR_ADMINS is set.
    """
    if "CRM_REQUIRE_2FA_FOR_ADMINS" in os.environ:
        return False
    app.config["REQUIRE_2FA_FOR_ADMINS"] = False
    click.echo(
        "Zwei-Faktor-Anmeldung: in dieser Demo für Admins nicht Pflicht (CRM_REQUIRE_2FA_FOR_ADMINS=true macht "
        "sie zur Pflicht); jede*r kann sie unter „Mein Profil“ einrichten."
    )
    return True


@click.command("send-outbox")
def send_outbox_command() -> None:
    """Deliver queued e-mails from the outbox once (the scheduler does this every minute)."""
    from crm.mail import deliver_due_messages

    report = deliver_due_messages()
    click.echo(f"gesendet: {report.sent}, später erneut: {report.retried}, fehlgeschlagen: {report.failed}")
