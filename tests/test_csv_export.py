"""The shared CSV writer: German Excel format and formula neutralisation."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from crm.csv_export import cell, iter_csv, neutralise


@pytest.mark.parametrize("text", ["=1+1", "+49", "-1", "@A1", "\tx", "\rx"])
def test_formula_starts_get_an_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Bäckerei", "", " =1", "a=b", "'quoted", "1,5"])
def test_ordinary_text_is_unchanged(text):
    assert neutralise(text) == text


def test_values_are_formatted_the_german_way(app):
    assert cell(None) == ""
    assert cell(True) == "ja" and cell(False) == "nein"
    assert cell(-3) == "-3"  # numbers are numbers, not formulas
    assert cell(1.5) == "1,5" and cell(Decimal("1099.98")) == "1099,98"
    assert cell(date(2026, 3, 5)) == "05.03.2026"
    with app.test_request_context():
        assert cell(datetime(2026, 3, 5, 16, 12, tzinfo=UTC)) == "05.03.2026 17:12"
        assert cell(datetime(2026, 7, 5, 16, 12, tzinfo=UTC)) == "05.07.2026 18:12"


def test_file_starts_with_a_bom_uses_semicolons_and_crlf():
    text = "".join(iter_csv(["Name", "Ort"], [["A; B", "Hamburg"], ['Sag "Hallo"', "Kiel\nNord"]]))
    assert text.startswith("\ufeffName;Ort\r\n")
    assert '"A; B";Hamburg\r\n' in text
    assert '"Sag ""Hallo""";"Kiel\nNord"\r\n' in text


def test_header_comes_as_its_own_first_chunk_before_any_row_is_read():
    def rows():
        raise AssertionError("rows read too early")
        yield []

    chunks = iter_csv(["Name"], rows())
    assert next(chunks) == "\ufeffName\r\n"


def test_rows_are_written_in_chunks():
    chunks = list(iter_csv(["N"], ([str(i)] for i in range(1200))))
    assert len(chunks) == 4  # header, 500, 500, 200
    assert "".join(chunks).count("\r\n") == 1201
