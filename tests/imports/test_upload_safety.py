"""Hostile uploads: web pages renamed .csv, huge files, zip bombs and sheets that claim a million rows."""

import html
import io
import re
import time
import zipfile

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.imports.models import ImportRun, ImportStatus
from crm.imports.reader import MAX_COLUMNS, MAX_ROWS
from crm.imports.services import upload_dir
from tests.helpers import form_token
from tests.imports.conftest import make_xlsx


def _upload(client, data: bytes, name: str = "liste.csv"):
    token = form_token(client, "/import/")
    return client.post(
        "/import/",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _stored_files(app) -> set[str]:
    with app.app_context():
        return {path.name for path in upload_dir().iterdir()}


def _nothing_kept(app, files_before: set[str]) -> bool:
    """No import run in the database and no new file in the upload folder."""
    with app.app_context():
        runs = db.session.scalar(select(func.count()).select_from(ImportRun))
    return runs == 0 and _stored_files(app) == files_before


def _field_error(response) -> str:
    """The message shown at the file field (the form macro's error element, linked by aria-describedby)."""
    page = response.get_data(as_text=True)
    found = re.search(r'<div id="file-error"[^>]*>(.*?)</div>', page, re.S)
    assert found, page[:3000]
    assert re.search(r'aria-describedby="[^"]*\bfile-error\b', page)
    return html.unescape(found.group(1))


@pytest.mark.parametrize(
    "content",
    [
        b"<!DOCTYPE html>\n<html><body><script>alert(1)</script>\n<p>Firma;Ort</p></body></html>\n",
        b"\xef\xbb\xbf  \r\n<html>\nFirma;Ort\nA;B\n</html>",
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>\nA;B\n',
    ],
    ids=["html", "html-with-bom", "svg"],
)
def test_a_web_page_renamed_csv_is_refused_and_not_kept(app, login_as, content):
    before = _stored_files(app)
    response = _upload(login_as("acquisition"), content, "liste.csv")
    assert response.status_code == 422
    assert "Diese Datei ist eine Webseite oder XML, keine Liste." in _field_error(response)
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    assert _nothing_kept(app, before)


def test_a_file_over_the_request_limit_gets_the_upload_page_with_a_message(app, login_as, monkeypatch):
    # Below the test client's 500 KB spooling threshold (a spooled body would stay open when the server stops
    # reading it); the message names the smaller of the request limit and IMPORT_MAX_BYTES.
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 200 * 1024)
    client = login_as("acquisition")
    before = _stored_files(app)
    response = _upload(client, b"Firma;Ort\r\n" + "Bäckerei;Hamburg\r\n".encode() * 20_000)
    assert response.status_code == 413
    assert _field_error(response) == "Die Datei ist zu groß. Erlaubt sind höchstens 0,2 MB."
    assert _nothing_kept(app, before)


