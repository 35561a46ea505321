"""CSV files that German Excel opens correctly, streamed, and safe against formula injection.

German Excel expects `;` between cells (the comma is the decimal separator), reads UTF-8 only with a
byte-order mark, and uses CRLF line ends. A cell that starts with = + - @, a tab or a carriage return
would be run as a formula (CSV injection, OWASP), so text cells like that get a leading apostrophe.
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import chain
from urllib.parse import quote

from flask import Response, stream_with_context
from flask_babel import to_user_timezone

BOM = "\ufeff"
DELIMITER = ";"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Rows per chunk of the streamed response: big enough for few writes, small enough to start at once.
CHUNK_ROWS = 500


def neutralise(value: str) -> str:
    """Prefix text that a spreadsheet would treat as a formula with an apostrophe."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def cell(value: object) -> str:
    """Format one value as German Excel reads it; only text is neutralised (numbers stay numbers).

    Datetimes need an app context with Flask-Babel (for the time zone).
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return str(value).replace(".", ",")
    if isinstance(value, datetime):
        # Aware datetimes are shown in the user's time zone (Europe/Berlin), like on the pages.
        local = to_user_timezone(value) if value.tzinfo is not None else value
        return local.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return neutralise(str(value))


def iter_csv(header: Sequence[object], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """Yield the file in chunks: BOM and header as the first chunk (before any row is read), then the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    buffer.write(BOM)
    writer.writerow([cell(str(title)) for title in header])
    yield buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    pending = 0
    for row in rows:
        writer.writerow([cell(value) for value in row])
        pending += 1
        if pending >= CHUNK_ROWS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue()


def csv_response(
    filename: str,
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    *,
    on_complete: Callable[[int], None] | None = None,
) -> Response:
    """Stream a CSV download; `rows` is consumed lazily inside the request context.

    `on_complete(row_count)` runs after the last row was written (for logging an export).
    """

    def counted() -> Iterator[Sequence[object]]:
        count = 0
        for row in rows:
            count += 1
            yield row
        if on_complete is not None:
            on_complete(count)

    chunks = iter_csv(header, counted())
    head = next(chunks).encode("utf-8")
    # The header chunk is ready now; the rows are read while streaming, inside the preserved request
    # context. A WSGI server may pull the first chunk before the view's context is gone and the rest
    # later (Werkzeug's test client does): only the later part re-enters the context, all of it at once.
    body = chain([head], stream_with_context(chunk.encode("utf-8") for chunk in chunks))
    response = Response(body, mimetype="text/csv")  # text/* gets "; charset=utf-8"
    ascii_name = filename.encode("ascii", "replace").decode("ascii").replace("?", "_").replace('"', "_")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    return response
