"""/api/v1/followups: create and update (list and read are described from the table, in views)."""

from datetime import time
from typing import Any

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from crm.api import bp
from crm.api.generic import row_json
from crm.api.parsing import TIME_FORMAT, check_lengths, created, json_body, parse_date, stored_text
from crm.api.problems import Problem, domain_problem, require_write
from crm.api.spec import EMPLOYER_REF, FOLLOWUP_WRITE
from crm.auth.models import User
from crm.contacts.models import Contact
from crm.employers.models import Employer
from crm.extensions import csrf, db
from crm.followups.models import FollowUp, Priority, RepeatUnit
from crm.followups.services import FollowUpError, default_assignee, schedule_followup, update_followup
from crm.security import LOGGERS


def _followup_fields(data: dict[str, Any], employer: Employer, followup: FollowUp | None) -> dict[str, Any]:
    """The service arguments from the body, over the follow-up's current values; field messages on errors."""
    errors: dict[str, list[str]] = {}
    check_lengths(data, {"title": 200, "note": 5000}, errors)
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
        values["note"] = stored_text(data["note"])
    if "due_date" in data:
        values["due_date"] = parse_date(data["due_date"])
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


@bp.post("/v1/followups")
@csrf.exempt
def create_followup_view():
    require_write(*LOGGERS)
    data = json_body({**EMPLOYER_REF, **FOLLOWUP_WRITE})
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
        raise domain_problem(error, "followup") from error
    return created(row_json(db.session.get(FollowUp, followup.id)))


@bp.patch("/v1/followups/<int:followup_id>")
@csrf.exempt
def update_followup_view(followup_id: int):
    require_write(*LOGGERS)
    followup = db.session.get(FollowUp, followup_id)
    if followup is None:
        raise Problem(404, _("Not found."))
    data = json_body({**FOLLOWUP_WRITE, "version": {"type": "integer"}})
    if data.pop("version", followup.version) != followup.version:
        raise Problem(409, _("Someone else has changed this follow-up in the meantime. Please check it again."))
    values = _followup_fields(data, followup.employer, followup)
    try:
        update_followup(followup=followup, **values)
        db.session.commit()
    except FollowUpError as error:
        db.session.rollback()
        raise domain_problem(error, "followup") from error
    except StaleDataError as error:
        db.session.rollback()
        raise Problem(
            409, _("Someone else has changed this follow-up in the meantime. Please check it again.")
        ) from error
    db.session.expire_all()
    return jsonify(row_json(db.session.get(FollowUp, followup_id)))