def test_a_coach_sending_a_too_large_file_gets_403_not_the_import_page(app, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 200 * 1024)
    client = login_as("coach")
    token = form_token(client, "/")
    response = client.post(
        "/import/",
        data={"csrf_token": token, "file": (io.BytesIO(b"x" * 300_000), "liste.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert 'id="file-error"' not in response.get_data(as_text=True)


def _zip_bomb(unpacked_mb: int) -> bytes:
    """A valid XLSX whose worksheet is padded with `unpacked_mb` MB of blanks (XML allows them between tags)."""
    source = zipfile.ZipFile(io.BytesIO(make_xlsx([["Firma", "Ort"], ["Bäckerei Müller", "Hamburg"]])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(info.filename, data)
                continue
            head, tail = data.split(b"<sheetData>", 1)
            with bomb.open(info.filename, "w", force_zip64=True) as member:
                member.write(head + b"<sheetData>")
                for _ in range(unpacked_mb):
                    member.write(b" " * 2**20)
                member.write(tail)
    return buffer.getvalue()


def test_an_xlsx_zip_bomb_is_refused_before_it_is_unpacked(app, login_as):
    bomb = _zip_bomb(unpacked_mb=120)  # the default limits: 10 MB upload, 100 MB unpacked
    assert len(bomb) < 1024 * 1024
    started = time.monotonic()
    before = _stored_files(app)
    response = _upload(login_as("acquisition"), bomb, "liste.xlsx")
    assert time.monotonic() - started < 5
    assert response.status_code == 422
    assert "Diese Excel-Datei wird entpackt größer als 100 MB." in _field_error(response)
    assert _nothing_kept(app, before)


def test_a_slightly_padded_xlsx_below_the_unpacked_limit_is_still_read(app, login_as):
    response = _upload(login_as("acquisition"), _zip_bomb(unpacked_mb=2), "liste.xlsx")
    assert response.status_code == 302


def test_an_xlsx_claiming_a_million_rows_and_all_columns_is_refused_quickly(app, login_as):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Firma", "Ort"])
    sheet.append(["Bäckerei Müller", "Hamburg"])
    sheet.cell(row=1_048_576, column=16_384, value="x")  # the last cell of a sheet: a 5 KB file
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert len(buffer.getvalue()) < 10_000
    started = time.monotonic()
    before = _stored_files(app)
    response = _upload(login_as("acquisition"), buffer.getvalue(), "liste.xlsx")
    assert time.monotonic() - started < 10
    assert response.status_code == 422
    assert "Die Datei hat mehr als 50.000 Zeilen." in _field_error(response)
    assert _nothing_kept(app, before)


def test_a_csv_with_too_many_rows_or_columns_is_refused(app, login_as):
    client = login_as("acquisition")
    before = _stored_files(app)
    rows = _upload(client, b"Firma\r\n" + b"x\r\n" * (MAX_ROWS + 1))
    assert rows.status_code == 422
    assert "Die Datei hat mehr als 50.000 Zeilen." in _field_error(rows)
    wide = ";".join(f"Spalte {n}" for n in range(MAX_COLUMNS + 1)).encode()
    columns = _upload(client, wide + b"\r\n" + b"a;" * MAX_COLUMNS + b"a\r\n")
    assert columns.status_code == 422
    assert f"Die Datei hat mehr als {MAX_COLUMNS} Spalten." in _field_error(columns)
    assert _nothing_kept(app, before)


def test_the_file_name_is_shown_escaped_on_every_import_page(app, login_as):
    client = login_as("admin")
    name = "<img src=x onerror=alert(1)>.csv"
    response = _upload(client, b"Firma;Ort\r\nB\xc3\xa4ckerei;Hamburg\r\n", name)
    assert response.status_code == 302
    with app.app_context():
        run = db.session.scalar(select(ImportRun))
        assert run.filename == name
        run_id = run.id
    pages = [client.get(f"/import/{run_id}/map")]
    with app.app_context():
        db.session.get(ImportRun, run_id).status = ImportStatus.COMMITTED  # listed on the import page from now on
        db.session.commit()
    pages += [client.get("/import/"), client.get(f"/import/{run_id}")]
    for page in pages:
        text = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "<img src=x onerror=alert(1)>" not in text, page.request.path
        assert "&lt;img src=x onerror=alert(1)&gt;.csv" in text, page.request.path
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        assert page.mimetype == "text/html"


def test_an_xlsx_with_xml_entities_is_refused(app, login_as):
    """Billion laughs: defusedxml (a dependency for this) makes openpyxl refuse any entity declaration."""
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(f'<!ENTITY lol{n} "{("&lol" + str(n - 1 or "") + ";") * 10}">'.encode() for n in range(1, 9))
        + b"]>"
    )
    source = zipfile.ZipFile(io.BytesIO(make_xlsx([["Firma"], ["Bäckerei Müller"]])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as hostile:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = laughs + data.split(b"?>", 1)[-1] if data.startswith(b"<?xml") else laughs + data
            hostile.writestr(info.filename, data)
    before = _stored_files(app)
    started = time.monotonic()
    response = _upload(login_as("acquisition"), buffer.getvalue(), "liste.xlsx")
    assert time.monotonic() - started < 5
    assert response.status_code == 422
    assert "Diese Excel-Datei lässt sich nicht öffnen." in _field_error(response)
    assert _nothing_kept(app, before)


def test_imported_markup_comes_back_only_as_a_download_never_as_a_page(app, login_as):
    """What an import brings in leaves the system only as an attachment of its own type, never sniffed as HTML."""
    from crm.contacts.services import create_contact
    from crm.employers.services import EmployerInput, create_employer

    employer = create_employer(data=EmployerInput(name="<script>alert(1)</script>", postcode="22761"))
    create_contact(employer=employer, last_name="<b>Schäfer</b>")
    db.session.commit()
    client = login_as("acquisition")
    for fmt, mimetype in (
        ("csv", "text/csv"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ):
        response = client.get(f"/import/export/contacts.{fmt}")
        assert response.status_code == 200
        assert response.mimetype == mimetype
        assert response.headers["Content-Disposition"].startswith("attachment; ")
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_control_characters_in_the_file_name_are_not_stored(app, login_as):
    """Found by tests/test_fuzz_forms.py: a NUL in the name was stored (and is refused by PostgreSQL)."""
    client = login_as("acquisition")

    response = _upload(client, "Firma;Ort\nBäckerei Müller;Hamburg\n".encode(), name="Kunden\x00liste\x1b.csv")

    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(ImportRun.filename)) == "Kundenliste.csv"
