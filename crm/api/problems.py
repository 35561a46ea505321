"""Errors of /api/v1 as application/problem+json (RFC 9457), and the write check every change passes."""

from typing import Any

from flask import Response, g, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from crm.api.models import TokenScope
from crm.auth.models import Role
from crm.domain import DomainError


class Problem(Exception):
    """An error answered as application/problem+json."""

    def __init__(self, status: int, title: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.errors = errors or {}


def problem_response(status: int, title: str, errors: dict[str, list[str]] | None = None) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="Inklusiv-CRM API"'
    return response


def domain_problem(error: DomainError, resource: str) -> Problem:
    """A service's rule error: 409 when the record changed meanwhile, else 422 with the message at its field.

    The pages name a record's employer "employer"; in the API that field is "employer_id".
    """
    message = str(error.message)
    if error.conflict:
        return Problem(409, message)
    field = {"employer": "employer_id"}.get(error.field or "", error.field) or resource
    return Problem(422, message, {field: [message]})


def require_write(*roles: Role) -> None:
    """A change needs a read-write token whose owner has one of `roles` (as on the pages)."""
    if g.api_token.scope != TokenScope.WRITE:
        raise Problem(403, _("This token may only read."))
    if current_user.role not in roles:
        raise Problem(403, _("Your role does not allow this change."))
