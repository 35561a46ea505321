"""/api/v1: employers, contacts, activities, follow-ups and job postings as JSON; errors as problem+json.

Authentication happens in `authenticate_api_request`, registered as an app-wide before-request hook
by the blueprint, so it runs before the app's login redirect: an API client gets a 401 problem, never
a login page. The token's owner becomes `current_user` for this one request (no session is created).
"""

import re
from datetime import date, time
from typing import Any

from flask import Response, current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Enum, func, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import MethodNotAllowed, NotFound

from crm.activities.models import Activity, ActivityKind
from crm.activities.services import ActivityError, log_activity, update_activity
from crm.api import bp
from crm.api.generic import ReadResource, available_resources, row_json
from crm.api.models import TokenScope
from crm.api.serialize import activity_json, contact_json, employer_json
from crm.api.spec import (
    ACTIVITY_UPDATE,
    ACTIVITY_WRITE,
    CONTACT_WRITE,
    EMPLOYER_REF,
    EMPLOYER_WRITE,
    FOLLOWUP_WRITE,
    MAX_INT,
    POSTING_WRITE,
    openapi_document,
)
from crm.api.tokens import authenticate
from crm.auth.models import Role, User
from crm.contacts.forms import ContactForm
from crm.contacts.models import Contact
from crm.contacts.services import ContactError, StaleContactError, create_contact, update_contact
from crm.employers.forms import EmployerForm
from crm.employers.listing import EmployerFilters, count_query, page_ids_query
from crm.employers.models import Employer, EmployerSource, Stage
from crm.employers.services import EmployerError, StaleEmployerError, create_employer, update_employer
from crm.extensions import csrf, db
from crm.followups.models import FollowUp, Priority, RepeatUnit
from crm.followups.services import FollowUpError, default_assignee, schedule_followup, update_followup
from crm.forms import int_or_none
from crm.postings.forms import PostingForm
from crm.postings.models import JobPosting, PostingStatus
from crm.postings.services import PostingError, create_posting, update_posting
from crm.security import EDITORS, LOGGERS

API_ROOT = "/api/v1"
MAX_PER_PAGE = 100
TIME_FORMAT = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")

# A browser session never authenticates /api/v1 (see the module docstring), so CSRF cannot apply to
# its write operations; they are exempted one by one (`@csrf.exempt`), the token page keeps CSRF.


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


def _require_write(*roles: Role) -> None:
    if g.api_token.scope != TokenScope.WRITE:
        raise Problem(403, _("This token may only read."))
    if current_user.role not in roles:
        raise Problem(403, _("Your role does not allow this change."))


# --- request parsing ----------------------------------------------------------------------------


def _arg_text(name: str) -> str | None:
    value = request.args.get(name)
    return value.replace("\x00", "").strip() or None if value is not None else None


def _arg_int(name: str, *, minimum: int = 1, maximum: int = MAX_INT) -> int | None:
    value = _arg_text(name)
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise Problem(422, _("Invalid filter."), {name: [_("Please give a whole number.")]}) from None
    if number < minimum or number > maximum:
        raise Problem(422, _("Invalid filter."), {name: [_("This number is out of range.")]})
    return number


def _arg_bool(name: str) -> bool:
    value = (_arg_text(name) or "").lower()
    if value in ("", "false", "0", "no"):
        return False
    if value in ("true", "1", "yes"):
        return True
    raise Problem(422, _("Invalid filter."), {name: [_("Please give true or false.")]})


def _arg_choice(name: str, choices: list[str]) -> str | None:
    value = _arg_text(name)
    if value is not None and value not in choices:
        raise Problem(422, _("Invalid filter."), {name: [_("Unknown value.")]})
    return value


def _paging() -> tuple[int, int]:
    page = _arg_int("page", maximum=100000) or 1
    per_page = _arg_int("per_page", maximum=MAX_PER_PAGE) or current_app.config.get("ITEMS_PER_PAGE", 25)
    return page, per_page


def _page(items: list[dict[str, Any]], page: int, per_page: int, total: int) -> Response:
    return jsonify({"items": items, "page": page, "per_page": per_page, "total": total})


TYPE_CHECKS = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
}


def _body(properties: dict[str, dict[str, Any]]) -> dict[str, Any]:
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


def _form_errors(form: Any) -> dict[str, list[str]]:
    return {name: [str(message) for message in messages] for name, messages in form.errors.items()}


def _formdata(values: dict[str, Any]) -> MultiDict:
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


