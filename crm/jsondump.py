"""The whole database as one JSON file, and back into an empty database.

Generic over `db.metadata`: every table of every domain is included (models added later too), in
foreign-key order, with ids, so relations survive. Derived data is left out and rebuilt: the
search documents (`employer_search`, recomputed from employers, contacts and activities).
"""

import base64
import datetime as dt
import decimal
import enum
import json
from collections.abc import Iterator
from typing import IO, Any

from sqlalchemy import JSON, Date, DateTime, Enum, Integer, LargeBinary, Numeric, Table, Time, func, insert, select
from sqlalchemy.engine import Connection

from crm.db import UTCDateTime
from crm.extensions import db

FORMAT = "inklusiv-crm-json"
VERSION = 1
# Rebuilt after an import instead of copied.
DERIVED_TABLES = frozenset({"employer_search"})
# A database without users and employers counts as empty: `crm init` seeds only catalogues, which the
# import replaces by the exported ones.
CONTENT_TABLES = ("users", "employers")
BATCH = 1000


class DumpError(Exception):
    """The file cannot be loaded; the message is for the operator."""


def dump_tables() -> list[Table]:
    """Tables written to the file, parents before children."""
    return [table for table in db.metadata.sorted_tables if table.name not in DERIVED_TABLES]


def _encode(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def export_json(out: IO[str]) -> dict[str, int]:
    """Write every table to `out` as JSON (streamed row by row); return the row count per table."""
    counts: dict[str, int] = {}
    connection = db.session.connection()
    exported_at = json.dumps(dt.datetime.now(dt.UTC).isoformat())
    out.write(f'{{"format": "{FORMAT}", "version": {VERSION}, "exported_at": {exported_at}, "tables": {{')
    for t_index, table in enumerate(dump_tables()):
        columns = [column.name for column in table.columns]
        out.write(("," if t_index else "") + f"\n{json.dumps(table.name)}: " + "{")
        out.write(f'"columns": {json.dumps(columns)}, "rows": [')
        order = list(table.primary_key.columns) or list(table.columns)
        count = 0
        for row in connection.execute(select(table).order_by(*order)).yield_per(BATCH):
            out.write(("," if count else "") + "\n" + json.dumps([_encode(v) for v in row], ensure_ascii=False))
            count += 1
        out.write("]}")
        counts[table.name] = count
    out.write("\n}}\n")
    return counts


def _decoder(column: Any):
    kind = column.type
    if isinstance(kind, UTCDateTime | DateTime):

        def parse_datetime(value: str) -> dt.datetime:
            parsed = dt.datetime.fromisoformat(value)
            return parsed if parsed.tzinfo or not isinstance(kind, UTCDateTime) else parsed.replace(tzinfo=dt.UTC)

        return parse_datetime
    if isinstance(kind, Date):
        return dt.date.fromisoformat
    if isinstance(kind, Time):
        return dt.time.fromisoformat
    if isinstance(kind, Numeric) and getattr(kind, "asdecimal", False):
        return decimal.Decimal
    if isinstance(kind, LargeBinary):
        return base64.b64decode
    if isinstance(kind, Enum) and kind.enum_class is not None:
        return kind.enum_class
    if isinstance(kind, JSON | Integer):
        return None
    return None


def _rows(table: Table, columns: list[str], rows: list[list[Any]]) -> Iterator[dict[str, Any]]:
    decoders = {name: _decoder(table.c[name]) for name in columns}
    for row in rows:
        yield {
            name: (decoders[name](value) if value is not None and decoders[name] else value)
            for name, value in zip(columns, row, strict=True)
        }


def database_is_empty(connection: Connection) -> bool:
    """True when only seeded catalogues (or nothing) are stored."""
    tables = db.metadata.tables
    return not any(connection.scalar(select(func.count()).select_from(tables[name])) for name in CONTENT_TABLES)


def import_json(source: IO[str]) -> dict[str, int]:
    """Load a file written by export_json into an empty database (same schema); the caller commits."""
    try:
        data = json.load(source)
    except json.JSONDecodeError as error:
        raise DumpError(f"Die Datei ist kein gültiges JSON: {error}") from error
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise DumpError("Die Datei ist kein Inklusiv-CRM-Export (crm export --format json).")
    if data.get("version") != VERSION:
        raise DumpError(f"Unbekannte Export-Version {data.get('version')!r}; erwartet wird {VERSION}.")
    tables = data.get("tables", {})
    known = {table.name: table for table in dump_tables()}
    unknown = sorted(set(tables) - set(known))
    if unknown:
        raise DumpError(f"Unbekannte Tabellen in der Datei: {', '.join(unknown)} (neuere Programmversion?).")
    connection = db.session.connection()
    if not database_is_empty(connection):
        raise DumpError("Die Datenbank ist nicht leer. Der Import ist nur in eine leere Datenbank möglich.")
    for table in reversed(dump_tables()):
        connection.execute(table.delete())
    counts = {}
    for table in dump_tables():
        content = tables.get(table.name)
        if not content:
            continue
        columns = content["columns"]
        missing = [name for name in columns if name not in table.c]
        if missing:
            raise DumpError(f"Spalten {', '.join(missing)} der Tabelle {table.name} gibt es nicht (andere Version?).")
        rows = list(_rows(table, columns, content["rows"]))
        for start in range(0, len(rows), BATCH):
            connection.execute(insert(table), rows[start : start + BATCH])
        counts[table.name] = len(rows)
    _reset_sequences(connection)
    from crm.employers.search import rebuild_search_index

    rebuild_search_index(connection)
    return counts


def _reset_sequences(connection: Connection) -> None:
    """PostgreSQL: move each id sequence past the imported ids (SQLite needs nothing)."""
    if connection.dialect.name != "postgresql":
        return
    for table in dump_tables():
        if "id" in table.c and isinstance(table.c.id.type, Integer) and table.c.id.primary_key:
            next_id = func.coalesce(select(func.max(table.c.id)).scalar_subquery(), 0) + 1
            connection.execute(select(func.setval(func.pg_get_serial_sequence(table.name, "id"), next_id, False)))
