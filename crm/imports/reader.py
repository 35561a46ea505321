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

from flask_babel import format_decimal
from flask_babel import gettext as _

XLSX_MAGIC = b"PK\x03\x04"
# Bounds against hostile files; no real list comes near them. A few KB of XLSX can claim a cell in row 1,048,576
# and column 16,384 (openpyxl would then walk every empty cell in between), and a small zip can unpack to gigabytes.
MAX_ROWS = 50_000
MAX_COLUMNS = 100


class ReadError(Exception):
    """The file cannot be read as a table; the message is for the user."""


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Any]]


def read_table(path: Path, *, max_unpacked_bytes: int | None = None) -> Table:
    """Read the file at `path` (type sniffed from its content, not its name) into a Table.

    An XLSX whose parts would unpack to more than `max_unpacked_bytes` is refused before it is opened.
    """
    with path.open("rb") as handle:
        start = handle.read(4)
    if start == XLSX_MAGIC:
        return _read_xlsx(path, max_unpacked_bytes=max_unpacked_bytes)
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
    # A web page (or XML, SVG) renamed to .csv: no list starts with "<", and its "cells" would be markup.
    if text.lstrip("\ufeff \t\r\n").startswith("<"):
        raise ReadError(_("This file is a web page or XML, not a list. Please save the list as CSV or XLSX."))
    sample = text[:20000]
    first_line = sample.split("\n", 1)[0]
    # German Excel writes ";", other programs ","; a tab appears when a list is copied out of Excel.
    delimiter = max((";", ",", "\t"), key=first_line.count)
    rows = []
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        if any(c.strip() for c in row):
            rows.append(row)
            _check_row_count(len(rows))
    return _table(rows)


def _check_row_count(count: int) -> None:
    """Refuse more than MAX_ROWS data rows (one more row for the headings)."""
    if count > MAX_ROWS + 1:
        raise ReadError(
            _(
                "The file has more than %(max)s rows. Please split it into several files.",
                max=format_decimal(MAX_ROWS),
            )
        )


def _check_unpacked_size(path: Path, limit: int | None) -> None:
    """Refuse a zip bomb: the sizes the archive declares bound what reading it can unpack (zipfile stops there)."""
    if limit is None:
        return
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ReadError(_("This Excel file cannot be opened. Please save it again as XLSX or CSV.")) from error
    if unpacked > limit:
        raise ReadError(
            _("This Excel file unpacks to more than %(max)s MB. Please save the list as CSV.", max=limit // 2**20)
        )


def _read_xlsx(path: Path, *, max_unpacked_bytes: int | None) -> Table:
    from openpyxl import load_workbook

    _check_unpacked_size(path, max_unpacked_bytes)
    # A file object, so openpyxl does not judge the file by its (user-chosen) name.
    with path.open("rb") as handle:
        try:
            workbook = load_workbook(handle, read_only=True, data_only=True)
            sheet = workbook.worksheets[0]
            # The width the sheet declares (its <dimension>), None without one.
            declared = sheet.max_column
            columns = min(declared or MAX_COLUMNS + 1, MAX_COLUMNS + 1)
            rows, seen = [], 0
            # Bounded: a far-away cell (or the sheet's claimed dimension) makes openpyxl yield and pad every row up
            # to it. Reaching the bound means the sheet reaches beyond MAX_ROWS rows: refused, never cut short.
            for row in sheet.iter_rows(max_row=MAX_ROWS + 2, max_col=columns, values_only=True):
                seen += 1
                if _has_value(row):
                    rows.append(list(row))
            workbook.close()
            _check_row_count(seen)
            if declared is None:
                rows = _without_padding(rows)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError, TypeError) as error:
            raise ReadError(_("This Excel file cannot be opened. Please save it again as XLSX or CSV.")) from error
    return _table(rows)


def _without_padding(rows: list[list[Any]]) -> list[list[Any]]:
    """Cut the empty columns that the bounded read added on the right of a sheet without a declared width."""
    width = max((max((i + 1 for i, v in enumerate(row) if v is not None), default=0) for row in rows), default=0)
    return [row[:width] for row in rows]


def _has_value(row: tuple) -> bool:
    return any(value is not None and str(value).strip() for value in row)


def _table(rows: list[list[Any]]) -> Table:
    if not rows:
        raise ReadError(_("The file is empty."))
    headers = [str(value).strip() if value is not None else "" for value in rows[0]]
    if not any(headers):
        raise ReadError(_("The first row must contain the column headings."))
    while len(headers) > MAX_COLUMNS and not headers[-1]:
        headers.pop()  # Excel sometimes saves many empty columns after the last heading
    if len(headers) > MAX_COLUMNS:
        raise ReadError(
            _("The file has more than %(max)s columns. Please keep only the columns to import.", max=MAX_COLUMNS)
        )
    width = len(headers)
    body = [(row + [None] * width)[:width] for row in rows[1:]]
    if not body:
        raise ReadError(_("The file contains column headings but no rows."))
    return Table(headers=headers, rows=body)


def iter_records(table: Table, mapping: dict[str, int]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number in the file, {field: raw value}) using a {field: column index} mapping."""
    for offset, row in enumerate(table.rows):
        yield offset + 2, {name: row[index] for name, index in mapping.items() if index < len(row)}
