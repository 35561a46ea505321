"""CSV export of the employer list: exactly the filtered rows, German Excel format, every role."""

import csv
import io
import logging
from datetime import timedelta

import pytest

from crm.auth.models import Role
from crm.db import utcnow
from crm.employers.models import EmployerSource, Tag
from crm.extensions import db
from tests.employers.test_list import bulk_employers
from tests.employers.test_search import add_employer

ALL_ROLES = [Role.ADMIN, Role.ACQUISITION, Role.COACH, Role.VIEWER]


def download(client, url: str):
    # buffered: read the streamed body inside the request, as a WSGI server would.
    response = client.get(url, buffered=True)
    assert response.status_code == 200, response.status_code
    return response


def parse(response) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark for Excel"
    text = raw.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_may_export(login_as, role):
    add_employer("Bäckerei Müller")
    db.session.commit()
    rows = parse(download(login_as(role), "/employers/export.csv"))
    assert [row[1] for row in rows[1:]] == ["Bäckerei Müller"]


def test_export_is_a_german_excel_csv_download(login_as):
    add_employer("Bäckerei Müller; Söhne", district="Ottensen")
    db.session.commit()
    response = download(login_as(Role.VIEWER), "/employers/export.csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="arbeitgeber-') and ".csv" in disposition
    raw = response.get_data()
    assert b"\r\n" in raw and raw.count(b"\n") == raw.count(b"\r\n")
    rows = parse(response)
    assert rows[0][:5] == ["ID", "Name", "Rechtsform", "Akquisestatus", "Branche"]
    assert "Letzter Kontakt" in rows[0] and "Nächste Wiedervorlage" in rows[0] and "Zuständig" in rows[0]
    assert rows[1][1] == "Bäckerei Müller; Söhne"  # the separator inside a cell is quoted


def test_export_contains_all_filtered_rows_of_every_page(login_as):
    bulk_employers(60, district="Altona")
    bulk_employers(7, prefix="Andere", district="Harburg")
    rows = parse(download(login_as(Role.VIEWER), "/employers/export.csv?district=Altona&page=2"))
    assert len(rows) == 61
    assert {row[8] for row in rows[1:]} == {"Altona"}


def test_export_follows_search_sort_and_archive_rules(login_as):
    add_employer("Bäckerei Beta", last_contact_at=utcnow() - timedelta(days=2))
    add_employer("Bäckerei Alpha", last_contact_at=utcnow() - timedelta(days=40))
    add_employer("Bäckerei Archiv", archived_at=utcnow())
    add_employer("Gärtnerei Gamma")
    db.session.commit()
    rows = parse(
        download(login_as(Role.VIEWER), "/employers/export.csv?q=bäckerei&sort=last_contact&dir=desc&archived=y")
    )
    assert [row[1] for row in rows[1:]] == ["Bäckerei Beta", "Bäckerei Alpha"]
    admin_rows = parse(download(login_as(Role.ADMIN), "/employers/export.csv?q=bäckerei&archived=y"))
    assert [row[1] for row in admin_rows[1:]] == ["Bäckerei Alpha", "Bäckerei Archiv", "Bäckerei Beta"]


def test_export_formats_values_for_german_readers(login_as):
    client = login_as(Role.ACQUISITION)
    employer = add_employer(
        "Firma", stage="talks", source=EmployerSource.DUODAY, owner_id=client.user.id, phone="040 123456"
    )
    employer.tags.extend([Tag(name="Süd"), Tag(name="Gastro")])
    employer.last_contact_at = utcnow().replace(year=2026, month=3, day=5, hour=16, minute=12)
    db.session.commit()
    rows = parse(download(client, "/employers/export.csv"))
    header, row = rows[0], rows[1]
    record = dict(zip(header, row, strict=True))
    assert record["Akquisestatus"] == "Im Gespräch"
    assert record["Quelle"] == "DuoDay"
    assert record["Zuständig"] == client.user.name
    assert record["Letzter Kontakt"] == "05.03.2026 17:12"  # Berlin time
    assert sorted(record["Schlagwörter"].split(", ")) == ["Gastro", "Süd"]
    assert record["Telefon"] == "040 123456"


@pytest.mark.parametrize("dangerous", ['=HYPERLINK("http://x")', "+49 40 1234", "-2+3", "@SUM(A1)", "\tTab", "\rCR"])
def test_cells_that_spreadsheets_would_run_as_formulas_are_neutralised(login_as, dangerous):
    add_employer(dangerous)
    db.session.commit()
    rows = parse(download(login_as(Role.VIEWER), "/employers/export.csv"))
    assert rows[1][1] == "'" + dangerous


def test_export_is_streamed_and_logged(login_as, caplog):
    bulk_employers(3)
    client = login_as(Role.VIEWER)
    with caplog.at_level(logging.INFO, logger="crm"):
        response = client.get("/employers/export.csv?district=", buffered=False)
        assert response.is_streamed
        response.get_data()
    messages = [record.getMessage() for record in caplog.records if "CSV export" in record.getMessage()]
    assert messages and f"user {client.user.id}" in messages[0] and "exported 3 rows" in messages[0]


def test_export_with_a_bad_filter_leaves_that_filter_out(login_as):
    bulk_employers(2)
    rows = parse(download(login_as(Role.VIEWER), "/employers/export.csv?no_contact_days=abc"))
    assert len(rows) == 3


def test_list_links_to_the_export_with_its_filters(login_as):
    add_employer("Firma")
    db.session.commit()
    html = login_as(Role.VIEWER).get("/employers?q=firma&page=2&stage=talks").get_data(as_text=True)
    assert 'href="/employers/export.csv?q=firma&amp;stage=talks"' in html
