"""/api/v1/contacts: list, read, create, update (through the contact form)."""

from typing import Any

from flask import jsonify
from flask_babel import gettext as _
from sqlalchemy import func, select

from crm.api import bp
from crm.api.parsing import arg_bool, arg_int, as_formdata, created, json_body, page_of, paging, validated
from crm.api.problems import Problem, domain_problem, require_write
from crm.api.serialize import contact_json
from crm.api.spec import CONTACT_WRITE
from crm.contacts.forms import ContactForm
from crm.contacts.models import Contact
from crm.contacts.services import ContactError, create_contact, update_contact
from crm.employers.models import Employer
from crm.extensions import csrf, db
from crm.security import LOGGERS

CONTACT_FIELDS = tuple(CONTACT_WRITE)


def _get_contact(contact_id: int) -> Contact:
    contact = db.session.get(Contact, contact_id)
    if contact is None:
        raise Problem(404, _("Not found."))
    return contact


@bp.get("/v1/contacts")
def list_contacts():
    page, per_page = paging()
    conditions = []
    employer_id = arg_int("employer_id")
    if employer_id is not None:
        conditions.append(Contact.employer_id == employer_id)
    if not arg_bool("archived"):
        conditions.append(Contact.archived_at.is_(None))
    total = db.session.scalar(select(func.count()).select_from(Contact).where(*conditions)) or 0
    query = (
        select(Contact)
        .where(*conditions)
        .order_by(Contact.last_name, Contact.first_name, Contact.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return page_of([contact_json(c) for c in db.session.scalars(query)], page, per_page, total)


@bp.get("/v1/contacts/<int:contact_id>")
def get_contact(contact_id: int):
    return jsonify(contact_json(_get_contact(contact_id)))


def _contact_form(values: dict[str, Any]) -> ContactForm:
    form = ContactForm(formdata=as_formdata(values), meta={"csrf": False})
    return validated(form)


@bp.post("/v1/contacts")
@csrf.exempt
def create_contact_view():
    require_write(*LOGGERS)
    data = json_body({"employer_id": {"type": "integer"}, **CONTACT_WRITE})
    employer = db.session.get(Employer, data.pop("employer_id", 0) or 0)
    if employer is None:
        raise Problem(422, _("Please correct the marked fields."), {"employer_id": [_("There is no such employer.")]})
    details = _contact_form(data).contact_data()
    try:
        contact = create_contact(employer=employer, **details)
        db.session.commit()
    except ContactError as error:
        db.session.rollback()
        raise domain_problem(error, "contact") from error
    return created(contact_json(_get_contact(contact.id)))


@bp.patch("/v1/contacts/<int:contact_id>")
@csrf.exempt
def update_contact_view(contact_id: int):
    require_write(*LOGGERS)
    contact = _get_contact(contact_id)
    data = json_body({**CONTACT_WRITE, "version": {"type": "integer"}})
    version = data.pop("version", contact.version)
    current = {key: value for key, value in contact_json(contact).items() if key in CONTACT_FIELDS}
    changes = _contact_form({**current, **data}).contact_data()
    try:
        update_contact(contact=contact, expected_version=version, changes=changes)
        db.session.commit()
    except ContactError as error:
        db.session.rollback()
        raise domain_problem(error, "contact") from error
    db.session.expire_all()
    return jsonify(contact_json(_get_contact(contact_id)))
