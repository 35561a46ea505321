from pathlib import Path

import pytest

from crm.imports.fields import FIELDS_BY_KEY, check_cell, guess_mapping
from crm.imports.reader import ReadError, read_table


def _write(tmp_path: Path, data: bytes, name: str = "f.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_utf8_bom_semicolon_csv_is_read_with_umlauts(tmp_path, messy_csv):
    table = read_table(_write(tmp_path, messy_csv))
    assert table.headers[0] == "Firma"
    assert table.headers[2] == "Straße"
    assert table.rows[1][0] == "Gärtnerei Grün"
    assert table.rows[4][3] == "01067"


def test_windows_1252_csv_is_read_with_umlauts(tmp_path, messy_cp1252):
    table = read_table(_write(tmp_path, messy_cp1252))
    assert table.rows[1][0] == "Gärtnerei Grün"
    assert table.rows[4][8] == "Maria"


def test_quoted_semicolon_stays_inside_the_cell(tmp_path, messy_csv):
    table = read_table(_write(tmp_path, messy_csv))
    assert table.rows[5][2] == "Am Strand 7; Hinterhaus"


def test_comma_separated_csv_is_detected(tmp_path):
    table = read_table(_write(tmp_path, b"Name,PLZ\nFirma A,22761\n"))
    assert table.rows == [["Firma A", "22761"]]


def test_xlsx_is_read_by_content_not_by_name(tmp_path, messy_xlsx):
    table = read_table(_write(tmp_path, messy_xlsx, "list.csv"))
    assert table.headers[0] == "Company"
    assert table.rows[0][1] == 1067


def test_binary_garbage_is_refused_in_german(tmp_path, app):
    with app.test_request_context(), pytest.raises(ReadError) as error:
        read_table(_write(tmp_path, b"\x00\x01\x02binary"))
    assert "CSV" in str(error.value)


def test_broken_xlsx_is_refused(tmp_path, app):
    with app.test_request_context(), pytest.raises(ReadError):
        read_table(_write(tmp_path, b"PK\x03\x04not really a zip"))


def test_headers_only_file_is_refused(tmp_path, app):
    with app.test_request_context(), pytest.raises(ReadError):
        read_table(_write(tmp_path, b"Name;PLZ\r\n"))


def test_mapping_is_guessed_from_german_and_english_headings():
    german = guess_mapping(["Firma", "Straße", "PLZ", "Ort", "E-Mail", "Ansprechpartner", "Vorname", "Letzter Kontakt"])
    assert german == {
        "name": 0,
        "street": 1,
        "postcode": 2,
        "city": 3,
        "email": 4,
        "contact_last_name": 5,
        "contact_first_name": 6,
        "last_contact": 7,
    }
    english = guess_mapping(["Company", "Zip", "City", "Contact person", "First name", "Phone"])
    assert english == {"name": 0, "postcode": 1, "city": 2, "contact_last_name": 3, "contact_first_name": 4, "phone": 5}


@pytest.mark.parametrize(
    ("value", "expected"), [("01067", "01067"), (1067, "01067"), (1067.0, "01067"), (" 22761 ", "22761")]
)
def test_postcode_keeps_or_restores_the_leading_zero(app, value, expected):
    with app.test_request_context():
        assert check_cell(FIELDS_BY_KEY["postcode"], value) == (expected, None)


def test_bad_cells_get_german_reasons(app):
    with app.test_request_context():
        assert "fünfstellige" in check_cell(FIELDS_BY_KEY["postcode"], "22a76")[1]
        assert "E-Mail" in check_cell(FIELDS_BY_KEY["email"], "kein-at-zeichen")[1]
        assert "Datum" in check_cell(FIELDS_BY_KEY["last_contact"], "32.01.2024")[1]
        assert "fehlt" in check_cell(FIELDS_BY_KEY["name"], "  ")[1]


def test_german_date_is_read_as_that_day(app):
    with app.test_request_context():
        value, error = check_cell(FIELDS_BY_KEY["last_contact"], "03.02.2024")
    assert error is None
    assert (value.year, value.month, value.day) == (2024, 2, 3)