# --- employers ----------------------------------------------------------------------------------

EMPLOYER_FIELDS = tuple(EMPLOYER_WRITE)


def _employer_query():
    return select(Employer).options(selectinload(Employer.tags), joinedload(Employer.industry))


def _get_employer(employer_id: int) -> Employer:
    employer = db.session.scalar(_employer_query().where(Employer.id == employer_id))
    if employer is None:
        raise Problem(404, _("Not found."))
    return employer


@bp.get("/v1/employers")
def list_employers():
    page, per_page = _paging()
    owner = _arg_text("owner")
    if owner not in (None, "me", "none") and int_or_none(owner) is None:
        raise Problem(422, _("Invalid filter."), {"owner": [_("Use a user id, “me” or “none”.")]})
    stage_key = _arg_text("stage")
    stage_id = db.session.scalar(select(Stage.id).where(Stage.key == stage_key)) if stage_key else None
    if stage_key and stage_id is None:
        stage_id = -1  # a stage key that does not exist matches no employer
    source = _arg_choice("source", [s.value for s in EmployerSource])
    filters = EmployerFilters(
        q=(_arg_text("q") or "")[:200],
        stage_id=stage_id,
        owner_id=current_user.id if owner == "me" else int_or_none(owner),
        unowned=owner == "none",
        site_id=_arg_int("site"),
        district=_arg_text("district"),
        industry_id=_arg_int("industry"),
        source=EmployerSource(source) if source else None,
        tag_id=_arg_int("tag"),
        no_contact_days=_arg_int("no_contact_days", maximum=3650),
        include_archived=_arg_bool("archived") and current_user.role == Role.ADMIN,
        sort=_arg_choice("sort", ["name", "stage", "last_contact", "next_followup"]) or "name",
        direction=_arg_choice("dir", ["asc", "desc"]) or "asc",
    )
    total = db.session.scalar(count_query(filters)) or 0
    ids = list(db.session.scalars(page_ids_query(filters).limit(per_page).offset((page - 1) * per_page)))
    rows = {e.id: e for e in db.session.scalars(_employer_query().where(Employer.id.in_(ids)))} if ids else {}
    return _page([employer_json(rows[i]) for i in ids if i in rows], page, per_page, total)


@bp.get("/v1/employers/<int:employer_id>")
def get_employer(employer_id: int):
    return jsonify(employer_json(_get_employer(employer_id)))


def _employer_form(values: dict[str, Any], employer: Employer | None = None) -> EmployerForm:
    form = EmployerForm(formdata=_formdata(values), meta={"csrf": False})
    form.load_choices(
        current_owner_id=employer.owner_id if employer else None,
        current_industry_id=employer.industry_id if employer else None,
    )
    if not form.validate():
        raise Problem(422, _("Please correct the marked fields."), _form_errors(form))
    return form


def _employer_error(error: EmployerError) -> Problem:
    if isinstance(error, StaleEmployerError):
        return Problem(409, error.message)
    return Problem(422, error.message, {error.field or "employer": [error.message]})


@bp.post("/v1/employers")
@csrf.exempt
def create_employer_view():
    _require_write(*EDITORS)
    data = _body(EMPLOYER_WRITE)
    if "name" not in data:
        raise Problem(422, _("Please correct the marked fields."), {"name": [_("This field is required.")]})
    form = _employer_form(data)
    try:
        employer = create_employer(data=form.to_input(), actor=current_user)
        db.session.commit()
    except EmployerError as error:
        db.session.rollback()
        raise _employer_error(error) from error
    response = jsonify(employer_json(_get_employer(employer.id)))
    response.status_code = 201
    return response


@bp.patch("/v1/employers/<int:employer_id>")
@csrf.exempt
def update_employer_view(employer_id: int):
    _require_write(*EDITORS)
    employer = _get_employer(employer_id)
    data = _body({**EMPLOYER_WRITE, "version": {"type": "integer"}})
    version = data.pop("version", employer.version)
    if version != employer.version:
        raise Problem(409, _("Someone else has changed this employer in the meantime."))
    current = {key: value for key, value in employer_json(employer).items() if key in EMPLOYER_FIELDS}
    form = _employer_form({**current, **data}, employer)
    try:
        update_employer(employer=employer, data=form.to_input(), expected_version=version)
        db.session.commit()
    except EmployerError as error:
        db.session.rollback()
        raise _employer_error(error) from error
    db.session.expire_all()
    return jsonify(employer_json(_get_employer(employer_id)))


