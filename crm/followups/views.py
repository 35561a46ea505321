"""Follow-up pages: my list and the team's, create and edit, done / snooze / cancel (htmx and plain POST).

Bulk creation and reassignment are in bulk_views, reminder settings and the calendar feed in settings_views."""

from datetime import date, timedelta
from typing import Any

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from crm.auth.models import Role, User
from crm.contacts.models import Contact
from crm.employers.models import Employer
from crm.extensions import db
from crm.followups import bp, integration
from crm.followups.forms import CancelForm, CompleteForm, FollowUpForm, SnoozeForm, show_followup_error
from crm.followups.models import FollowUp
from crm.followups.services import (
    GROUP_KEYS,
    GROUP_LABELS,
    Completion,
    FollowUpError,
    assignable_users,
    cadence_date,
    cancel_followup,
    complete_followup,
    count_orphaned_followups,
    default_assignee,
    due_for_contact_page,
    followup_overview,
    overview_query,
    schedule_followup,
    snooze_followup,
    snooze_target,
    update_followup,
)
from crm.followups.workdays import local_today
from crm.forms import form_status, int_or_none
from crm.list_export import export_urls, list_export_response
from crm.security import ADMINS, LOGGERS, roles_required, safe_next
from crm.sites.services import list_sites
from crm.ui import paginate, wants_fragment

# Admins and team leads (who use the read-only role) see everyone's follow-ups.
TEAM_ROLES = (Role.ADMIN, Role.VIEWER)
GROUP_LIMIT = 50
TEAM_GROUP_LIMIT = 20  # the team view is an overview; filter by person or open one group for more
SHOW_ALL_PER_PAGE = 100
CONTACT_LIMIT = 25


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int_or_none(value)


def _load_followup(followup_id: int) -> FollowUp:
    followup = db.session.scalar(
        select(FollowUp)
        .where(FollowUp.id == followup_id)
        .options(joinedload(FollowUp.employer), joinedload(FollowUp.contact), joinedload(FollowUp.assigned_to))
    )
    if followup is None:
        abort(404)
    return followup


def employer_url(employer_id: int, anchor: str | None = None) -> str:
    return url_for("employers.detail", employer_id=employer_id, _anchor=anchor)


@bp.app_template_global("followup_employer_url")
def followup_employer_url(employer_id: int) -> str:
    return employer_url(employer_id, "panel-followups")


@bp.app_template_global("followup_labels")
def followup_labels() -> dict[str, str]:
    """Per request: the words and URLs every follow-up item repeats, translated and built once.

    A page lists up to 200 items; translating and routing each repeated word per item was a third of
    the page's time.
    """
    labels = g.get("followup_labels")
    if labels is None:
        from flask_wtf.csrf import generate_csrf

        labels = {
            "base": url_for("followups.index"),
            "csrf": generate_csrf(),
            "overdue": _("Overdue"),
            "today": _("Today"),
            "high": _("High priority"),
            "responsible": _("Responsible"),
            "deactivated": _("deactivated"),
            "done": _("Done"),
            "plus_day": _("+1 day"),
            "plus_week": _("+1 week"),
            "pick": _("Pick a date"),
            "new_date": _("New date"),
            "move": _("Move"),
            "edit": _("Edit"),
        }
        g.followup_labels = labels
    return labels


@bp.app_template_global("next_followup_context")
def next_followup_context(employer: Employer, activity_form: Any) -> dict[str, Any]:
    return integration.next_followup_context(employer, activity_form)


# --- the list ---------------------------------------------------------------------------------------


def _list_scope() -> tuple[str, int | None, int | None]:
    """Whose follow-ups the list shows (scope, assignee id, site id); only team roles may see the team's."""
    scope = request.args.get("scope") or ("team" if current_user.role == Role.VIEWER else "mine")
    if scope not in ("mine", "team") or (scope == "team" and current_user.role not in TEAM_ROLES):
        scope = "mine"
    if scope == "team":
        return scope, _int_arg("user"), _int_arg("site")
    return scope, current_user.id, None


