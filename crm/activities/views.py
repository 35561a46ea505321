"""Activity pages: quick log (full page and htmx), edit, archive, restore; the timeline; two panels."""

from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.activities import bp
from crm.activities.forms import ActivityForm
from crm.activities.models import Activity
from crm.activities.services import (
    AFTER_LOG_HOOKS,
    ActivityError,
    archive_activity,
    contact_warnings,
    log_activity,
    recent_activities,
    restore_activity,
    update_activity,
)
from crm.activities.timeline import register_sources
from crm.contacts.models import Contact
from crm.contacts.services import current_contacts
from crm.contacts.views import employer_page_url
from crm.employers.models import Employer
from crm.extensions import db
from crm.forms import form_status, int_or_none, show_error
from crm.panels import Panel, register_panel
from crm.security import ADMINS, LOGGERS, is_safe_next, roles_required, safe_next, user_can
from crm.timeline import TimelinePage, employer_timeline, sources
from crm.ui import wants_fragment

TIMELINE_PER_PAGE = 20


def _chosen_contact(form: ActivityForm, offered: list[Contact]) -> Contact | None:
    if not form.contact_id.data:
        return None
    contact = next((c for c in offered if c.id == form.contact_id.data), None)
    if contact is None:
        raise ActivityError(_("Please choose one of the listed contact persons."), "contact_id")
    return contact


# --- logging ------------------------------------------------------------------------------------


@bp.route("/employers/<int:employer_id>/activities/new", methods=["GET", "POST"])
@roles_required(*LOGGERS)
def new(employer_id: int):
    employer = db.get_or_404(Employer, employer_id)
    contacts = current_contacts(employer.id)
    form = ActivityForm()
    form.set_contacts(contacts)
    if form.validate_on_submit():
        try:
            contact = _chosen_contact(form, contacts)
            activity = log_activity(
                employer=employer,
                kind=form.kind_value,
                user=current_user,
                occurred_at=form.occurred_at.data,
                contact=contact,
                subject=form.subject.data,
                summary=form.summary.data or None,
                outcome=form.outcome.data or None,
            )
            for hook in AFTER_LOG_HOOKS:
                hook(activity=activity, form=form)
        except ActivityError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            warnings = contact_warnings(employer, activity.kind, contact)
            db.session.commit()
            message = _("The activity “%(subject)s” has been saved.", subject=activity.subject)
            if wants_fragment():
                return _logged_fragment(employer, message, warnings)
            flash(message, "success")
            for warning in warnings:
                flash(warning, "warning")
            return redirect(safe_next(employer_page_url(employer.id, "panel-recent-activities")))
    context = {
        "form": form,
        "employer": employer,
        "warnings": _stage_warnings(employer),
        "next_url": safe_next(""),
        "back_url": safe_next(employer_page_url(employer.id)),
        "quicklog_htmx": wants_fragment(),
    }
    template = "activities/_quicklog.html" if wants_fragment() else "activities/new.html"
    return render_template(template, **context), form_status(form)


def _stage_warnings(employer: Employer) -> list[str]:
    if not employer.stage.blocks_contact:
        return []
    return [
        _(
            "%(employer)s is in the stage “%(stage)s”. Notes can always be recorded; for any other entry "
            "please make sure no further contact is made.",
            employer=employer.name,
            stage=employer.stage.name,
        )
    ]


def _logged_fragment(employer: Employer, message: str, warnings: list[str]) -> tuple[str, int, dict[str, str]]:
    """After an htmx quick log: the refreshed recent-activities panel, and the timeline swapped out of band."""
    context = _load_recent(employer) | _load_timeline(employer)
    html = render_template(
        "activities/_logged.html", employer=employer, logged_message=message, logged_warnings=warnings, **context
    )
    # The form asked to replace itself; the answer is the whole panel (with a fresh, closed form).
    return html, 200, {"HX-Retarget": "#panel-recent-activities", "HX-Reswap": "outerHTML"}


# --- editing ------------------------------------------------------------------------------------


@bp.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@roles_required(*LOGGERS)
def edit(activity_id: int):
    activity = db.get_or_404(Activity, activity_id)
    employer = activity.employer
    contacts = current_contacts(employer.id)
    form = ActivityForm(obj=activity)
    form.set_contacts(contacts, keep=activity.contact)
    offered = contacts + ([activity.contact] if activity.contact else [])
    if form.validate_on_submit():
        try:
            update_activity(
                activity=activity,
                kind=form.kind_value,
                occurred_at=form.occurred_at.data,
                contact=_chosen_contact(form, offered),
                subject=form.subject.data,
                summary=form.summary.data or None,
                outcome=form.outcome.data or None,
            )
        except ActivityError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("The activity “%(subject)s” has been saved.", subject=activity.subject), "success")
            return redirect(safe_next(employer_page_url(employer.id, "panel-timeline")))
    return render_template(
        "activities/edit.html",
        form=form,
        activity=activity,
        employer=employer,
        next_url=safe_next(""),
        back_url=safe_next(employer_page_url(employer.id, "panel-timeline")),
    ), form_status(form)


