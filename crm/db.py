"""Declarative base, column types and connection settings shared by every domain."""

import enum
import sqlite3
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Enum, MetaData, String, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Store aware datetimes as UTC; SQLite returns naive values, so tag them UTC on the way out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use crm.db.utcnow() or an aware value")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column(enum_cls: type[enum.Enum], name: str | None = None) -> Enum:
    """Store an enum as its value in a VARCHAR with a CHECK constraint (portable, readable)."""
    return Enum(
        enum_cls,
        name=name or enum_cls.__name__.lower(),
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    # An explicit registry, because Flask-SQLAlchemy drops a class-level type_annotation_map
    # (flask-sqlalchemy issue 1361).
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    """Switch every SQLite connection to WAL with foreign keys and a busy timeout."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # SQLite's lower() folds ASCII only ("Öko" stays "Öko"); unicode_lower() below uses Python's rules.
    dbapi_connection.create_function("py_lower", 1, _lower_or_none, deterministic=True)


def _lower_or_none(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


class unicode_lower(FunctionElement):  # noqa: N801  (reads like the SQL function it is)
    """Unicode lower case in SQL on both databases; compare with Python's str.lower() (not casefold: ß stays)."""

    type = String()
    inherit_cache = True


@compiles(unicode_lower)
def _lower_default(element: unicode_lower, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(unicode_lower, "sqlite")
def _lower_sqlite(element: unicode_lower, compiler: Any, **kw: Any) -> str:
    return f"py_lower({compiler.process(element.clauses, **kw)})"


def include_in_migrations(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic filter: full-text search shadow tables are made by raw SQL in migrations, not by the models."""
    return not (type_ == "table" and name is not None and "_fts" in name)
