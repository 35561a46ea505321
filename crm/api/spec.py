"""The OpenAPI 3.0 document of /api/v1, written by hand next to the code it describes.

tests/api/test_schemathesis.py runs schemathesis against it (generated requests, every response
checked against these schemas), so the document cannot drift from the implementation unnoticed.
"""

from typing import Any

from crm.activities.models import ActivityKind
from crm.contacts.models import Channel, Salutation
from crm.employers.models import EmployerSource, SizeClass
from crm.followups.models import Priority, RepeatUnit
from crm.postings.models import PostingStatus, PostingType

# Ids and numbers are 32-bit in the database (PostgreSQL INTEGER); larger values are never valid.
MAX_INT = 2_147_483_647


def _s(kind: str, nullable: bool = False, **extra: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": kind, **extra}
    if kind == "integer" and "minimum" in extra:
        schema.setdefault("maximum", MAX_INT)
    if nullable:
        schema["nullable"] = True
    return schema


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


TEXT = _s("string", True)
DATETIME = _s("string", True, format="date-time")
INT = _s("integer", True)

EMPLOYER_WRITE = {
    "name": _s("string", minLength=1, maxLength=200),
    "legal_form": _s("string", True, maxLength=40),
    "industry_id": _s("integer", True, minimum=1),
    "size_class": _s("string", True, enum=[s.value for s in SizeClass] + [None]),
    "street": _s("string", True, maxLength=200),
    "postcode": _s("string", True, pattern="^[0-9]{5}$"),
    "city": _s("string", True, maxLength=100),
    "district": _s("string", True, maxLength=100),
    "phone": _s("string", True, maxLength=40),
    "email": _s("string", True, maxLength=254),
    "website": _s("string", True, maxLength=300),
    "accessibility_notes": _s("string", True, maxLength=5000),
    "transport_notes": _s("string", True, maxLength=5000),
    "notes": _s("string", True, maxLength=20000),
    "source": _s("string", True, enum=[s.value for s in EmployerSource] + [None]),
    "owner_id": _s("integer", True, minimum=1),
    "site_id": _s("integer", True, minimum=1),
    "tags": {"type": "array", "items": _s("string", maxLength=60), "maxItems": 50},
}
CONTACT_WRITE = {
    "salutation": _s("string", True, enum=[s.value for s in Salutation] + [None]),
    "title": _s("string", True, maxLength=40),
    "first_name": _s("string", True, maxLength=80),
    "last_name": _s("string", minLength=1, maxLength=80),
    "function": _s("string", True, maxLength=120),
    "phone": _s("string", True, maxLength=40),
    "mobile": _s("string", True, maxLength=40),
    "email": _s("string", True, maxLength=254),
    "preferred_channel": _s("string", True, enum=[c.value for c in Channel] + [None]),
    "is_primary": _s("boolean"),
    "has_left": _s("boolean"),
    "do_not_contact": _s("boolean"),
    "notes": _s("string", True, maxLength=5000),
    "data_source": _s("string", True, maxLength=200),
}
ACTIVITY_WRITE = {
    "employer_id": _s("integer", minimum=1),
    "contact_id": _s("integer", True, minimum=1),
    "kind": _s("string", enum=[k.value for k in ActivityKind]),
    "occurred_at": _s("string", True, format="date-time"),
    "subject": _s("string", minLength=1, maxLength=200),
    "summary": _s("string", True, maxLength=10000),
    "outcome": _s("string", True, maxLength=2000),
}

# Changing an activity: every field optional (the rest stays); it stays with its employer.
ACTIVITY_UPDATE = {
    **{key: value for key, value in ACTIVITY_WRITE.items() if key != "employer_id"},
    "occurred_at": _s("string", format="date-time"),
}
# Wall-clock time in Europe/Berlin, as on the follow-up form.
TIME_PATTERN = "^([01][0-9]|2[0-3]):[0-5][0-9]$"
FOLLOWUP_WRITE = {
    "title": _s("string", minLength=1, maxLength=200),
    "due_date": _s("string", format="date"),
    "due_time": _s("string", True, pattern=TIME_PATTERN),
    "assigned_to_id": _s("integer", True, minimum=1),
    "contact_id": _s("integer", True, minimum=1),
    "priority": _s("string", enum=[p.value for p in Priority]),
    "note": _s("string", True, maxLength=5000),
    "repeat_every": _s("integer", True, minimum=1, maximum=730),
    "repeat_unit": _s("string", True, enum=[u.value for u in RepeatUnit] + [None]),
}
POSTING_WRITE = {
    "title": _s("string", minLength=1, maxLength=200),
    "posting_type": _s("string", enum=[t.value for t in PostingType]),
    # "filled" only through the page's "Mark as filled" (it asks which placement filled the posting).
    "status": _s("string", enum=[s.value for s in PostingStatus if s != PostingStatus.FILLED]),
    "places": _s("integer", minimum=1, maximum=99),
    "hours_per_week": _s("number", True, minimum=1, maximum=60),
    "district": _s("string", True, maxLength=100),
    "start_date": _s("string", True, format="date"),
    "application_deadline": _s("string", True, format="date"),
    "description": _s("string", True, maxLength=10000),
    "requirements": _s("string", True, maxLength=5000),
    "poster_text": _s("string", True, maxLength=600),
    "contact_user_id": _s("integer", True, minimum=1),
    "board_site_id": _s("integer", True, minimum=1),
    "displayed_until": _s("string", True, format="date"),
}
EMPLOYER_REF = {"employer_id": _s("integer", minimum=1)}


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


SCHEMAS: dict[str, Any] = {
    "Employer": _object(
        {
            "id": _s("integer"),
            "name": _s("string"),
            "legal_form": TEXT,
            "industry_id": INT,
            "industry": TEXT,
            "size_class": TEXT,
            "street": TEXT,
            "postcode": TEXT,
            "city": TEXT,
            "district": TEXT,
            "phone": TEXT,
            "email": TEXT,
            "website": TEXT,
            "accessibility_notes": TEXT,
            "transport_notes": TEXT,
            "notes": TEXT,
            "source": TEXT,
            "owner_id": INT,
            "site_id": INT,
            "stage_id": _s("integer"),
            "stage_key": _s("string"),
            "stage": _s("string"),
            "tags": {"type": "array", "items": _s("string")},
            "last_contact_at": DATETIME,
            "created_at": _s("string", format="date-time"),
            "updated_at": _s("string", format="date-time"),
            "archived_at": DATETIME,
            "version": _s("integer"),
        },
        ["id", "name", "stage_id", "stage_key", "stage", "tags", "created_at", "updated_at", "version"],
    ),
    "EmployerCreate": _object(EMPLOYER_WRITE, ["name"]),
    "EmployerUpdate": _object({**EMPLOYER_WRITE, "version": _s("integer", minimum=0)}, []),
    "Contact": _object(
        {
            "id": _s("integer"),
            "employer_id": _s("integer"),
            **{k: TEXT for k in ("salutation", "title", "first_name", "function", "phone", "mobile", "email")},
            "last_name": _s("string"),
            "preferred_channel": TEXT,
            "is_primary": _s("boolean"),
            "has_left": _s("boolean"),
            "do_not_contact": _s("boolean"),
            "notes": TEXT,
            "data_source": TEXT,
            "created_at": _s("string", format="date-time"),
            "updated_at": _s("string", format="date-time"),
            "archived_at": DATETIME,
            "version": _s("integer"),
        },
        ["id", "employer_id", "last_name", "is_primary", "has_left", "do_not_contact", "version"],
    ),
    "ContactCreate": _object({"employer_id": _s("integer", minimum=1), **CONTACT_WRITE}, ["employer_id", "last_name"]),
    "ContactUpdate": _object({**CONTACT_WRITE, "version": _s("integer", minimum=0)}, []),
    "Activity": _object(
        {
            "id": _s("integer"),
            "employer_id": _s("integer"),
            "contact_id": INT,
            "user_id": INT,
            "kind": _s("string"),
            "occurred_at": _s("string", format="date-time"),
            "subject": _s("string"),
            "summary": TEXT,
            "outcome": TEXT,
            "created_at": _s("string", format="date-time"),
            "updated_at": _s("string", format="date-time"),
            "archived_at": DATETIME,
        },
        ["id", "employer_id", "kind", "occurred_at", "subject"],
    ),
    "ActivityCreate": _object(ACTIVITY_WRITE, ["employer_id", "kind", "subject"]),
    "ActivityUpdate": _object(ACTIVITY_UPDATE, []),
    "FollowUpCreate": _object({**EMPLOYER_REF, **FOLLOWUP_WRITE}, ["employer_id", "title", "due_date"]),
    "FollowUpUpdate": _object({**FOLLOWUP_WRITE, "version": _s("integer", minimum=0)}, []),
    "JobPostingCreate": _object({**EMPLOYER_REF, **POSTING_WRITE}, ["employer_id", "title", "posting_type"]),
    "JobPostingUpdate": _object(POSTING_WRITE, []),
    "Problem": {
        "type": "object",
        "properties": {
            "type": _s("string"),
            "title": _s("string"),
            "status": _s("integer"),
            "detail": _s("string"),
            "errors": {"type": "object", "additionalProperties": {"type": "array", "items": _s("string")}},
        },
        "required": ["title", "status"],
    },
}
for _name in ("Employer", "Contact", "Activity"):
    SCHEMAS[f"{_name}Page"] = _object(
        {
            "items": {"type": "array", "items": _ref(_name)},
            "page": _s("integer"),
            "per_page": _s("integer"),
            "total": _s("integer"),
        },
        ["items", "page", "per_page", "total"],
    )


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/problem+json": {"schema": _ref("Problem")}}}


def _json(schema_name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema_name)}}}