@bp.post("/activities/<int:activity_id>/archive")
@roles_required(*LOGGERS)
def archive(activity_id: int):
    activity = db.get_or_404(Activity, activity_id)
    archive_activity(activity=activity)
    db.session.commit()
    flash(_("The activity “%(subject)s” has been archived.", subject=activity.subject), "success")
    return redirect(safe_next(employer_page_url(activity.employer_id, "panel-timeline")))


@bp.post("/activities/<int:activity_id>/restore")
@roles_required(*ADMINS)
def restore(activity_id: int):
    activity = db.get_or_404(Activity, activity_id)
    restore_activity(activity=activity)
    db.session.commit()
    flash(_("The activity “%(subject)s” has been restored.", subject=activity.subject), "success")
    return redirect(safe_next(employer_page_url(activity.employer_id, "panel-timeline")))


# --- timeline -----------------------------------------------------------------------------------


def _selected_kinds() -> set[str]:
    """The kinds asked for in ?kind=…; all (an empty set) when none or every kind is asked for."""
    known = {source.kind for source in sources()}
    wanted = {kind for kind in request.args.getlist("kind") if kind in known}
    return set() if wanted == known else wanted


def _page_number() -> int:
    # A page beyond ten thousand is a typo; a huge one would overflow the merge window.
    return max(1, int_or_none(request.args.get("page"), maximum=10_000) or 1)


def timeline_query(kinds: set[str], page: int = 1) -> str:
    """The query string that names a timeline state (kinds in registry order, page)."""
    pairs = [("kind", source.kind) for source in sources() if source.kind in kinds]
    if page > 1:
        pairs.append(("page", str(page)))
    return urlencode(pairs)


def timeline_context(employer: Employer, base_path: str) -> dict[str, Any]:
    """What the timeline templates need: the page of entries, the filter state and link targets."""
    kinds = _selected_kinds()
    page: TimelinePage = employer_timeline(
        employer.id, kinds=kinds or None, page=_page_number(), per_page=TIMELINE_PER_PAGE
    )
    return {
        "timeline": page,
        "timeline_sources": sources(),
        "timeline_kinds": kinds,
        "timeline_base": base_path,
        "timeline_fragment_url": url_for("activities.timeline", employer_id=employer.id),
        "timeline_query": timeline_query,
    }


@bp.get("/employers/<int:employer_id>/timeline")
def timeline(employer_id: int):
    employer = db.get_or_404(Employer, employer_id)
    if not wants_fragment():
        context = timeline_context(employer, request.path)
        return render_template(
            "timeline/page.html", employer=employer, employer_url=employer_page_url(employer.id), **context
        )
    # The fragment updates the page it was requested from (employer page or this one): keep that page's
    # address in the browser history, with the new filter state.
    base = urlsplit(request.headers.get("HX-Current-URL", "")).path
    if not is_safe_next(base):
        base = request.path
    context = timeline_context(employer, base)
    response = render_template("timeline/_entries.html", employer=employer, **context)
    query = timeline_query(context["timeline_kinds"], context["timeline"].page)
    return response, 200, {"HX-Push-Url": f"{base}?{query}" if query else base}


# --- panels -------------------------------------------------------------------------------------


def _load_recent(employer: Employer) -> dict[str, Any]:
    """The last three activities and, for those who may log, an empty quick-log form."""
    context: dict[str, Any] = {"recent": recent_activities(employer.id, limit=3), "quicklog_form": None}
    if user_can(*LOGGERS) and employer.archived_at is None:
        form = ActivityForm(formdata=None)
        form.set_contacts(current_contacts(employer.id))
        context["quicklog_form"] = form
        context["quicklog_warnings"] = _stage_warnings(employer)
    return context


def _load_timeline(employer: Employer) -> dict[str, Any]:
    return timeline_context(employer, employer_page_url(employer.id))


register_panel(
    Panel(
        key="recent_activities",
        order=30,
        template="activities/_panel_recent.html",
        load=_load_recent,
        print_template="activities/_panel_recent_print.html",
    )
)
register_panel(Panel(key="timeline", order=100, template="timeline/_panel.html", load=_load_timeline))
register_sources()
