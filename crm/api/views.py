"""/api/v1: employers, contacts, activities, follow-ups and job postings as JSON; errors as problem+json.

Authentication happens in `authenticate_api_request`, registered as an app-wide before-request hook
by the blueprint, so it runs before the app's login redirect: an API client gets a 401 problem, never
a login page. The token's owner becomes `current_user` for this one request (no session is created).
"""

from typing import Any

from flask import Response, g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import Enum, func, select
from werkzeug.exceptions import MethodNotAllowed, NotFound

from crm.api import bp
from crm.api.generic import ReadResource, available_resources, row_json
from crm.api.parsing import arg_choice, arg_int, page_of, paging
from crm.api.problems import Problem, problem_response
from crm.api.spec import openapi_document
from crm.api.tokens import authenticate
from crm.extensions import db

API_ROOT = "/api/v1"

# A browser session never authenticates /api/v1 (see the module docstring), so CSRF cannot apply to
# its write operations; they are exempted one by one (`@csrf.exempt`), the token page keeps CSRF.


@bp.errorhandler(Problem)
def handle_problem(error: Problem) -> Response:
    return problem_response(error.status, error.title, error.errors)


@bp.before_app_request
def authenticate_api_request() -> Response | None:
    """Answer /api/v1 requests without a valid token with 401; otherwise act as the token's owner."""
    if request.path != API_ROOT and not request.path.startswith(API_ROOT + "/"):
        return None
    if request.path == f"{API_ROOT}/openapi.json":
        return jsonify(openapi_document())
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    token = authenticate(secret.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        return problem_response(401, _("Missing or invalid API token."))
    g.api_token = token
    # Flask-Login reads the request's user from g._login_user; setting it avoids touching the session.
    g._login_user = token.user
    # An address or method no route has (/api/v1/followups/-1, DELETE …): a problem, not the HTML error page.
    if isinstance(request.routing_exception, MethodNotAllowed):
        return problem_response(405, _("This method is not allowed here."))
    if isinstance(request.routing_exception, NotFound):
        return problem_response(404, _("Not found."))
    return None


# --- list and read of the resources described from their tables (follow-ups, job postings) -------


def _register_read_resource(resource: ReadResource, model: Any) -> None:
    table = model.__table__

    def list_view():
        page, per_page = paging()
        conditions = []
        for name in resource.filters:
            column = table.c[name]
            is_enum = isinstance(column.type, Enum)
            value = arg_choice(name, list(column.type.enums)) if is_enum else arg_int(name)
            if value is not None:
                conditions.append(column == value)
        total = db.session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0
        query = (
            select(model)
            .where(*conditions)
            .order_by(*(table.c[name] for name in resource.order))
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        return page_of([row_json(obj) for obj in db.session.scalars(query)], page, per_page, total)

    def detail_view(item_id: int):
        obj = db.session.get(model, item_id)
        if obj is None:
            raise Problem(404, _("Not found."))
        return jsonify(row_json(obj))

    bp.add_url_rule(f"/v1/{resource.path}", f"list_{resource.path}", list_view, methods=["GET"])
    bp.add_url_rule(f"/v1/{resource.path}/<int:item_id>", f"get_{resource.path}", detail_view, methods=["GET"])


for _resource, _model in available_resources():
    _register_read_resource(_resource, _model)

# The operations of each resource and the token page share the blueprint.
from crm.api import activities, contacts, employers, followups, postings, token_views  # noqa: E402, F401
