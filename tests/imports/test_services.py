import pytest
from sqlalchemy import func, select

from crm.activities.models import Activity
from crm.audit.models import AuditEntry
from crm.contacts.models import Contact
from crm.employers.models import Employer
from crm.employers.services import EmployerInput, update_employer
from crm.extensions import db
from crm.imports import commit, services, undo
from crm.imports.fields import guess_mapping
from crm.imports.models import ImportedRecord, ImportStatus
from crm.imports.services import Decision, ImportFailed, RowStatus


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def _previewed(data: bytes, name: str = "liste.csv", user=None):
    run = services.store_upload(filename=name, data=data, actor=user)
    mapping = guess_mapping(run.headers)
    preview = services.preview_import(run=run, mapping=mapping)
    db.session.commit()
    return run, preview


def test_messy_file_preview_finds_new_duplicates_and_errors(ctx, existing_bakery, messy_csv):
    run, preview = _previewed(messy_csv)
    by_line = {row.line: row for row in preview.rows}
    assert by_line[2].status == RowStatus.DUPLICATE
    assert by_line[2].match.employer_id == existing_bakery.id and by_line[2].match.exact
    assert by_line[3].status == RowStatus.NEW
    assert by_line[4].status == RowStatus.ERROR and "postcode" in by_line[4].errors
    assert by_line[5].status == RowStatus.ERROR and "name" in by_line[5].errors
    assert by_line[6].status == RowStatus.NEW and by_line[6].values["postcode"] == "01067"
    assert by_line[7].status == RowStatus.NEW
    assert by_line[8].status == RowStatus.DUPLICATE and by_line[8].match.line == 7
    assert set(by_line[9].errors) == {"email", "last_contact"}
    assert (preview.count("new"), preview.count("duplicate"), preview.count("error")) == (3, 2, 3)


def test_fuzzy_match_is_offered_as_duplicate(ctx, existing_bakery):
    data = "Firma;PLZ\r\nBäckerei Müler;20095\r\n".encode()
    _run, preview = _previewed(data)
    row = preview.rows[0]
    assert row.status == RowStatus.DUPLICATE
    assert row.match.employer_id == existing_bakery.id and not row.match.exact and row.match.score >= 90


def test_commit_creates_employers_contacts_and_history(ctx, existing_bakery, messy_cp1252, make_user):
    user = make_user("acquisition")
    run, _preview = _previewed(messy_cp1252, user=user)
    result = commit.commit_import(run=run, decisions={}, actor=user)
    db.session.commit()
    assert (result.created, result.updated, result.skipped, result.errors) == (3, 0, 2, 3)
    garden = db.session.scalar(select(Employer).where(Employer.name == "Gärtnerei Grün"))
    assert garden.postcode == "22763" and garden.stage.key == "lead"
    contact = garden.contacts[0]
    assert (contact.first_name, contact.last_name, contact.is_primary) == ("Aylin", "Özdemir", True)
    assert "liste.csv" in contact.data_source
    assert garden.last_contact_at.date().isoformat() == "2023-11-15"
    note = db.session.scalar(select(Activity).where(Activity.employer_id == garden.id))
    assert note.occurred_at.date().isoformat() == "2023-11-15"
    dresden = db.session.scalar(select(Employer).where(Employer.city == "Dresden"))
    assert dresden.postcode == "01067"
    assert run.status == ImportStatus.COMMITTED and run.stored_name is None
    assert (run.created_count, run.skipped_count, run.error_count) == (3, 2, 3)
    assert db.session.scalar(select(func.count()).where(AuditEntry.entity_type == "employers")) >= 4


def test_duplicate_decisions_update_or_create(ctx, existing_bakery, messy_csv):
    run, _ = _previewed(messy_csv)
    result = commit.commit_import(run=run, decisions={2: Decision.UPDATE, 8: Decision.CREATE}, actor=None)
    db.session.commit()
    assert (result.created, result.updated, result.skipped) == (4, 1, 0)
    db.session.refresh(existing_bakery)
    assert existing_bakery.phone == "040 123456"
    assert existing_bakery.street == "Große Bergstraße 12"
    assert existing_bakery.name == "Baeckerei Mueller"
    assert [c.last_name for c in existing_bakery.contacts] == ["Schäfer"]
    assert _count(Employer) == 5


def test_failure_during_commit_leaves_the_database_unchanged(ctx, existing_bakery, messy_csv, monkeypatch):
    run, _ = _previewed(messy_csv)
    before = (_count(Employer), _count(Contact), _count(Activity), _count(ImportedRecord))
    calls = {"n": 0}
    original = commit._Writer.create

    def failing(self, values):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        original(self, values)

    monkeypatch.setattr(commit._Writer, "create", failing)
    with pytest.raises(RuntimeError):
        commit.commit_import(run=run, decisions={}, actor=None)
    db.session.rollback()
    assert (_count(Employer), _count(Contact), _count(Activity), _count(ImportedRecord)) == before
    db.session.refresh(run)
    assert run.status == ImportStatus.PREVIEWED