# --- contacts -----------------------------------------------------------------------------------

CONTACT_FIELDS = tuple(CONTACT_WRITE)


def _get_contact(contact_id: int) -> Contact:
    contact = db.session.get(Contact, contact_id)
    if contact is None:
        raise Problem(404, _("Not found."))
    return contact


@bp.get("/v1/contacts")
def list_contacts():
    page, per_page = _paging()
    conditions = []
    employer_id = _arg_int("employer_id")
    if employer_id is not None:
        conditions.append(Contact.employer_id == employer_id)
    if not _arg_bool("archived"):
        conditions.append(Contact.archived_at.is_(None))
    total = db.session.scalar(select(func.count()).select_from(Contact).where(*conditions)) or 0
    query = (
        select(Contact)
        .where(*conditions)
        .order_by(Contact.last_name, Contact.first_name, Contact.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return _page([contact_json(c) for c in db.session.scalars(query)], page, per_page, total)


@bp.get("/v1/contacts/<int:contact_id>")
def get_contact(contact_id: int):
    return jsonify(contact_json(_get_contact(contact_id)))


def _contact_form(values: dict[str, Any]) -> ContactForm:
    form = ContactForm(formdata=_formdata(values), meta={"csrf": False})
    if not form.validate():
        raise Problem(422, _("Please correct the marked fields."), _form_errors(form))
    return form


def _contact_problem(error: ContactError) -> Problem:
    if isinstance(error, StaleContactError):
        return Problem(409, error.message)
    return Problem(422, error.message, {error.field or "contact": [error.message]})


@bp.post("/v1/contacts")
@csrf.exempt
def create_contact_view():
    _require_write(*LOGGERS)
    data = _body({"employer_id": {"type": "integer"}, **CONTACT_WRITE})
    employer = db.session.get(Employer, data.pop("employer_id", 0) or 0)
    if employer is None:
        raise Problem(422, _("Please correct the marked fields."), {"employer_id": [_("There is no such employer.")]})
    details = _contact_form(data).contact_data()
    try:
        contact = create_contact(employer=employer, **details)
        db.session.commit()
    except ContactError as error:
        db.session.rollback()
        raise _contact_problem(error) from error
    response = jsonify(contact_json(_get_contact(contact.id)))
    response.status_code = 201
    return response


@bp.patch("/v1/contacts/<int:contact_id>")
@csrf.exempt
def update_contact_view(contact_id: int):
    _require_write(*LOGGERS)
    contact = _get_contact(contact_id)
    data = _body({**CONTACT_WRITE, "version": {"type": "integer"}})
    version = data.pop("version", contact.version)
    current = {key: value for key, value in contact_json(contact).items() if key in CONTACT_FIELDS}
    changes = _contact_form({**current, **data}).contact_data()
    try:
        update_contact(contact=contact, expected_version=version, changes=changes)
        db.session.commit()
    except ContactError as error:
        db.session.rollback()
        raise _contact_problem(error) from error
    db.session.expire_all()
    return jsonify(contact_json(_get_contact(contact_id)))


# --- activities ---------------------------------------------------------------------------------


@bp.get("/v1/activities")
def list_activities():
    page, per_page = _paging()
    conditions = [Activity.archived_at.is_(None)]
    for name, column in (("employer_id", Activity.employer_id), ("contact_id", Activity.contact_id)):
        value = _arg_int(name)
        if value is not None:
            conditions.append(column == value)
    kind = _arg_choice("kind", [k.value for k in ActivityKind])
    if kind:
        conditions.append(Activity.kind == ActivityKind(kind))
    total = db.session.scalar(select(func.count()).select_from(Activity).where(*conditions)) or 0
    query = (
        select(Activity)
        .where(*conditions)
        .order_by(Activity.occurred_at.desc(), Activity.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return _page([activity_json(a) for a in db.session.scalars(query)], page, per_page, total)


@bp.get("/v1/activities/<int:activity_id>")
def get_activity(activity_id: int):
    activity = db.session.get(Activity, activity_id)
    if activity is None:
        raise Problem(404, _("Not found."))
    return jsonify(activity_json(activity))


def _parse_datetime(value: str) -> Any:
    from datetime import datetime

    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    # Before 1900 is a typing mistake, and year-1 instants cannot be moved to UTC (overflow).
    return parsed if parsed.tzinfo is not None and parsed.year >= 1900 else None


@bp.post("/v1/activities")
@csrf.exempt
def create_activity_view():
    _require_write(*LOGGERS)
    data = _body(ACTIVITY_WRITE)
    errors: dict[str, list[str]] = {}
    for name in ("employer_id", "kind", "subject"):
        if data.get(name) in (None, ""):
            errors[name] = [_("This field is required.")]
    subject = (data.get("subject") or "").replace("\x00", "").strip()
    if "subject" not in errors and not subject:
        errors["subject"] = [_("This field is required.")]
    for name, limit in (("subject", 200), ("summary", 10000), ("outcome", 2000)):
        if len(data.get(name) or "") > limit:
            errors[name] = [_("At most %(max)d characters are allowed here.", max=limit)]
    occurred_at = None
    if data.get("occurred_at"):
        occurred_at = _parse_datetime(data["occurred_at"])
        if occurred_at is None:
            errors["occurred_at"] = [_("Please give a date and time with time zone, e.g. 2025-03-05T14:30:00+01:00.")]
    employer = db.session.get(Employer, data["employer_id"]) if data.get("employer_id") else None
    if employer is None and "employer_id" not in errors:  # also id 0, which no employer has
        errors["employer_id"] = [_("There is no such employer.")]
    contact = db.session.get(Contact, data["contact_id"]) if data.get("contact_id") else None
    if data.get("contact_id") and contact is None:
        errors["contact_id"] = [_("There is no such contact person.")]
    if errors:
        raise Problem(422, _("Please correct the marked fields."), errors)
    try:
        activity = log_activity(
            employer=employer,
            kind=ActivityKind(data["kind"]),
            user=current_user,
            subject=subject,
            occurred_at=occurred_at,
            contact=contact,
            summary=(data.get("summary") or "").replace("\x00", "") or None,
            outcome=(data.get("outcome") or "").replace("\x00", "") or None,
        )
        db.session.commit()
    except ActivityError as error:
        db.session.rollback()
        raise Problem(422, error.message, {getattr(error, "field", None) or "activity": [error.message]}) from error
    response = jsonify(activity_json(db.session.get(Activity, activity.id)))
    response.status_code = 201
    return response


def _text(value: Any) -> str | None:
    """A text field as stored: NUL bytes removed (PostgreSQL refuses them), empty means none."""
    return (value or "").replace("\x00", "") or None


def _check_lengths(data: dict[str, Any], limits: dict[str, int], errors: dict[str, list[str]]) -> None:
    for name, limit in limits.items():
        if len(data.get(name) or "") > limit:
            errors[name] = [_("At most %(max)d characters are allowed here.", max=limit)]


@bp.patch("/v1/activities/<int:activity_id>")
@csrf.exempt
def update_activity_view(activity_id: int):
    _require_write(*LOGGERS)
    activity = db.session.get(Activity, activity_id)
    if activity is None:
        raise Problem(404, _("Not found."))
    data = _body(ACTIVITY_UPDATE)
    errors: dict[str, list[str]] = {}
    subject = data.get("subject", activity.subject).replace("\x00", "").strip()
    if not subject:
        errors["subject"] = [_("This field is required.")]
    _check_lengths(data, {"subject": 200, "summary": 10000, "outcome": 2000}, errors)
    occurred_at = activity.occurred_at
    if "occurred_at" in data:
        occurred_at = _parse_datetime(data["occurred_at"])
        if occurred_at is None:
            errors["occurred_at"] = [_("Please give a date and time with time zone, e.g. 2025-03-05T14:30:00+01:00.")]
    contact = activity.contact
    if "contact_id" in data:
        contact = db.session.get(Contact, data["contact_id"]) if data["contact_id"] else None
        if data["contact_id"] and contact is None:
            errors["contact_id"] = [_("There is no such contact person.")]
    if errors:
        raise Problem(422, _("Please correct the marked fields."), errors)
    try:
        update_activity(
            activity=activity,
            kind=ActivityKind(data["kind"]) if "kind" in data else activity.kind,
            occurred_at=occurred_at,
            subject=subject,
            contact=contact,
            summary=_text(data["summary"]) if "summary" in data else activity.summary,
            outcome=_text(data["outcome"]) if "outcome" in data else activity.outcome,
        )
        db.session.commit()
    except ActivityError as error:
        db.session.rollback()
        raise Problem(422, error.message, {error.field or "activity": [error.message]}) from error
    db.session.expire_all()
    return jsonify(activity_json(db.session.get(Activity, activity_id)))


# --- follow-ups (read operations below, with the other column-described resources) ----------------


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def _followup_fields(data: dict[str, Any], employer: Employer, followup: FollowUp | None) -> dict[str, Any]:
    """The service arguments from the body, over the follow-up's current values; field messages on errors."""
    errors: dict[str, list[str]] = {}
    _check_lengths(data, {"title": 200, "note": 5000}, errors)
    values: dict[str, Any] = {
        "title": followup.title if followup else "",
        "due_date": followup.due_date if followup else None,
        "due_time": followup.due_time if followup else None,
        "assigned_to": followup.assigned_to if followup else None,
        "contact": followup.contact if followup else None,
        "note": followup.note if followup else None,
        "priority": followup.priority if followup else Priority.NORMAL,
        "repeat_every": followup.repeat_every if followup else None,
        "repeat_unit": followup.repeat_unit if followup else None,
    }
    if "title" in data:
        values["title"] = data["title"].replace("\x00", "")
    if "note" in data:
        values["note"] = _text(data["note"])
    if "due_date" in data:
        values["due_date"] = _parse_date(data["due_date"])
        if values["due_date"] is None:
            errors["due_date"] = [_("Please give a date as YYYY-MM-DD, e.g. 2026-05-12.")]
    if data.get("due_time") is not None:
        text = data["due_time"].strip()
        values["due_time"] = time.fromisoformat(text) if TIME_FORMAT.fullmatch(text) else None
        if values["due_time"] is None:
            errors["due_time"] = [_("Please give a time as HH:MM, e.g. 07:30.")]
    elif "due_time" in data:
        values["due_time"] = None
    if "assigned_to_id" in data:
        assignee_id = data["assigned_to_id"]
        values["assigned_to"] = db.session.get(User, assignee_id) if assignee_id else None
        if assignee_id and values["assigned_to"] is None:
            errors["assigned_to_id"] = [_("There is no such user.")]
    if "contact_id" in data:
        contact_id = data["contact_id"]
        values["contact"] = db.session.get(Contact, contact_id) if contact_id else None
        if contact_id and values["contact"] is None:
            errors["contact_id"] = [_("There is no such contact person.")]
    if "priority" in data:
        values["priority"] = Priority(data["priority"])
    if "repeat_every" in data:
        values["repeat_every"] = data["repeat_every"]
    if "repeat_unit" in data:
        values["repeat_unit"] = RepeatUnit(data["repeat_unit"]) if data["repeat_unit"] else None
    if errors:
        raise Problem(422, _("Please correct the marked fields."), errors)
    if values["assigned_to"] is None:
        # As on the form: nobody chosen means the employer's owner, else the one who writes.
        values["assigned_to"] = default_assignee(employer, followup.assigned_to if followup else current_user)
    return values


def _followup_problem(error: FollowUpError) -> Problem:
    message = str(error.message)
    field = {"employer": "employer_id"}.get(error.field or "", error.field) or "followup"
    return Problem(422, message, {field: [message]})


def _created(payload: dict[str, Any]) -> Response:
    response = jsonify(payload)
    response.status_code = 201
    return response


@bp.post("/v1/followups")
@csrf.exempt
def create_followup_view():
    _require_write(*LOGGERS)
    data = _body({**EMPLOYER_REF, **FOLLOWUP_WRITE})
    missing = [name for name in ("employer_id", "title", "due_date") if name not in data]
    if missing:
        raise Problem(
            422, _("Please correct the marked fields."), {name: [_("This field is required.")] for name in missing}
        )
    employer = db.session.get(Employer, data["employer_id"])
    if employer is None:
        raise Problem(422, _("Please correct the marked fields."), {"employer_id": [_("There is no such employer.")]})
    values = _followup_fields(data, employer, None)
    try:
        followup = schedule_followup(employer=employer, created_by=current_user, **values)
        db.session.commit()
    except FollowUpError as error:
        db.session.rollback()
        raise _followup_problem(error) from error
    return _created(row_json(db.session.get(FollowUp, followup.id)))


@bp.patch("/v1/followups/<int:followup_id>")
@csrf.exempt
def update_followup_view(followup_id: int):
    _require_write(*LOGGERS)
    followup = db.session.get(FollowUp, followup_id)
    if followup is None:
        raise Problem(404, _("Not found."))
    data = _body({**FOLLOWUP_WRITE, "version": {"type": "integer"}})
    if data.pop("version", followup.version) != followup.version:
        raise Problem(409, _("Someone else has changed this follow-up in the meantime. Please check it again."))
    values = _followup_fields(data, followup.employer, followup)
    try:
        update_followup(followup=followup, **values)
        db.session.commit()
    except FollowUpError as error:
        db.session.rollback()
        raise _followup_problem(error) from error
    except StaleDataError as error:
        db.session.rollback()
        raise Problem(
            409, _("Someone else has changed this follow-up in the meantime. Please check it again.")
        ) from error
    db.session.expire_all()
    return jsonify(row_json(db.session.get(FollowUp, followup_id)))


# --- job postings (through the posting form, so the messages are the page's) ---------------------

POSTING_FIELDS = tuple(POSTING_WRITE)


def _posting_form(values: dict[str, Any], posting: JobPosting | None = None) -> PostingForm:
    if isinstance(values.get("hours_per_week"), float):
        values["hours_per_week"] = round(values["hours_per_week"], 1)  # the column keeps one decimal
    form = PostingForm(formdata=_formdata(values), meta={"csrf": False})
    form.load_choices(
        current_status=posting.status if posting else None,
        current_contact_id=posting.contact_user_id if posting else None,
    )
    if not form.validate():
        raise Problem(422, _("Please correct the marked fields."), _form_errors(form))
    return form


def _posting_problem(error: PostingError) -> Problem:
    message = str(error.message)
    field = {"employer": "employer_id"}.get(error.field or "", error.field) or "posting"
    return Problem(422, message, {field: [message]})


@bp.post("/v1/postings")
@csrf.exempt
def create_posting_view():
    _require_write(*EDITORS)
    data = _body({**EMPLOYER_REF, **POSTING_WRITE})
    missing = [name for name in ("employer_id", "title", "posting_type") if name not in data]
    if missing:
        raise Problem(
            422, _("Please correct the marked fields."), {name: [_("This field is required.")] for name in missing}
        )
    employer = db.session.get(Employer, data.pop("employer_id"))
    if employer is None:
        raise Problem(422, _("Please correct the marked fields."), {"employer_id": [_("There is no such employer.")]})
    # The page's defaults for a new posting: open, one place.
    form = _posting_form({"status": PostingStatus.OPEN.value, "places": 1, **data})
    try:
        posting = create_posting(employer=employer, data=form.to_input(), actor=current_user)
        db.session.commit()
    except PostingError as error:
        db.session.rollback()
        raise _posting_problem(error) from error
    return _created(row_json(db.session.get(JobPosting, posting.id)))


@bp.patch("/v1/postings/<int:posting_id>")
@csrf.exempt
def update_posting_view(posting_id: int):
    _require_write(*EDITORS)
    posting = db.session.get(JobPosting, posting_id)
    if posting is None:
        raise Problem(404, _("Not found."))
    data = _body(POSTING_WRITE)
    current = {key: value for key, value in row_json(posting).items() if key in POSTING_FIELDS}
    form = _posting_form({**current, **data}, posting)
    try:
        update_posting(posting=posting, data=form.to_input(), actor=current_user)
        db.session.commit()
    except PostingError as error:
        db.session.rollback()
        raise _posting_problem(error) from error
    db.session.expire_all()
    return jsonify(row_json(db.session.get(JobPosting, posting_id)))


# --- list and read of the resources described from their tables (follow-ups, job postings) -------


def _register_read_resource(resource: ReadResource, model: Any) -> None:
    table = model.__table__

    def list_view():
        page, per_page = _paging()
        conditions = []
        for name in resource.filters:
            column = table.c[name]
            is_enum = isinstance(column.type, Enum)
            value = _arg_choice(name, list(column.type.enums)) if is_enum else _arg_int(name)
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
        return _page([row_json(obj) for obj in db.session.scalars(query)], page, per_page, total)

    def detail_view(item_id: int):
        obj = db.session.get(model, item_id)
        if obj is None:
            raise Problem(404, _("Not found."))
        return jsonify(row_json(obj))

    bp.add_url_rule(f"/v1/{resource.path}", f"list_{resource.path}", list_view, methods=["GET"])
    bp.add_url_rule(f"/v1/{resource.path}/<int:item_id>", f"get_{resource.path}", detail_view, methods=["GET"])


for _resource, _model in available_resources():
    _register_read_resource(_resource, _model)

from crm.api import token_views  # noqa: E402, F401  (the token page shares the blueprint)
