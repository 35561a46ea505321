"""JSON shape and OpenAPI schema of follow-ups and job postings, read from their table columns.

Their JSON shape and OpenAPI schema both come from the table, so a column added by the owning
domain appears in the API and in the document together (schemathesis keeps them in step).
"""

import datetime as dt
import decimal
import enum
import importlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Date, DateTime, Enum, Integer, Numeric, Table


@dataclass(frozen=True)
class ReadResource:
    path: str  # URL segment, e.g. "followups"
    module: str
    model: str
    filters: tuple[str, ...]  # column names usable as ?name=value
    order: tuple[str, ...]  # columns to sort by (descending for dates: newest first is not wanted here)

    def load(self) -> Any | None:
        try:
            return getattr(importlib.import_module(self.module), self.model)
        except (ImportError, AttributeError):  # the owning domain has not landed yet
            return None


READ_RESOURCES = (
    ReadResource(
        "followups", "crm.followups.models", "FollowUp", ("employer_id", "status", "assigned_to_id"), ("due_date", "id")
    ),
    ReadResource("postings", "crm.postings.models", "JobPosting", ("employer_id", "status"), ("id",)),
)


def available_resources() -> list[tuple[ReadResource, Any]]:
    return [(resource, model) for resource in READ_RESOURCES if (model := resource.load()) is not None]


def column_schema(column: Column) -> dict[str, Any]:
    kind = column.type
    if isinstance(kind, Boolean):
        schema: dict[str, Any] = {"type": "boolean"}
    elif isinstance(kind, Integer):
        schema = {"type": "integer"}
    elif isinstance(kind, Numeric):
        schema = {"type": "number"}
    elif isinstance(kind, DateTime) or getattr(kind, "impl", None).__class__ is DateTime:
        schema = {"type": "string", "format": "date-time"}
    elif isinstance(kind, Date):
        schema = {"type": "string", "format": "date"}
    elif isinstance(kind, JSON):
        schema = {}
    elif isinstance(kind, Enum):
        schema = {"type": "string", "enum": list(kind.enums)}
    else:
        schema = {"type": "string"}
    if column.nullable and schema:
        schema["nullable"] = True
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
    return schema


def table_schema(table: Table) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {column.name: column_schema(column) for column in table.columns},
        "required": [column.name for column in table.columns],
        "additionalProperties": False,
    }


def _value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def row_json(obj: Any) -> dict[str, Any]:
    return {column.key: _value(getattr(obj, column.key)) for column in obj.__table__.columns}
