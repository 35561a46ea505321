"""XLSX downloads with the same rows as the CSV export (crm.csv_export) and the same formula neutralisation.

openpyxl turns any string that starts with "=" into a formula, and Excel would evaluate text like
"+49 40 …" or "@SUM(…)" once a user edits the cell; so text cells are neutralised exactly like in the
CSV (leading apostrophe) and written with the string type. Datetimes are written in the user's time
zone (Excel has no time zones). The workbook is written in openpyxl's streaming mode.
"""

import io
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote

from flask import Response, has_request_context
from flask_babel import to_user_timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from crm.csv_export import neutralise

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "DD.MM.YYYY"
DATETIME_FORMAT = "DD.MM.YYYY HH:MM"


def _cell(sheet, value: object, *, bold: bool = False) -> WriteOnlyCell:
    if isinstance(value, bool):
        cell = WriteOnlyCell(sheet, value="ja" if value else "nein")
    elif isinstance(value, int | float | Decimal):
        cell = WriteOnlyCell(sheet, value=value)
    elif isinstance(value, datetime):
        local = to_user_timezone(value) if value.tzinfo is not None else value
        cell = WriteOnlyCell(sheet, value=local.replace(tzinfo=None))
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
    elif value is None:
        cell = WriteOnlyCell(sheet, value=None)
    else:
        # Control characters (ESC, form feed …) are not allowed in XML: openpyxl would raise, so drop them.
        text = neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"  # never a formula, whatever the text
    if bold:
        cell.font = Font(bold=True)
    return cell


def write_xlsx(target, header: Sequence[object], rows: Iterable[Sequence[object]], *, title: str = "Export") -> int:
    """Write a one-sheet workbook to `target` (path or binary file); return the number of data rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Export")
    sheet.freeze_panes = "A2"
    sheet.append([_cell(sheet, str(h), bold=True) for h in header])
    count = 0
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
        count += 1
    workbook.save(target)
    return count


def xlsx_response(
    filename: str,
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    *,
    on_complete: Callable[[int], None] | None = None,
    title: str = "Export",
) -> Response:
    """An XLSX download; same arguments as crm.csv_export.csv_response."""
    # XLSX is a zip archive and cannot be streamed row by row; 20,000 employers make about 2 MB.
    buffer = io.BytesIO()
    count = write_xlsx(buffer, header, rows, title=title)
    if on_complete is not None:
        on_complete(count)
    response = Response(buffer.getvalue(), mimetype=XLSX_MIMETYPE)
    ascii_name = filename.encode("ascii", "replace").decode("ascii").replace("?", "_").replace('"', "_")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    return response


def spreadsheet_response(
    fmt: str,
    filename_stem: str,
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    *,
    on_complete: Callable[[int], None] | None = None,
) -> Response:
    """CSV or XLSX by `fmt` ("csv" | "xlsx"), so a list offers both with one view.

    Every download is a security event (who exported what with which filters), committed before the
    first byte, so an export that breaks off is recorded too.
    """
    if has_request_context():
        from crm.extensions import db
        from crm.security_events.services import record_export

        record_export(filename=f"{filename_stem}.{fmt}")
        db.session.commit()
    if fmt == "xlsx":
        return xlsx_response(f"{filename_stem}.xlsx", header, rows, on_complete=on_complete)
    from crm.csv_export import csv_response

    return csv_response(f"{filename_stem}.csv", header, rows, on_complete=on_complete)