@bp.get("/")
def index():
    today = local_today()
    team_allowed = current_user.role in TEAM_ROLES
    scope, assignee_id, site_id = _list_scope()
    users, sites = [], []
    if scope == "team":
        users = db.session.scalars(select(User).order_by(User.active.desc(), User.name)).all()
        sites = list_sites()
    show = request.args.get("show")
    context: dict[str, Any] = {
        "today": today,
        "scope": scope,
        "team_allowed": team_allowed,
        "users": users,
        "sites": sites,
        "selected_user": assignee_id if scope == "team" else None,
        "selected_site": site_id,
        "show": None,
        "can_act": current_user.role in LOGGERS,
        "orphaned": count_orphaned_followups() if current_user.role in ADMINS else 0,
        "export_urls": export_urls("followups.export"),
    }
    if show in ("overdue", "today", "week", "later"):
        query = overview_query(show, today=today, assignee_id=assignee_id, site_id=site_id)
        context["show"] = show
        context["page"] = paginate(query, per_page=SHOW_ALL_PER_PAGE)
        context["groups"] = []
    else:
        limit = GROUP_LIMIT if scope == "mine" else TEAM_GROUP_LIMIT
        context["groups"] = followup_overview(today=today, assignee_id=assignee_id, site_id=site_id, limit=limit)
        owner_ids = [assignee_id] if assignee_id is not None else None
        context["due_contacts"], context["due_contacts_total"] = due_for_contact_page(
            owner_ids=owner_ids, site_id=site_id, limit=CONTACT_LIMIT
        )
    return render_template("followups/index.html", **context)


EXPORT_HEADER = (
    _l("ID"),
    _l("Due date"),
    _l("Time"),
    _l("Group"),
    _l("Title"),
    _l("Priority"),
    _l("Employer"),
    _l("Contact person"),
    _l("Responsible"),
    _l("Note"),
    _l("Repeats"),
    _l("Created"),
)


def _export_rows(*, today: date, assignee_id: int | None, site_id: int | None, show: str | None):
    """The open follow-ups of the selected group (or of all groups, in the page's order) as export rows."""
    keys = [show] if show in GROUP_KEYS else GROUP_KEYS
    for key in keys:
        query = overview_query(key, today=today, assignee_id=assignee_id, site_id=site_id)
        for followup in db.session.scalars(query):
            yield [
                followup.id,
                followup.due_date,
                followup.due_time.strftime("%H:%M") if followup.due_time else None,
                str(GROUP_LABELS[key]),
                followup.title,
                followup.priority.label,
                followup.employer.name,
                followup.contact.full_name if followup.contact else None,
                followup.assigned_to.name,
                followup.note,
                followup.repeats,
                followup.created_at,
            ]


@bp.get("/export.csv", defaults={"fmt": "csv"})
@bp.get("/export.xlsx", defaults={"fmt": "xlsx"})
def export(fmt: str):
    """The open follow-ups the list selects (scope, person, site, group; every page) as CSV or XLSX."""
    _scope, assignee_id, site_id = _list_scope()
    rows = _export_rows(today=local_today(), assignee_id=assignee_id, site_id=site_id, show=request.args.get("show"))
    stem = _("follow-ups")
    return list_export_response(fmt, kind="follow-up", stem=stem, header=EXPORT_HEADER, rows=rows)


@bp.get("/panel/<int:employer_id>")
def panel(employer_id: int):
    """The employer page's follow-up panel alone: htmx reloads it after a quick log changed follow-ups."""
    employer = db.get_or_404(Employer, employer_id)
    return render_template("followups/_panel.html", employer=employer, **integration.load_panel(employer))


@bp.after_app_request
def announce_changes(response: Response) -> Response:
    """Tell htmx pages that follow-ups changed in this request (the employer page then reloads its panel)."""
    if g.get("followups_changed") and request.headers.get("HX-Request"):
        existing = response.headers.get("HX-Trigger")
        response.headers["HX-Trigger"] = f"{existing}, followups-changed" if existing else "followups-changed"
    return response


# --- create and edit --------------------------------------------------------------------------------


def _employer_for_form(value: Any) -> Employer:
    employer_id = int_or_none(value)
    employer = db.session.get(Employer, employer_id) if employer_id else None
    if employer is None:
        abort(404)
    return employer