ERRORS = {
    "400": _problem("Malformed request"),
    "401": _problem("Missing or invalid token"),
    "403": _problem("Not allowed for this token or role"),
}


def _query(name: str, schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


PAGING = [
    _query("page", _s("integer", minimum=1, maximum=100000)),
    _query("per_page", _s("integer", minimum=1, maximum=100)),
]
ID = [{"name": "id", "in": "path", "required": True, "schema": _s("integer", minimum=1)}]


def _list(name: str, filters: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "summary": f"List {name.lower()}s",
        "parameters": PAGING + filters,
        "responses": {"200": _json(f"{name}Page", "One page"), **ERRORS, "422": _problem("Invalid filter")},
    }


def _read(name: str) -> dict[str, Any]:
    return {
        "summary": f"Read one {name.lower()}",
        "parameters": ID,
        "responses": {"200": _json(name, name), **ERRORS, "404": _problem("Not found")},
    }


def _create(name: str) -> dict[str, Any]:
    return {
        "summary": f"Create a {name.lower()}",
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(f"{name}Create")}}},
        "responses": {
            "201": _json(name, "Created"),
            **ERRORS,
            "415": _problem("Body is not JSON"),
            "422": _problem("Invalid fields"),
        },
    }


def _update(name: str) -> dict[str, Any]:
    return {
        "summary": f"Change a {name.lower()}",
        "parameters": ID,
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(f"{name}Update")}}},
        "responses": {
            "200": _json(name, "Changed"),
            **ERRORS,
            "404": _problem("Not found"),
            "409": _problem("Changed by someone else since the given version"),
            "415": _problem("Body is not JSON"),
            "422": _problem("Invalid fields"),
        },
    }


