"""Where follow-ups plug into other domains: the employer page panel, the timeline, the navigation badge,
the activity form ("next follow-up") and stage moves into a stage that blocks contact.

`register()` is called once when the views module is imported.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import g, has_request_context, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from crm.activities.models import Activity
from crm.activities.services import AFTER_LOG_HOOKS, ActivityError
from crm.audit.services import current_actor_id
from crm.auth.models import User
from crm.employers.models import Employer, StageChange
from crm.extensions import db
from crm.followups.forms import FollowUpForm, NextFollowUpForm, user_choices
from crm.followups.models import FollowUp, FollowUpStatus
from crm.followups.services import (
    FollowUpError,
    assignable_users,
    cadence_date,
    complete_followup,
    default_assignee,
    followup_timeline_rows,
    open_followups_for_employer,
    overdue_count,
    schedule_followup,
)
from crm.followups.workdays import local_today
from crm.forms import int_or_none
from crm.navigation import register_nav_badge
from crm.panels import Panel, register_panel
from crm.security import LOGGERS
from crm.timeline import TimelineEntry, TimelineSource, register_source

# --- per-request cache: the panel and the activity form's partial share one load ----------------


def _cache() -> dict[str, Any]:
    if "followup_cache" not in g:
        g.followup_cache = {}
    return g.followup_cache


def cached_open_followups(employer_id: int) -> list[FollowUp]:
    cache = _cache()
    key = f"open:{employer_id}"
    if key not in cache:
        cache[key] = open_followups_for_employer(employer_id)
    return cache[key]


def cached_assignable_users() -> list[User]:
    cache = _cache()
    if "users" not in cache:
        cache["users"] = assignable_users()
    return cache["users"]


def is_blocked(employer: Employer) -> bool:
    return bool(employer.stage is not None and employer.stage.blocks_contact)


# --- employer page panel --------------------------------------------------------------------------


def load_panel(employer: Employer) -> dict[str, Any]:
    """Open follow-ups and, for those who may plan contacts, a short form with sensible defaults."""
    today = local_today()
    context: dict[str, Any] = {
        "followups": cached_open_followups(employer.id),
        "today": today,
        "blocked": is_blocked(employer),
        "panel_form": None,
        "can_act": current_user.is_authenticated and current_user.role in LOGGERS,
    }
    if context["can_act"] and not context["blocked"] and employer.archived_at is None:
        owner = default_assignee(employer, current_user)
        form = FollowUpForm(
            formdata=None,
            data={
                "due_date": cadence_date(employer, today=today) or today + timedelta(days=7),
                "assigned_to_id": owner.id if owner is not None else None,
                "employer_id": employer.id,
            },
            prefix=f"panel-{employer.id}",
        )
        contacts = [c for c in employer.contacts if c.is_current and not c.do_not_contact]
        form.set_choices(users=cached_assignable_users(), contacts=contacts)
        context["panel_form"] = form
    return context


# --- timeline --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpEvent:
    kind: str  # "created", "done", "cancelled"
    followup: FollowUp
    at: datetime
    by: User | None


def fetch_timeline(employer_id: int, limit: int) -> list[TimelineEntry]:
    """Created, done and cancelled follow-ups as timeline entries (one query)."""
    entries = []
    for followup in followup_timeline_rows(employer_id, limit):
        events = [FollowUpEvent("created", followup, followup.created_at, followup.created_by)]
        if followup.done_at is not None:
            events.append(FollowUpEvent("done", followup, followup.done_at, followup.done_by))
        if followup.cancelled_at is not None:
            events.append(FollowUpEvent("cancelled", followup, followup.cancelled_at, followup.cancelled_by))
        for order, item in enumerate(events):
            entries.append(
                TimelineEntry(
                    at=item.at,
                    kind="followup",
                    template="followups/_timeline_entry.html",
                    item=item,
                    sort_key=followup.id * 3 + order,
                )
            )
    entries.sort(key=lambda e: (e.at, e.sort_key), reverse=True)
    return entries[:limit]


# --- navigation badge ------------------------------------------------------------------------------


def my_overdue_count() -> int:
    """Overdue follow-ups of the signed-in user: one indexed COUNT, none for read-only users."""
    if not current_user.is_authenticated or current_user.role not in LOGGERS:
        return 0
    return overdue_count(user_id=current_user.id)


# --- "next follow-up" in the activity form --------------------------------------------------------


def next_followup_form(activity_form: Any) -> NextFollowUpForm:
    """The next-follow-up fields for this activity form: as the hook validated them, as typed, or empty."""
    forms = g.setdefault("next_followup_forms", {})
    form = forms.get(id(activity_form))
    if form is None:
        typed = has_request_context() and request.method == "POST" and bool(activity_form.errors)
        form = NextFollowUpForm(formdata=request.form if typed else None)
        form.assigned_to_id.choices = user_choices(cached_assignable_users(), empty=_("— the employer's owner —"))
        forms[id(activity_form)] = form
    return form


def next_followup_context(employer: Employer, activity_form: Any) -> dict[str, Any]:
    """What the partial shows: the fields, the employer's open follow-ups to tick off, the cadence hint."""
    today = local_today()
    return {
        "nf_form": next_followup_form(activity_form),
        "nf_open": cached_open_followups(employer.id) if employer.id else [],
        "nf_blocked": is_blocked(employer),
        "nf_cadence_date": cadence_date(employer, today=today),
        "nf_checked": set(request.form.getlist("next_followup-complete")) if request.method == "POST" else set(),
    }