def _choose(form: FollowUpForm, employer: Employer) -> tuple[User | None, Contact | None]:
    users = assignable_users()
    contacts = [c for c in employer.contacts if c.is_current and not c.do_not_contact]
    form.set_choices(users=users, contacts=contacts)
    assignee = next((u for u in users if u.id == form.assigned_to_id.data), None)
    contact = next((c for c in contacts if c.id == form.contact_id.data), None)
    return assignee, contact


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*LOGGERS)
def create():
    """A follow-up for one employer; also the target of the panel's short form and of the cadence offer."""
    employer = _employer_for_form(request.values.get("employer_id") or request.values.get("panel-employer_id"))
    prefix = request.form.get("form_prefix", "") if request.method == "POST" else ""
    if prefix and not prefix.startswith("panel-"):
        prefix = ""
    form = FollowUpForm(prefix=prefix)
    today = local_today()
    if request.method == "GET":
        owner = default_assignee(employer, current_user)
        suggested = request.args.get("due_date", "")
        try:
            due = date.fromisoformat(suggested) if suggested else None
        except ValueError:
            due = None
        form = FollowUpForm(
            formdata=None,
            data={
                "title": request.args.get("title", "")[:200],
                "due_date": due or cadence_date(employer, today=today) or today + timedelta(days=7),
                "assigned_to_id": owner.id if owner else None,
                "employer_id": employer.id,
                "previous_id": request.args.get("previous_id", ""),
                "next": safe_next(""),
            },
        )
    assignee, contact = _choose(form, employer)
    if request.method == "POST" and form.validate():
        previous_id = form.previous_id.data or ""
        previous = db.session.get(FollowUp, number) if (number := int_or_none(previous_id)) else None
        try:
            followup = schedule_followup(
                employer=employer,
                title=form.title.data,
                due_date=form.due_date.data,
                due_time=form.due_time.data,
                assigned_to=assignee,
                contact=contact,
                note=form.note.data,
                priority=form.priority_value,
                repeat_every=form.repeat_every.data,
                repeat_unit=form.repeat_unit_value,
                created_by=current_user,
                previous=previous if previous is not None and previous.employer_id == employer.id else None,
            )
        except FollowUpError as error:
            db.session.rollback()
            show_followup_error(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "Follow-up “%(title)s” for %(date)s has been scheduled.",
                    title=followup.title,
                    date=format_date(followup.due_date),
                ),
                "success",
            )
            return redirect(safe_next(employer_url(employer.id, "panel-followups")))
    if prefix:
        # The panel's short form came back with errors: show the full form with everything typed.
        form = _rebind_without_prefix(form, employer)
    blocked = integration.is_blocked(employer)
    return render_template(
        "followups/form.html",
        form=form,
        employer=employer,
        followup=None,
        blocked=blocked,
        cadence=cadence_date(employer, today=today),
        back_url=safe_next(employer_url(employer.id, "panel-followups")),
    ), form_status(form)


def _rebind_without_prefix(panel_form: FollowUpForm, employer: Employer) -> FollowUpForm:
    data = {name: field.data for name, field in panel_form._fields.items() if name != "csrf_token"}
    form = FollowUpForm(formdata=None, data=data)
    _choose(form, employer)
    for name, field in panel_form._fields.items():
        if name in form and field.errors:
            form[name].errors = list(field.errors)
            form[name].raw_data = field.raw_data
    form.form_errors = list(panel_form.form_errors)
    return form


@bp.route("/<int:followup_id>/edit", methods=["GET", "POST"])
@roles_required(*LOGGERS)
def edit(followup_id: int):
    followup = _load_followup(followup_id)
    employer = followup.employer
    if not followup.is_open:
        flash(_("This follow-up is already done or cancelled."), "info")
        return redirect(safe_next(employer_url(employer.id, "panel-followups")))
    form = FollowUpForm(
        obj=followup,
        data={
            "priority": followup.priority.value,
            "repeat_unit": followup.repeat_unit.value if followup.repeat_unit else "",
            "employer_id": employer.id,
        },
    )
    assignee, contact = _choose(form, employer)
    if form.assigned_to_id.data is None:
        assignee = None
    if request.method == "POST" and form.validate():
        try:
            update_followup(
                followup=followup,
                title=form.title.data,
                due_date=form.due_date.data,
                due_time=form.due_time.data,
                assigned_to=assignee or default_assignee(employer, followup.assigned_to),
                contact=contact,
                note=form.note.data,
                priority=form.priority_value,
                repeat_every=form.repeat_every.data,
                repeat_unit=form.repeat_unit_value,
            )
            db.session.commit()
        except FollowUpError as error:
            db.session.rollback()
            show_followup_error(form, error)
        except StaleDataError:
            db.session.rollback()
            form.form_errors.append(
                _("Someone else has changed this follow-up in the meantime. Please check it again.")
            )
        else:
            flash(_("The follow-up has been saved."), "success")
            return redirect(safe_next(employer_url(employer.id, "panel-followups")))
    return render_template(
        "followups/form.html",
        form=form,
        employer=employer,
        followup=followup,
        blocked=False,
        cadence=None,
        back_url=safe_next(employer_url(employer.id, "panel-followups")),
    ), form_status(form)


# --- one-click actions (htmx fragment, or POST + redirect) -------------------------------------------


