from sqlalchemy import func, select

from crm.employers.models import Employer
from crm.extensions import db
from crm.imports.models import ImportRun, ImportStatus
from tests.imports.conftest import DATA


def test_cli_import_dry_run_saves_nothing(runner, existing_bakery):
    result = runner.invoke(args=["import", str(DATA / "messy_excel_cp1252.csv"), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "3 neu, 2 mögliche Dubletten, 3 Zeilen mit Fehlern." in result.output
    assert "Zeile 4: „22a76“ ist keine fünfstellige Postleitzahl." in result.output
    assert db.session.scalar(select(func.count()).select_from(Employer)) == 1


def test_cli_import_updates_duplicates_when_asked(runner, existing_bakery, make_user):
    user = make_user("admin")
    result = runner.invoke(
        args=["import", str(DATA / "messy_excel_utf8_bom.csv"), "--duplicates", "update", "--user", user.email]
    )
    assert result.exit_code == 0, result.output
    assert "3 neu, 1 aktualisiert, 1 übersprungen, 3 fehlerhaft." in result.output
    run = db.session.scalar(select(ImportRun))
    assert run.status == ImportStatus.COMMITTED and run.user_id == user.id


def test_cli_import_with_unknown_user_fails(runner):
    result = runner.invoke(args=["import", str(DATA / "messy_excel_utf8_bom.csv"), "--user", "nobody@example.org"])
    assert result.exit_code != 0 and "Keinen Benutzer" in result.output
