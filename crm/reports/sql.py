"""Date bucketing and day differences that compile to the right SQL on SQLite and PostgreSQL.

Months and years are counted in UTC on both databases (SQLite has no time zones), so the same data
gives the same figures everywhere; the period filter uses UTC day boundaries for the same reason.
"""

from typing import Any

from sqlalchemy import Date, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class month_of(FunctionElement):  # noqa: N801  (reads like the SQL function it stands for)
    """'YYYY-MM' of a date or timestamp column."""

    type = String()
    inherit_cache = True
    name = "month_of"


class year_of(FunctionElement):  # noqa: N801
    """'YYYY' of a date or timestamp column."""

    type = String()
    inherit_cache = True
    name = "year_of"


class days_between(FunctionElement):  # noqa: N801
    """Days (fractional) from the first timestamp to the second."""

    inherit_cache = True
    name = "days_between"


def _is_date(element: Any) -> bool:
    return isinstance(getattr(element, "type", None), Date)


def _pg_text(element: Any, compiler: Any, pattern: str, **kw: Any) -> str:
    (column,) = element.clauses
    value = compiler.process(column, **kw)
    if not _is_date(column):
        value = f"({value} AT TIME ZONE 'UTC')"
    return f"to_char({value}, '{pattern}')"


# SQLite stores dates as 'YYYY-MM-DD' and timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC): the prefix is
# the month or year, and cutting it is cheaper than strftime over a few hundred thousand rows.
@compiles(month_of, "sqlite")
def _month_sqlite(element: month_of, compiler: Any, **kw: Any) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 7)"


@compiles(month_of, "postgresql")
def _month_pg(element: month_of, compiler: Any, **kw: Any) -> str:
    return _pg_text(element, compiler, "YYYY-MM", **kw)


@compiles(year_of, "sqlite")
def _year_sqlite(element: year_of, compiler: Any, **kw: Any) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 4)"


@compiles(year_of, "postgresql")
def _year_pg(element: year_of, compiler: Any, **kw: Any) -> str:
    return _pg_text(element, compiler, "YYYY", **kw)


@compiles(days_between, "sqlite")
def _days_sqlite(element: days_between, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    return f"(julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)}))"


@compiles(days_between, "postgresql")
def _days_pg(element: days_between, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    return f"(EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - {compiler.process(start, **kw)})) / 86400.0)"