def _item_response(followup: FollowUp, *, status: int = 200, **extra: Any):
    context = {
        "f": followup,
        "today": local_today(),
        "ctx": request.form.get("ctx") if request.form.get("ctx") in ("list", "employer") else "list",
        "can_act": True,
        "next_url": safe_next(""),
    }
    context.update(extra)
    return render_template("followups/_item.html", **context), status


def _back(followup: FollowUp) -> str:
    return safe_next(url_for("followups.index"))


def _conflict(followup_id: int, message: str):
    db.session.rollback()
    followup = _load_followup(followup_id)
    if wants_fragment():
        return _item_response(followup, status=409 if followup.is_open else 200, item_message=message)
    flash(message, "warning")
    return redirect(_back(followup))


@bp.post("/<int:followup_id>/done")
@roles_required(*LOGGERS)
def complete(followup_id: int):
    followup = _load_followup(followup_id)
    CompleteForm()  # CSRF is checked globally; the form only carries `next`
    try:
        completion: Completion = complete_followup(followup=followup, by=current_user)
        db.session.commit()
    except FollowUpError as error:
        return _conflict(followup_id, str(error.message))
    except StaleDataError:
        return _conflict(followup_id, _("Someone else has changed this follow-up in the meantime."))
    message = _("Done: “%(title)s”.", title=followup.title)
    if completion.next_followup is not None:
        message += " " + _("The next one is due on %(date)s.", date=format_date(completion.next_followup.due_date))
    if wants_fragment():
        return _item_response(followup, completion=completion, item_message=message)
    flash(message, "success")
    if completion.suggested_date is not None:
        flash(_("When should the next contact be? The stage's contact rhythm suggests a date."), "info")
        return redirect(
            url_for(
                "followups.create",
                employer_id=followup.employer_id,
                due_date=completion.suggested_date.isoformat(),
                title=followup.title,
                previous_id=followup.id,
                next=_back(followup),
            )
        )
    return redirect(_back(followup))


@bp.post("/<int:followup_id>/snooze")
@roles_required(*LOGGERS)
def snooze(followup_id: int):
    followup = _load_followup(followup_id)
    form = SnoozeForm()
    form.validate()
    target = None
    if form.days.data and not form.days.errors:
        target = snooze_target(followup, form.days.data)
    elif not form.to_date.errors:
        target = form.to_date.data
        if target is None:
            form.to_date.errors = [_("Please enter a date, e.g. %(example)s.", example=_example())]
    error_message = None
    if target is not None:
        try:
            snooze_followup(followup=followup, to_date=target, by=current_user)
            db.session.commit()
        except FollowUpError as error:
            db.session.rollback()
            error_message = str(error.message)
        except StaleDataError:
            return _conflict(followup_id, _("Someone else has changed this follow-up in the meantime."))
    else:
        error_message = " ".join(form.to_date.errors or form.days.errors) or _("Please choose a date.")
    if error_message:
        followup = _load_followup(followup_id)
        if wants_fragment():
            return _item_response(followup, status=422, snooze_error=error_message, snooze_open=True)
        return render_template(
            "followups/snooze.html", followup=followup, form=form, error=error_message, back_url=_back(followup)
        ), 422
    message = _("Moved to %(date)s: “%(title)s”.", date=format_date(followup.due_date), title=followup.title)
    if wants_fragment():
        return _item_response(followup, item_message=message)
    flash(message, "success")
    return redirect(_back(followup))


@bp.route("/<int:followup_id>/cancel", methods=["GET", "POST"])
@roles_required(*LOGGERS)
def cancel(followup_id: int):
    followup = _load_followup(followup_id)
    form = CancelForm(data={"next": safe_next("")})
    if form.validate_on_submit():
        try:
            cancel_followup(followup=followup, by=current_user, reason=form.reason.data)
            db.session.commit()
        except FollowUpError as error:
            return _conflict(followup_id, str(error.message))
        except StaleDataError:
            return _conflict(followup_id, _("Someone else has changed this follow-up in the meantime."))
        flash(_("The follow-up “%(title)s” has been cancelled.", title=followup.title), "success")
        return redirect(safe_next(employer_url(followup.employer_id, "panel-followups")))
    back_url = safe_next(employer_url(followup.employer_id, "panel-followups"))
    return render_template("followups/cancel.html", followup=followup, form=form, back_url=back_url), form_status(form)


def _example() -> str:
    return (local_today() + timedelta(days=7)).strftime("%d.%m.%Y")


# The bulk action, reassignment and the profile's reminder settings share the blueprint.
import crm.followups.bulk_views  # noqa: E402,F401,I001
import crm.followups.settings_views  # noqa: E402,F401,I001

integration.register()
