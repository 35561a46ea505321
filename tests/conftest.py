"""Fixtures: one app and schema per test session, a clean database per test, clients per role.

The database is a real SQLite file, or the PostgreSQL named by CRM_TEST_DATABASE_URL.
"""

import contextvars
import os
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from crm import create_app
from crm.auth.models import Role, User
from crm.auth.services import create_user
from crm.extensions import db
from crm.seeds import seed_catalogues
from tests.helpers import TEST_PASSWORD, empty_database, login


class IsolatedClient(FlaskClient):
    """Run each request in an empty context, so it gets its own app context, `g` and DB session.

    Flask reuses an app context that is already pushed (the tests hold one), which would share
    `g` (cached CSRF tokens, request ids) and the SQLAlchemy session between test and request.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The application on a fresh schema (create_all; tests/test_migrations.py checks the migrations)."""
    instance = tmp_path_factory.mktemp("instance")
    os.environ["CRM_INSTANCE_PATH"] = str(instance)
    url = os.environ.get("CRM_TEST_DATABASE_URL") or f"sqlite:///{instance / 'test.sqlite3'}"
    application = create_app(
        "testing",
        {"DATABASE_URL": url, "PASSWORD_HASH_METHOD": "scrypt:1024:8:1", "SERVER_NAME": None},
    )
    with application.app_context():
        _drop_everything()
        db.create_all()
        seed_catalogues()
        db.session.commit()
    application.test_client_class = IsolatedClient
    yield application
    with application.app_context():
        db.session.remove()
        _drop_everything()
        db.engine.dispose()


def _drop_everything() -> None:
    """Remove every table (also alembic's), so each run starts from an empty database."""
    db.session.remove()
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        else:
            rows = connection.execute(text("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))
            connection.execute(text("PRAGMA foreign_keys=OFF"))
            for kind, name in list(rows):
                if kind in ("table", "view"):
                    connection.execute(text(f'DROP {kind.upper()} IF EXISTS "{name}"'))
            connection.execute(text("PRAGMA foreign_keys=ON"))


@pytest.fixture(autouse=True)
def clean_database(app: Flask) -> Iterator[None]:
    """Empty every table after each test, then re-seed the catalogues."""
    with app.app_context():
        yield
        empty_database()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """Create a user with the given role (committed); the password is TEST_PASSWORD."""
    counter = {"n": 0}

    def factory(
        role: Role | str = Role.ACQUISITION, *, email: str | None = None, name: str | None = None, language: str = "de"
    ) -> User:
        counter["n"] += 1
        role = Role(role)
        user = create_user(
            email=email or f"{role.value}{counter['n']}@example.org",
            name=name or f"Test {role.value.title()} {counter['n']}",
            role=role,
            password=TEST_PASSWORD,
            language=language,
        )
        db.session.commit()
        return user

    return factory


@pytest.fixture
def login_as(app: Flask, make_user: Callable[..., User]) -> Callable[..., FlaskClient]:
    """Return a test client logged in as a new user of `role` (the user is on `client.user`)."""

    def factory(role: Role | str = Role.ACQUISITION, **kwargs) -> FlaskClient:
        user = make_user(role, **kwargs)
        test_client = app.test_client()
        response = login(test_client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        test_client.user = user
        return test_client

    return factory


@pytest.fixture
def create_employer(app: Flask):
    """Create (and commit) an employer in the stage with `stage_key` (default "lead")."""
    from sqlalchemy import select

    from crm.employers.models import Employer, Stage

    def factory(name: str = "Bäckerei Müller", *, stage_key: str = "lead", **fields):
        stage = db.session.scalar(select(Stage).where(Stage.key == stage_key))
        employer = Employer(name=name, normalized_name=name.casefold(), stage=stage, **fields)
        db.session.add(employer)
        db.session.commit()
        return employer

    return factory


@pytest.fixture
def create_contact(app: Flask):
    """Create (and commit) a contact person of `employer` through the contact service."""
    from crm.contacts import services

    def factory(employer, last_name: str = "Schulz", **fields):
        contact = services.create_contact(employer=employer, last_name=last_name, **fields)
        db.session.commit()
        return contact

    return factory


@pytest.fixture
def create_activity(app: Flask):
    """Log (and commit) an activity for `employer` through the activity service (default: a call, now)."""
    from crm.activities import services
    from crm.activities.models import ActivityKind

    def factory(employer, subject: str = "Telefonat", *, kind: ActivityKind = ActivityKind.CALL, user=None, **fields):
        activity = services.log_activity(employer=employer, kind=kind, user=user, subject=subject, **fields)
        db.session.commit()
        return activity

    return factory


@pytest.fixture
def smtp_server(app: Flask):
    """A real SMTP server (aiosmtpd) on a free loopback port; the app sends to it during the test."""
    from tests.smtp_sink import SmtpSink

    sink = SmtpSink().start()
    saved = {key: app.config.get(key) for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USE_SSL")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port, MAIL_USE_TLS=False, MAIL_USE_SSL=False)
    try:
        yield sink
    finally:
        sink.stop()
        app.config.update(saved)
