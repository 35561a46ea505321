"""Reading /api/v1 requests: query filters, paging, JSON bodies checked against the write schemas, values."""

import re
from datetime import date, datetime
from typing import Any

from flask import Response, current_app, jsonify, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from crm.api.problems import Problem
from crm.api.spec import MAX_INT

MAX_PER_PAGE = 100
TIME_FORMAT = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")


def arg_text(name: str) -> str | None:
    value = request.args.get(name)
    return value.replace("\x00", "").strip() or None if value is not None else None


def arg_int(name: str, *, minimum: int = 1, maximum: int = MAX_INT) -> int | None:
    value = arg_text(name)
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise Problem(422, _("Invalid filter."), {name: [_("Please give a whole number.")]}) from None
    if number < minimum or number > maximum:
        raise Problem(422, _("Invalid filter."), {name: [_("This number is out of range.")]})
    return number


def arg_bool(name: str) -> bool:
    value = (arg_text(name) or "").lower()
    if value in ("", "false", "0", "no"):
        return False
    if value in ("true", "1", "yes"):
        return True
    raise Problem(422, _("Invalid filter."), {name: [_("Please give true or false.")]})


def arg_choice(name: str, choices: list[str]) -> str | None:
    value = arg_text(name)
    if value is not None and value not in choices:
        raise Problem(422, _("Invalid filter."), {name: [_("Unknown value.")]})
    return value


def paging() -> tuple[int, int]:
    page = arg_int("page", maximum=100000) or 1
    per_page = arg_int("per_page", maximum=MAX_PER_PAGE) or current_app.config.get("ITEMS_PER_PAGE", 25)
    return page, per_page


def page_of(items: list[dict[str, Any]], page: int, per_page: int, total: int) -> Response:
    return jsonify({"items": items, "page": page, "per_page": per_page, "total": total})


TYPE_CHECKS = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
}


def json_body(properties: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The JSON object of the request, checked against the write schema's types (messages per field)."""
    if not request.is_json:
        raise Problem(415, _("Please send the body as JSON (Content-Type: application/json)."))
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # nested deeper than Python's JSON reader goes ([[[[…]]]])
        data = None
    if not isinstance(data, dict):
        raise Problem(400, _("The body must be a JSON object."))
    errors: dict[str, list[str]] = {}
    for key, value in data.items():
        schema = properties.get(key)
        if schema is None:
            errors[key] = [_("Unknown field.")]
        elif value is None:
            if not schema.get("nullable"):
                errors[key] = [_("This field cannot be empty.")]
        elif not TYPE_CHECKS[schema["type"]](value):
            errors[key] = [_("Wrong type: %(type)s expected.", type=schema["type"])]
        elif "enum" in schema and value not in schema["enum"]:
            errors[key] = [_("Unknown value.")]
        elif schema["type"] == "integer" and not 0 <= value <= MAX_INT:
            errors[key] = [_("This number is out of range.")]
    if errors:
        raise Problem(422, _("Please correct the marked fields."), errors)
    return data


def validated(form: Any) -> Any:
    """The page's form filled from the body: the same rules and German messages as the page, as a 422."""
    if not form.validate():
        messages = {name: [str(message) for message in found] for name, found in form.errors.items()}
        raise Problem(422, _("Please correct the marked fields."), messages)
    return form


def as_formdata(values: dict[str, Any]) -> MultiDict:
    formdata = MultiDict()
    for key, value in values.items():
        if isinstance(value, bool):
            if value:
                formdata.add(key, "y")
        elif isinstance(value, list):
            formdata.add(key, ", ".join(value))
        elif value is not None:
            formdata.add(key, str(value))
    return formdata


def parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def parse_datetime(value: str) -> Any:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    # Before 1900 is a typing mistake, and year-1 instants cannot be moved to UTC (overflow).
    return parsed if parsed.tzinfo is not None and parsed.year >= 1900 else None


def stored_text(value: Any) -> str | None:
    """A text field as stored: NUL bytes removed (PostgreSQL refuses them), empty means none."""
    return (value or "").replace("\x00", "") or None


def check_lengths(data: dict[str, Any], limits: dict[str, int], errors: dict[str, list[str]]) -> None:
    for name, limit in limits.items():
        if len(data.get(name) or "") > limit:
            errors[name] = [_("At most %(max)d characters are allowed here.", max=limit)]


def created(payload: dict[str, Any]) -> Response:
    response = jsonify(payload)
    response.status_code = 201
    return response