def test_undo_removes_created_and_restores_updated(ctx, existing_bakery, messy_csv, make_user):
    admin = make_user("admin")
    run, _ = _previewed(messy_csv)
    commit.commit_import(run=run, decisions={2: Decision.UPDATE}, actor=None)
    db.session.commit()
    assert undo.undo_blockers(run) == []
    undo.undo_import(run=run, actor=admin)
    db.session.commit()
    assert _count(Employer) == 1 and _count(Contact) == 0 and _count(Activity) == 0
    bakery = db.session.get(Employer, existing_bakery.id)
    assert bakery.name == "Bäckerei Müller GmbH" and bakery.phone is None and bakery.street is None
    assert run.status == ImportStatus.UNDONE and run.undone_by_id == admin.id
    deletes = db.session.scalar(select(func.count()).where(AuditEntry.action == "delete"))
    assert deletes == 3 + 3 + 4  # employers, contacts (2 new + 1 on the updated one), activities (one per dated row)


def test_undo_puts_back_the_tags_of_an_updated_employer(ctx, existing_bakery, make_user):
    from crm.employers.services import tags_for_names

    existing_bakery.tags = tags_for_names(["Kantine"])
    db.session.commit()
    data = "Firma;PLZ;Schlagworte\r\nBäckerei Müller GmbH;22767;Backstube, Lager\r\n".encode()
    run, _ = _previewed(data)
    commit.commit_import(run=run, decisions={2: Decision.UPDATE}, actor=None)
    db.session.commit()
    assert sorted(t.name for t in db.session.get(Employer, existing_bakery.id).tags) == [
        "Backstube",
        "Kantine",
        "Lager",
    ]
    undo.undo_import(run=run, actor=make_user("admin"))
    db.session.commit()
    assert [t.name for t in db.session.get(Employer, existing_bakery.id).tags] == ["Kantine"]


def test_undo_is_refused_after_an_imported_employer_was_edited(ctx, messy_csv):
    run, _ = _previewed(messy_csv)
    commit.commit_import(run=run, decisions={}, actor=None)
    db.session.commit()
    garden = db.session.scalar(select(Employer).where(Employer.name == "Gärtnerei Grün"))
    update_employer(
        employer=garden, data=EmployerInput(name="Gärtnerei Grün KG", postcode="22763"), expected_version=garden.version
    )
    db.session.commit()
    blockers = undo.undo_blockers(run)
    assert blockers and "bearbeitet" in blockers[0]
    with pytest.raises(ImportFailed):
        undo.undo_import(run=run, actor=None)


def test_undo_is_refused_when_someone_logged_an_activity_since(ctx, messy_csv):
    run, _ = _previewed(messy_csv)
    commit.commit_import(run=run, decisions={}, actor=None)
    db.session.commit()
    garden = db.session.scalar(select(Employer).where(Employer.name == "Gärtnerei Grün"))
    from crm.activities.models import ActivityKind

    db.session.add(Activity(employer_id=garden.id, kind=ActivityKind.CALL, subject="Anruf"))
    db.session.commit()
    assert any("activities" in reason for reason in undo.undo_blockers(run))


def test_file_over_the_limit_is_refused_with_the_size(ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 1024 * 1024)
    with pytest.raises(ImportFailed) as error:
        services.store_upload(filename="gross.csv", data=b"x" * (1024 * 1024 + 1), actor=None)
    assert "zu groß" in error.value.message and "1,0 MB" in error.value.message


def test_upload_is_stored_only_inside_the_instance_folder(ctx, app, messy_csv):
    run = services.store_upload(filename="../../etc/evil.csv", data=messy_csv, actor=None)
    path = services.upload_dir() / run.stored_name
    assert path.is_file() and str(path).startswith(app.instance_path)
    assert run.filename == "evil.csv" and "evil" not in run.stored_name


def test_other_file_types_are_refused(ctx):
    with pytest.raises(ImportFailed):
        services.store_upload(filename="macro.xlsm", data=b"PK\x03\x04", actor=None)


def test_xlsx_import_keeps_leading_zero_and_reads_dates(ctx, messy_xlsx):
    run, preview = _previewed(messy_xlsx, name="liste.xlsx")
    assert [row.status for row in preview.rows] == ["new", "new", "error"]
    commit.commit_import(run=run, decisions={}, actor=None)
    db.session.commit()
    dresden = db.session.scalar(select(Employer).where(Employer.city == "Dresden"))
    assert dresden.postcode == "01067" and dresden.notes == "Rampe am Eingang"


def test_mapping_without_name_is_refused(ctx, messy_csv):
    run = services.store_upload(filename="a.csv", data=messy_csv, actor=None)
    with pytest.raises(ImportFailed) as error:
        services.preview_import(run=run, mapping={"city": 4})
    assert error.value.field == "name"
    with pytest.raises(ImportFailed) as error:
        services.preview_import(run=run, mapping={"name": 0, "city": 0})
    assert error.value.field == "city"


def test_unfinished_uploads_are_discarded_with_their_files_a_day_later(ctx, messy_csv):
    from datetime import timedelta

    from crm.db import utcnow

    old = services.store_upload(filename="alt.csv", data=messy_csv, actor=None)
    path = services.upload_dir() / old.stored_name
    old.created_at = utcnow() - timedelta(days=2)
    db.session.commit()
    services.store_upload(filename="neu.csv", data=messy_csv, actor=None)
    db.session.commit()
    assert old.status == ImportStatus.DISCARDED and not path.exists()
