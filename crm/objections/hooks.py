"""Record an objection raised in a logged activity: run by the activity log view (AFTER_LOG_HOOKS)."""

from flask import g, request
from flask_babel import gettext as _
from flask_login import current_user

from crm.extensions import db
from crm.forms import int_or_none
from crm.objections.models import Argument, Objection, Outcome
from crm.objections.services import (
    ObjectionError,
    active_arguments,
    active_objections,
    record_argument,
    record_objection,
)


def objection_catalogue() -> dict:
    """The choices for the activity form's objection fields, loaded once per request."""
    if "objection_catalogue" not in g:
        g.objection_catalogue = {
            "objections": active_objections(),
            "arguments": active_arguments(),
            "outcomes": list(Outcome),
        }
    return g.objection_catalogue


def _id(name: str) -> int | None:
    value = request.form.get(name, "").strip()
    return int_or_none(value)


def record_activity_objection(*, activity, form=None) -> None:
    """If the activity form named an objection, record it (and the argument used) on the activity."""
    from crm.activities.services import ActivityError

    objection_id, argument_id = _id("objection_id"), _id("objection_argument_id")
    if objection_id is None:
        if argument_id is not None:
            raise ActivityError(_("Please choose the objection the argument answered."), "objection_id")
        return
    objection = db.session.get(Objection, objection_id)
    argument = db.session.get(Argument, argument_id) if argument_id else None
    if objection is None or (argument_id and argument is None):
        raise ActivityError(_("Please choose an objection from the list."), "objection_id")
    outcome_value = request.form.get("objection_outcome", Outcome.OPEN.value)
    outcome = Outcome(outcome_value) if outcome_value in set(Outcome) else Outcome.OPEN
    note = request.form.get("objection_note", "").replace("\x00", "").strip()[:2000] or None
    try:
        record = record_objection(
            employer=activity.employer,
            objection=objection,
            actor=current_user,
            note=note,
            activity_id=activity.id,
            raised_at=activity.occurred_at,
        )
        if argument is not None:
            record_argument(
                record=record,
                argument=argument,
                outcome=outcome,
                actor=current_user,
                activity_id=activity.id,
                used_at=activity.occurred_at,
            )
    except ObjectionError as error:
        raise ActivityError(error.message, "objection_id") from error
    g.objection_recorded = True


def refresh_after_htmx_log(response):
    """After an in-place (htmx) quick log that recorded an objection, reload the page so its panel shows it."""
    if g.get("objection_recorded") and request.headers.get("HX-Request") and response.status_code < 400:
        response.headers["HX-Refresh"] = "true"
    return response
