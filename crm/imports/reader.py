"""Read a spreadsheet as German offices produce it: CSV from Excel (any of its encodings) or XLSX.

The result is always a header row and data rows of cell values. CSV cells stay text (so "01067"
keeps its zero); XLSX cells keep their types (numbers, dates) and the validation turns them into text.
"""

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

XLSX_MAGIC = b"PK\x03\x04"


class ReadError(Exception):
    """The file cannot be read as a table; the message is for the user."""


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Any]]


def read_table(path: Path) -> Table:
    """Read the file at `path` (type sniffed from its content, not its name) into a Table."""
    with path.open("rb") as handle:
        start = handle.read(4)
    if start == XLSX_MAGIC:
        return _read_xlsx(path)
    return _read_csv(path.read_bytes())


def decode(data: bytes) -> str:
    """Decode CSV bytes: UTF-8 (with or without BOM), else Windows-1252 as old Excel writes it."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _read_csv(data: bytes) -> Table:
    if b"\x00" in data[:4096]:
        raise ReadError(_("This file is not a CSV or Excel file. Please save the list as CSV or XLSX."))
    text = decode(data).replace("\x00", "")
    sample = text[:20000]
    first_line = sample.split("\n", 1)[0]
    # German Excel writes ";", other programs ","; a tab appears when a list is copied out of Excel.
    delimiter = max((";", ",", "\t"), key=first_line.count)
    rows = [
        row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if any(c.strip() for c in row)
    ]
    return _table(rows)


def _read_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook

    # A file object, so openpyxl does not judge the file by its (user-chosen) name.
    with path.open("rb") as handle:
        try:
            workbook = load_workbook(handle, read_only=True, data_only=True)
            sheet = workbook.worksheets[0]
            rows = [list(row) for row in sheet.iter_rows(values_only=True) if _has_value(row)]
            workbook.close()
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError, TypeError) as error:
            raise ReadError(_("This Excel file cannot be opened. Please save it again as XLSX or CSV.")) from error
    return _table(rows)


def _has_value(row: tuple) -> bool:
    return any(value is not None and str(value).strip() for value in row)


def _table(rows: list[list[Any]]) -> Table:
    if not rows:
        raise ReadError(_("The file is empty."))
    headers = [str(value).strip() if value is not None else "" for value in rows[0]]
    if not any(headers):
        raise ReadError(_("The first row must contain the column headings."))
    width = len(headers)
    body = [(row + [None] * width)[:width] for row in rows[1:]]
    if not body:
        raise ReadError(_("The file contains column headings but no rows."))
    return Table(headers=headers, rows=body)


def iter_records(table: Table, mapping: dict[str, int]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number in the file, {field: raw value}) using a {field: column index} mapping."""
    for offset, row in enumerate(table.rows):
        yield offset + 2, {name: row[index] for name, index in mapping.items() if index < len(row)}