EMPLOYER_FILTERS = [
    _query("q", _s("string", maxLength=200), "Full-text search as on the employer list"),
    _query("stage", _s("string", maxLength=40), "Stage key, e.g. lead (an unknown key matches nothing)"),
    _query("owner", _s("string", pattern="^(me|none|[1-9][0-9]{0,8})$"), "User id, 'me' or 'none'"),
    _query("site", _s("integer", minimum=1)),
    _query("district", _s("string", maxLength=100)),
    _query("industry", _s("integer", minimum=1)),
    _query("source", _s("string", enum=[s.value for s in EmployerSource])),
    _query("tag", _s("integer", minimum=1)),
    _query("no_contact_days", _s("integer", minimum=1, maximum=3650)),
    _query("archived", _s("boolean"), "Include archived employers (admins)"),
    _query("sort", _s("string", enum=["name", "stage", "last_contact", "next_followup"])),
    _query("dir", _s("string", enum=["asc", "desc"])),
]


def _read_resources() -> tuple[dict[str, Any], dict[str, Any]]:
    """Schemas and paths of the column-described resources (crm.api.generic)."""
    from sqlalchemy import Enum

    from crm.api.generic import available_resources, table_schema

    schemas: dict[str, Any] = {}
    paths: dict[str, Any] = {}
    for resource, model in available_resources():
        name = model.__name__
        table = model.__table__
        schemas[name] = table_schema(table)
        schemas[f"{name}Page"] = _object(
            {
                "items": {"type": "array", "items": _ref(name)},
                "page": _s("integer"),
                "per_page": _s("integer"),
                "total": _s("integer"),
            },
            ["items", "page", "per_page", "total"],
        )
        filters = []
        for column_name in resource.filters:
            column = table.c[column_name]
            if isinstance(column.type, Enum):
                schema = {"type": "string", "enum": list(column.type.enums)}
            else:
                schema = _s("integer", minimum=1)
            filters.append(_query(column_name, schema))
        paths[f"/{resource.path}"] = {"get": _list(name, filters)}
        paths[f"/{resource.path}/{{id}}"] = {"get": _read(name)}
        if f"{name}Create" in SCHEMAS:
            paths[f"/{resource.path}"]["post"] = _create(name)
        if f"{name}Update" in SCHEMAS:
            paths[f"/{resource.path}/{{id}}"]["patch"] = _update(name)
    return schemas, paths


def openapi_document() -> dict[str, Any]:
    extra_schemas, extra_paths = _read_resources()
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Inklusiv-CRM API",
            "version": "1",
            "description": "Personal API tokens (profile page → API tokens) act with the owner's role.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"token": []}],
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
            "schemas": {**SCHEMAS, **extra_schemas},
        },
        "paths": {
            "/employers": {"get": _list("Employer", EMPLOYER_FILTERS), "post": _create("Employer")},
            "/employers/{id}": {"get": _read("Employer"), "patch": _update("Employer")},
            "/contacts": {
                "get": _list(
                    "Contact",
                    [
                        _query("employer_id", _s("integer", minimum=1)),
                        _query("archived", _s("boolean")),
                    ],
                ),
                "post": _create("Contact"),
            },
            "/contacts/{id}": {"get": _read("Contact"), "patch": _update("Contact")},
            "/activities": {
                "get": _list(
                    "Activity",
                    [
                        _query("employer_id", _s("integer", minimum=1)),
                        _query("contact_id", _s("integer", minimum=1)),
                        _query("kind", _s("string", enum=[k.value for k in ActivityKind])),
                    ],
                ),
                "post": _create("Activity"),
            },
            "/activities/{id}": {"get": _read("Activity"), "patch": _update("Activity")},
            **extra_paths,
        },
    }