def create_next_followup(*, activity: Activity, form: Any) -> None:
    """AFTER_LOG_HOOKS: tick off the chosen open follow-ups and schedule the next one, in the same step."""
    if "next_followup-due_date" not in request.form and "next_followup-complete" not in request.form:
        return  # the activity form was posted without our fields (an API client, an old page)
    nf = NextFollowUpForm(formdata=request.form)
    nf.assigned_to_id.choices = user_choices(cached_assignable_users(), empty=_("— the employer's owner —"))
    g.setdefault("next_followup_forms", {})[id(form)] = nf
    if not nf.validate():
        raise ActivityError(_("Please check the next follow-up."))
    employer = activity.employer
    chosen = {number for v in request.form.getlist("next_followup-complete") if (number := int_or_none(v))}
    if chosen:
        rows = db.session.scalars(
            select(FollowUp).where(
                FollowUp.id.in_(chosen),
                FollowUp.employer_id == employer.id,
                FollowUp.status == FollowUpStatus.OPEN,
            )
        )
        for followup in rows:
            complete_followup(followup=followup, by=current_user)
            g.followups_changed = True
    if nf.due_date.data is None:
        if nf.title.data:
            nf.due_date.errors = [_("Please enter a date, e.g. %(example)s.", example=_example(local_today()))]
            raise ActivityError(_("Please check the next follow-up."))
        return
    assignee = db.session.get(User, nf.assigned_to_id.data) if nf.assigned_to_id.data else None
    try:
        schedule_followup(
            employer=employer,
            title=nf.title.data or _("Follow up: %(subject)s", subject=activity.subject)[:200],
            due_date=nf.due_date.data,
            assigned_to=assignee,
            contact=activity.contact if activity.contact is not None and not activity.contact.do_not_contact else None,
            created_by=current_user,
            activity_id=activity.id,
        )
        g.followups_changed = True
    except FollowUpError as error:
        field = {"due_date": "due_date", "title": "title", "assigned_to_id": "assigned_to_id"}.get(error.field or "")
        target = nf[field] if field else nf.due_date
        target.errors = [*target.errors, str(error.message)]
        raise ActivityError(_("Please check the next follow-up.")) from error


def _example(today: date) -> str:
    return (today + timedelta(days=7)).strftime("%d.%m.%Y")


# --- when contact ends: a blocking stage, or the employer archived ------------------------------------


def _cancel_when_contact_ends(session: Session, flush_context: Any, instances: Any) -> None:
    """Before a flush that moves an employer into a stage that blocks contact, or archives it, cancel its open
    follow-ups: nobody is to be reminded of calling there any more (they stay in the history, with the reason).

    Listening to the recorded StageChange and to the archive column holds the rule for every path (stage form,
    pipeline board, imports, merge) without the employer package knowing about follow-ups. Restoring an
    archived employer does not reopen them: whoever restores it plans the next step.
    """
    endings: dict[
        int, tuple[str, User | None]
    ] = {}  # by employer: the first reason found (both may happen in one flush)
    for change in (obj for obj in session.new if isinstance(obj, StageChange)):
        stage = change.to_stage
        employer_id = change.employer_id or (change.employer.id if change.employer is not None else None)
        if stage is not None and stage.blocks_contact and employer_id is not None:
            reason = str(_l("Stage changed to “%(stage)s”.", stage=stage.name))
            endings.setdefault(employer_id, (reason, change.changed_by))
    for employer in (obj for obj in session.dirty if isinstance(obj, Employer)):
        history = inspect(employer).attrs.archived_at.history
        if history.added and history.added[0] is not None and not any(history.deleted):
            actor_id = current_actor_id()
            with session.no_autoflush:
                actor = session.get(User, actor_id) if actor_id else None
            endings.setdefault(employer.id, (str(_l("The employer was archived.")), actor))
    if not endings:
        return
    from crm.followups.services import cancel_followup

    with session.no_autoflush:
        for employer_id, (reason, by) in endings.items():
            open_rows = session.scalars(
                select(FollowUp).where(FollowUp.employer_id == employer_id, FollowUp.status == FollowUpStatus.OPEN)
            )
            for followup in open_rows:
                cancel_followup(followup=followup, by=by, reason=reason, flush=False)


def register() -> None:
    """Attach the panel, timeline source, badge, activity hook and the listener that ends follow-ups (idempotent)."""
    register_panel(
        Panel(
            key="followups",
            order=20,
            template="followups/_panel.html",
            load=load_panel,
            print_template="followups/_panel_print.html",
        )
    )
    register_source(TimelineSource(kind="followup", label=_l("Follow-ups"), fetch=fetch_timeline, order=30))
    register_nav_badge(
        "followups.index", my_overdue_count, lambda n: ngettext("overdue follow-up", "overdue follow-ups", n)
    )
    if create_next_followup not in AFTER_LOG_HOOKS:
        AFTER_LOG_HOOKS.append(create_next_followup)
    if not event.contains(Session, "before_flush", _cancel_when_contact_ends):
        event.listen(Session, "before_flush", _cancel_when_contact_ends)
