"""The Alembic migrations: one head, an empty database upgrades to the models, no drift."""

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, make_url, text

from crm import create_app
from crm.db import include_in_migrations
from crm.extensions import db
from crm.paths import resource_dir


def test_migrations_have_a_single_head():
    config = Config()
    config.set_main_option("script_location", str(resource_dir("migrations")))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


@pytest.fixture
def empty_database_url(tmp_path):
    """A fresh empty database of the same kind as the test database."""
    test_url = os.environ.get("CRM_TEST_DATABASE_URL")
    if not test_url:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"crm_migration_{uuid.uuid4().hex[:8]}"
    server = create_engine(make_url(test_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(test_url).set(database=name).render_as_string(hide_password=False)
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


# SQLAlchemy cannot reflect SQLite expression indexes (ix_activities_month_report); it says so and moves on.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index:sqlalchemy.exc.SAWarning")
def test_upgrade_of_an_empty_database_matches_the_models(empty_database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_INSTANCE_PATH", str(tmp_path))
    app = create_app("testing", {"DATABASE_URL": empty_database_url})
    with app.app_context():
        from crm.cli import initialise_database

        assert initialise_database() is True
        assert initialise_database() is False  # idempotent
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_object": include_in_migrations}
            )
            differences = compare_metadata(context, db.metadata)
        _search_works_after_migration()
        db.session.remove()
        db.engine.dispose()
    assert differences == [], "models and migrations differ: run `crm db migrate` and review the file"


def _search_works_after_migration() -> None:
    """The raw-SQL part of the migration (search triggers and index) is in place."""
    from crm.employers.search import search_employer_ids
    from crm.employers.services import EmployerInput, create_employer

    employer = create_employer(data=EmployerInput(name="Bäckerei Müller", postcode="22761"))
    db.session.commit()
    assert list(db.session.scalars(search_employer_ids("bäcker"))) == [employer.id]
