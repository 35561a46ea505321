import io
import re

import pytest
from sqlalchemy import func, select

from crm.employers.models import Employer
from crm.extensions import db
from crm.imports.models import ImportRun, ImportStatus
from tests.helpers import csrf_token_from, form_token


def _upload(client, data: bytes, name: str = "liste.csv"):
    token = form_token(client, "/import/")
    return client.post(
        "/import/",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _employers() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Employer))


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("acquisition", 200), ("coach", 403), ("viewer", 403)])
def test_import_page_is_for_editors(login_as, role, status):
    assert login_as(role).get("/import/").status_code == status


@pytest.mark.parametrize("role", ["coach", "viewer"])
def test_other_roles_cannot_reach_any_import_step(login_as, role, messy_csv):
    editor = login_as("acquisition")
    run_url = _upload(editor, messy_csv).headers["Location"]
    run_id = int(re.search(r"/import/(\d+)/", run_url).group(1))
    client = login_as(role)
    for url in (f"/import/{run_id}/map", f"/import/{run_id}/preview", f"/import/{run_id}"):
        assert client.get(url).status_code == 403
    token = form_token(client, "/profile")
    for url in (
        f"/import/{run_id}/map",
        f"/import/{run_id}/commit",
        f"/import/{run_id}/discard",
        f"/import/{run_id}/undo",
    ):
        assert client.post(url, data={"csrf_token": token}).status_code == 403


