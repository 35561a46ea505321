"""/api/v1/activities: list, read, log, correct."""

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from crm.activities.models import Activity, ActivityKind
from crm.activities.services import ActivityError, log_activity, update_activity
from crm.api import bp
from crm.api.parsing import (
    arg_choice,
    arg_int,
    check_lengths,
    created,
    json_body,
    page_of,
    paging,
    parse_datetime,
    stored_text,
)
from crm.api.problems import Problem, domain_problem, require_write
from crm.api.serialize import activity_json
from crm.api.spec import ACTIVITY_UPDATE, ACTIVITY_WRITE
from crm.contacts.models import Contact
from crm.employers.models import Employer
from crm.extensions import csrf, db
from crm.security import LOGGERS


@bp.get("/v1/activities")
def list_activities():
    page, per_page = paging()
    conditions = [Activity.archived_at.is_(None)]
    for name, column in (("employer_id", Activity.employer_id), ("contact_id", Activity.contact_id)):
        value = arg_int(name)
        if value is not None:
            conditions.append(column == value)
    kind = arg_choice("kind", [k.value for k in ActivityKind])
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
    return page_of([activity_json(a) for a in db.session.scalars(query)], page, per_page, total)


@bp.get("/v1/activities/<int:activity_id>")
def get_activity(activity_id: int):
    activity = db.session.get(Activity, activity_id)
    if activity is None:
        raise Problem(404, _("Not found."))
    return jsonify(activity_json(activity))


@bp.post("/v1/activities")
@csrf.exempt
def create_activity_view():
    require_write(*LOGGERS)
    data = json_body(ACTIVITY_WRITE)
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
        occurred_at = parse_datetime(data["occurred_at"])
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
        raise domain_problem(error, "activity") from error
    return created(activity_json(db.session.get(Activity, activity.id)))


@bp.patch("/v1/activities/<int:activity_id>")
@csrf.exempt
def update_activity_view(activity_id: int):
    require_write(*LOGGERS)
    activity = db.session.get(Activity, activity_id)
    if activity is None:
        raise Problem(404, _("Not found."))
    data = json_body(ACTIVITY_UPDATE)
    errors: dict[str, list[str]] = {}
    subject = data.get("subject", activity.subject).replace("\x00", "").strip()
    if not subject:
        errors["subject"] = [_("This field is required.")]
    check_lengths(data, {"subject": 200, "summary": 10000, "outcome": 2000}, errors)
    occurred_at = activity.occurred_at
    if "occurred_at" in data:
        occurred_at = parse_datetime(data["occurred_at"])
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
            summary=stored_text(data["summary"]) if "summary" in data else activity.summary,
            outcome=stored_text(data["outcome"]) if "outcome" in data else activity.outcome,
        )
        db.session.commit()
    except ActivityError as error:
        db.session.rollback()
        raise domain_problem(error, "activity") from error
    db.session.expire_all()
    return jsonify(activity_json(db.session.get(Activity, activity_id)))
