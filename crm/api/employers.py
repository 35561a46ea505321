"""/api/v1/employers: list with the page's filters, read, create, update (through the employer form)."""

from typing import Any

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from crm.api import bp
from crm.api.parsing import (
    arg_bool,
    arg_choice,
    arg_int,
    arg_text,
    as_formdata,
    created,
    json_body,
    page_of,
    paging,
    validated,
)
from crm.api.problems import Problem, domain_problem, require_write
from crm.api.serialize import employer_json
from crm.api.spec import EMPLOYER_WRITE
from crm.auth.models import Role
from crm.employers.forms import EmployerForm
from crm.employers.listing import EmployerFilters, count_query, page_ids_query
from crm.employers.models import Employer, EmployerSource, Stage
from crm.employers.services import EmployerError, create_employer, update_employer
from crm.extensions import csrf, db
from crm.forms import int_or_none
from crm.security import EDITORS

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
    page, per_page = paging()
    owner = arg_text("owner")
    if owner not in (None, "me", "none") and int_or_none(owner) is None:
        raise Problem(422, _("Invalid filter."), {"owner": [_("Use a user id, “me” or “none”.")]})
    stage_key = arg_text("stage")
    stage_id = db.session.scalar(select(Stage.id).where(Stage.key == stage_key)) if stage_key else None
    if stage_key and stage_id is None:
        stage_id = -1  # a stage key that does not exist matches no employer
    source = arg_choice("source", [s.value for s in EmployerSource])
    filters = EmployerFilters(
        q=(arg_text("q") or "")[:200],
        stage_id=stage_id,
        owner_id=current_user.id if owner == "me" else int_or_none(owner),
        unowned=owner == "none",
        site_id=arg_int("site"),
        district=arg_text("district"),
        industry_id=arg_int("industry"),
        source=EmployerSource(source) if source else None,
        tag_id=arg_int("tag"),
        no_contact_days=arg_int("no_contact_days", maximum=3650),
        include_archived=arg_bool("archived") and current_user.role == Role.ADMIN,
        sort=arg_choice("sort", ["name", "stage", "last_contact", "next_followup"]) or "name",
        direction=arg_choice("dir", ["asc", "desc"]) or "asc",
    )
    total = db.session.scalar(count_query(filters)) or 0
    ids = list(db.session.scalars(page_ids_query(filters).limit(per_page).offset((page - 1) * per_page)))
    rows = {e.id: e for e in db.session.scalars(_employer_query().where(Employer.id.in_(ids)))} if ids else {}
    return page_of([employer_json(rows[i]) for i in ids if i in rows], page, per_page, total)


@bp.get("/v1/employers/<int:employer_id>")
def get_employer(employer_id: int):
    return jsonify(employer_json(_get_employer(employer_id)))


def _employer_form(values: dict[str, Any], employer: Employer | None = None) -> EmployerForm:
    form = EmployerForm(formdata=as_formdata(values), meta={"csrf": False})
    form.load_choices(
        current_owner_id=employer.owner_id if employer else None,
        current_industry_id=employer.industry_id if employer else None,
    )
    return validated(form)


@bp.post("/v1/employers")
@csrf.exempt
def create_employer_view():
    require_write(*EDITORS)
    data = json_body(EMPLOYER_WRITE)
    if "name" not in data:
        raise Problem(422, _("Please correct the marked fields."), {"name": [_("This field is required.")]})
    form = _employer_form(data)
    try:
        employer = create_employer(data=form.to_input(), actor=current_user)
        db.session.commit()
    except EmployerError as error:
        db.session.rollback()
        raise domain_problem(error, "employer") from error
    return created(employer_json(_get_employer(employer.id)))


@bp.patch("/v1/employers/<int:employer_id>")
@csrf.exempt
def update_employer_view(employer_id: int):
    require_write(*EDITORS)
    employer = _get_employer(employer_id)
    data = json_body({**EMPLOYER_WRITE, "version": {"type": "integer"}})
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
        raise domain_problem(error, "employer") from error
    db.session.expire_all()
    return jsonify(employer_json(_get_employer(employer_id)))