def test_whole_flow_upload_map_preview_decide_commit(login_as, existing_bakery, messy_csv):
    client = login_as("acquisition")
    response = _upload(client, messy_csv)
    assert response.status_code == 302
    mapping_url = response.headers["Location"]
    page = client.get(mapping_url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Spalten wählen" in html and "Firma" in html
    # The guessed mapping is preselected: name ← column 0 "Firma".
    assert re.search(r'<option selected value="0">Firma', html) or 'value="0" selected' in html
    form = {
        "csrf_token": csrf_token_from(html),
        "name": "0",
        "street": "2",
        "postcode": "3",
        "city": "4",
        "phone": "5",
        "email": "6",
        "contact_salutation": "7",
        "contact_first_name": "8",
        "contact_last_name": "9",
        "last_contact": "10",
        "notes": "11",
    }
    response = client.post(mapping_url, data=form)
    assert response.status_code == 302
    preview = client.get(response.headers["Location"])
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Mögliche Dubletten" in html and "Bäckerei Müller GmbH" in html
    assert "„22a76“ ist keine fünfstellige Postleitzahl." in html
    assert "Name des Arbeitgebers fehlt." in html
    assert "Zeile 7 dieser Datei" in html
    run = db.session.scalar(select(ImportRun))
    response = client.post(
        f"/import/{run.id}/commit",
        data={"csrf_token": csrf_token_from(html), "decision-2": "update", "decision-8": "skip"},
    )
    assert response.status_code == 302
    result = client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "Import abgeschlossen: 3 neu, 1 aktualisiert, 1 übersprungen, 3 Zeilen mit Fehlern." in result
    assert _employers() == 4
    # Not an admin: no undo button.
    assert "Import rückgängig machen" not in result


def test_admin_undoes_an_import(login_as, messy_csv):
    client = login_as("admin")
    mapping_url = _upload(client, messy_csv).headers["Location"]
    html = client.get(mapping_url).get_data(as_text=True)
    client.post(mapping_url, data={"csrf_token": csrf_token_from(html), "name": "0", "postcode": "3", "city": "4"})
    run = db.session.scalar(select(ImportRun))
    html = client.get(f"/import/{run.id}/preview").get_data(as_text=True)
    client.post(f"/import/{run.id}/commit", data={"csrf_token": csrf_token_from(html)})
    # Only name, postcode and city are mapped: the rows with a bad e-mail or date are fine now.
    assert _employers() == 5
    page = client.get(f"/import/{run.id}").get_data(as_text=True)
    assert "Import rückgängig machen" in page
    response = client.post(f"/import/{run.id}/undo", data={"csrf_token": csrf_token_from(page)}, follow_redirects=True)
    assert "Der Import wurde rückgängig gemacht; 5 Arbeitgeber wurden entfernt." in response.get_data(as_text=True)
    assert _employers() == 0


def test_acquisition_may_not_undo(login_as, messy_csv):
    client = login_as("acquisition")
    _upload(client, messy_csv)
    run = db.session.scalar(select(ImportRun))
    token = form_token(client, "/import/")
    assert client.post(f"/import/{run.id}/undo", data={"csrf_token": token}).status_code == 403


def test_upload_without_file_shows_message_at_the_field(login_as):
    client = login_as("acquisition")
    token = form_token(client, "/import/")
    response = client.post("/import/", data={"csrf_token": token}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Bitte wählen Sie eine Datei." in response.get_data(as_text=True)


def test_wrong_file_type_is_refused(login_as):
    response = _upload(login_as("acquisition"), b"MZ\x90\x00", "tool.exe")
    assert response.status_code == 422
    assert "Bitte wählen Sie eine CSV- oder Excel-Datei" in response.get_data(as_text=True)


def test_too_large_file_is_refused_with_clear_message(app, login_as, monkeypatch):
    # Below werkzeug's 500 KB spooling threshold, so the test client keeps the body in memory.
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 300 * 1024)
    response = _upload(login_as("acquisition"), b"Name\r\n" + b"x" * (400 * 1024))
    assert response.status_code == 422
    assert "Die Datei ist zu groß (0,4 MB). Erlaubt sind höchstens 0,3 MB." in response.get_data(as_text=True)


def test_upload_without_csrf_is_rejected(login_as, messy_csv):
    client = login_as("acquisition")
    response = client.post(
        "/import/", data={"file": (io.BytesIO(messy_csv), "a.csv")}, content_type="multipart/form-data"
    )
    assert response.status_code == 400


def test_commit_without_csrf_is_rejected(login_as, messy_csv):
    client = login_as("acquisition")
    _upload(client, messy_csv)
    run = db.session.scalar(select(ImportRun))
    assert client.post(f"/import/{run.id}/commit", data={}).status_code == 400


def test_mapping_without_name_column_keeps_choices_and_says_why(login_as, messy_csv):
    client = login_as("acquisition")
    mapping_url = _upload(client, messy_csv).headers["Location"]
    token = form_token(client, mapping_url)
    response = client.post(mapping_url, data={"csrf_token": token, "name": "", "city": "4", "postcode": "4"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Bitte wählen Sie die Spalte mit dem Namen des Arbeitgebers." in html
    assert re.search(r'<option selected value="4">', html)


def test_mapping_with_unknown_column_is_rejected_at_the_field(login_as, messy_csv):
    client = login_as("acquisition")
    mapping_url = _upload(client, messy_csv).headers["Location"]
    token = form_token(client, mapping_url)
    response = client.post(mapping_url, data={"csrf_token": token, "name": "99"})
    assert response.status_code == 422


def test_discard_removes_the_file(app, login_as, messy_csv):
    client = login_as("acquisition")
    _upload(client, messy_csv)
    run = db.session.scalar(select(ImportRun))
    from pathlib import Path

    stored = Path(app.instance_path) / "imports" / run.stored_name
    assert stored.is_file()
    token = form_token(client, "/import/")
    assert client.post(f"/import/{run.id}/discard", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert not stored.exists() and db.session.get(ImportRun, run.id).status == ImportStatus.DISCARDED


def test_unknown_import_is_404(login_as):
    assert login_as("admin").get("/import/999").status_code == 404


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("acquisition", 200), ("coach", 403), ("viewer", 403)])
def test_contact_export_in_both_formats_neutralises_formulas(login_as, role, status):
    from crm.contacts.services import create_contact
    from crm.employers.services import EmployerInput, create_employer

    employer = create_employer(data=EmployerInput(name="=HYPERLINK(1)", postcode="22761"))
    create_contact(employer=employer, last_name="@Schäfer", function="-Chefin")
    db.session.commit()
    client = login_as(role)
    csv_response = client.get("/import/export/contacts.csv")
    assert csv_response.status_code == status
    if status != 200:
        return
    text = csv_response.get_data().decode("utf-8")
    assert text.startswith("\ufeffArbeitgeber;") and "'=HYPERLINK(1);22761" in text and "'@Schäfer" in text
    xlsx = client.get("/import/export/contacts.xlsx")
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(xlsx.get_data())).worksheets[0].iter_rows(values_only=True))
    assert rows[1][0] == "'=HYPERLINK(1)" and rows[1][6] == "'@Schäfer" and rows[1][7] == "'-Chefin"
