"""The whole database as JSON and back: a round trip keeps every record."""

import io
import json

import pytest
from sqlalchemy import select

from crm.activities.models import Activity, ActivityKind
from crm.contacts.services import create_contact
from crm.employers.models import Employer
from crm.employers.services import EmployerInput, create_employer, move_employer_to_stage, stage_by_key
from crm.extensions import db
from crm.jsondump import DumpError, dump_tables, export_json, import_json


def _populate(make_user) -> None:
    owner = make_user("acquisition", name="Jörg Öztürk")
    employer = create_employer(
        data=EmployerInput(
            name="Bäckerei Müller GmbH",
            postcode="01067",
            city="Dresden",
            tags=["Früh", "Gastro"],
            owner_id=owner.id,
            notes="=nicht rechnen",
        ),
        actor=owner,
    )
    contact = create_contact(employer=employer, last_name="Schäfer", first_name="Ute", email="ute@example.org")
    db.session.add(Activity(employer=employer, contact=contact, user=owner, kind=ActivityKind.VISIT, subject="Besuch"))
    move_employer_to_stage(employer=employer, stage=stage_by_key("first_contact"), actor=owner)
    db.session.commit()


def _wipe() -> None:
    db.session.remove()
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


def _snapshot() -> dict:
    out = io.StringIO()
    export_json(out)
    data = json.loads(out.getvalue())
    return data["tables"]


def test_round_trip_keeps_every_record(app, make_user, runner, tmp_path):
    _populate(make_user)
    before = _snapshot()
    assert before["employers"]["rows"] and before["audit_entries"]["rows"] and before["employer_tags"]["rows"]
    path = tmp_path / "all.json"
    result = runner.invoke(args=["export", "--format", "json", "--output", str(path)])
    assert result.exit_code == 0, result.output
    _wipe()
    result = runner.invoke(args=["import-json", str(path)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert _snapshot() == before
    # Relations and types survive; the search index was rebuilt; new rows get fresh ids.
    employer = db.session.scalar(select(Employer))
    assert employer.owner.name == "Jörg Öztürk" and employer.contacts[0].last_name == "Schäfer"
    assert employer.postcode == "01067" and employer.stage.key == "first_contact"
    assert employer.created_at.tzinfo is not None
    from crm.employers.search import search_employer_ids

    assert db.session.scalars(search_employer_ids("schäfer")).all() == [employer.id]
    create_employer(data=EmployerInput(name="Nach dem Import"))
    db.session.commit()


def test_every_table_of_the_metadata_is_exported(app):
    names = {table.name for table in dump_tables()}
    assert {"employers", "contacts", "activities", "users", "audit_entries", "import_runs"} <= names
    assert "employer_search" not in names
    data = json.loads("".join(_chunks()))
    assert set(data["tables"]) == names


def _chunks():
    out = io.StringIO()
    export_json(out)
    yield out.getvalue()


def test_import_into_a_database_with_data_is_refused(app, make_user):
    _populate(make_user)
    out = io.StringIO()
    export_json(out)
    with pytest.raises(DumpError, match="nicht leer"):
        import_json(io.StringIO(out.getvalue()))


def test_foreign_files_are_refused(app):
    with pytest.raises(DumpError):
        import_json(io.StringIO("{not json"))
    with pytest.raises(DumpError):
        import_json(io.StringIO('{"format": "other"}'))
    with pytest.raises(DumpError, match="Unbekannte Tabellen"):
        import_json(io.StringIO('{"format": "inklusiv-crm-json", "version": 1, "tables": {"evil": {}}}'))


def test_round_trip_of_the_demo_data_of_every_domain(app, runner, tmp_path):
    from crm.demo import load_demo_data

    load_demo_data()
    db.session.commit()
    before = _snapshot()
    filled = {name for name, table in before.items() if table["rows"]}
    assert {"employers", "contacts", "activities", "users"} <= filled
    path = tmp_path / "demo.json"
    assert runner.invoke(args=["export", "--format", "json", "--output", str(path)]).exit_code == 0
    _wipe()
    result = runner.invoke(args=["import-json", str(path)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert _snapshot() == before
