"""Fixtures for import tests: the messy sample files, an XLSX made with openpyxl, an existing employer."""

import io
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from crm.employers.services import EmployerInput, create_employer
from crm.extensions import db

DATA = Path(__file__).parent.parent / "data"


@pytest.fixture
def messy_csv() -> bytes:
    return (DATA / "messy_excel_utf8_bom.csv").read_bytes()


@pytest.fixture
def messy_cp1252() -> bytes:
    return (DATA / "messy_excel_cp1252.csv").read_bytes()


@pytest.fixture
def existing_bakery():
    """The employer the first sample row duplicates."""
    employer = create_employer(data=EmployerInput(name="Bäckerei Müller GmbH", postcode="22767", city="Hamburg"))
    db.session.commit()
    return employer


def make_xlsx(rows: list[list[object]]) -> bytes:
    """An Excel file as an office would have it: numbers as numbers, dates as dates."""
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def messy_xlsx() -> bytes:
    return make_xlsx(
        [
            ["Company", "Zip", "City", "Contact person", "First name", "E-Mail", "Last contact", "Notes"],
            [
                "Dresdner Werkstatt Service",
                1067,
                "Dresden",
                "Weiß",
                "Maria",
                None,
                datetime(2023, 9, 1),
                "Rampe am Eingang",
            ],
            ["Tischlerei Holz & Co. KG", "22761", "Hamburg", "Kraft", None, "k@tischlerei.de", "05.03.2024", None],
            [None, "22761", "Hamburg", None, None, None, None, None],
        ]
    )
