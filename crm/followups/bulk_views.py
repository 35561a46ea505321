"""Follow-ups for every employer of a filtered list at once, and the follow-ups of people who left (admins)."""

from datetime import date, timedelta
from urllib.parse import urlencode

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from crm.auth.models import Role, User
from crm.employers.models import Employer, Stage
from crm.extensions import db
from crm.followups import bp
from crm.followups.forms import BulkFollowUpForm, ReassignForm, show_followup_error
from crm.followups.models import FollowUp
from crm.followups.services import (
    FollowUpError,
    assignable_users,
    bulk_schedule_followups,
    deactivated_users_with_open_followups,
    orphaned_followups,
    reassign_followups,
)
from crm.followups.workdays import local_today
from crm.forms import int_or_none
from crm.security import ADMINS, EDITORS, roles_required

BULK_LIMIT = 1000
# The employer list's filter arguments that the bulk action carries along.
BULK_FILTER_ARGS = (
    "q",
    "stage",
    "owner",
    "site",
    "district",
    "industry",
    "source",
    "tag",
    "no_contact_days",
    "archived",
)


def _bulk_filter_args() -> MultiDict:
    source = request.form if request.method == "POST" else request.args
    return MultiDict([(key, value) for key in BULK_FILTER_ARGS for value in source.getlist(key) if value != ""])


def _bulk_employers_query(args: MultiDict):
    """The employer list's own filter form and conditions, so "these employers" means the same rows."""
    from crm.employers.list_views import EmployerFilterForm
    from crm.employers.listing import filtered_ids_condition

    form = EmployerFilterForm(formdata=args)
    form.load_choices(can_see_archived=current_user.role == Role.ADMIN, can_sort_by_followup=True)
    form.validate()
    filters = form.to_filters(user=current_user)
    return form, select(Employer).where(*filtered_ids_condition(filters))


def _bulk_counts(query, due_date: date) -> tuple[int, int]:
    """All listed employers, and those that get no follow-up: do-not-contact, or "not before" after the due date."""
    ids = query.with_only_columns(Employer.id).order_by(None).subquery()
    total = db.session.scalar(select(func.count()).select_from(ids))
    blocked = db.session.scalar(
        select(func.count())
        .select_from(Employer)
        .join(Stage, Stage.id == Employer.stage_id)
        .where(
            Employer.id.in_(select(ids.c.id)),
            or_(Stage.blocks_contact.is_(True), Employer.do_not_approach_before > due_date),
        )
    )
    return total, blocked


@bp.route("/bulk", methods=["GET", "POST"])
@roles_required(*EDITORS)
def bulk():
    """Step 1: the form (with the count); step 2: confirm the count; step 3: create, if the count still holds."""
    args = _bulk_filter_args()
    filter_form, query = _bulk_employers_query(args)
    users = assignable_users()
    step = request.form.get("step") if request.method == "POST" else None
    if step in ("confirm", "create"):
        form = BulkFollowUpForm()
    else:
        # Arriving from the employer list (GET, or its POST button): an empty form with the count.
        step = "form"
        form = BulkFollowUpForm(formdata=None, data={"due_date": local_today() + timedelta(days=7)})
    form.set_choices(users)
    due_date = form.due_date.data if isinstance(form.due_date.data, date) else local_today()
    total, blocked = _bulk_counts(query, due_date)
    status = 200
    changed = False
    if step in ("confirm", "create"):
        if not form.validate():
            step, status = "form", 422
        elif total - blocked > BULK_LIMIT:
            form.form_errors.append(
                _("Please narrow the list down: at most %(limit)d follow-ups at once.", limit=BULK_LIMIT)
            )
            step, status = "form", 422
        elif total - blocked == 0:
            form.form_errors.append(_("No employer in this list can get a follow-up."))
            step, status = "form", 422
        elif step == "create":
            if form.confirmed_count.data != str(total - blocked):
                step, changed = "confirm", True
            else:
                assignee = next((u for u in users if u.id == form.assigned_to_id.data), None)
                employers = db.session.scalars(query.options(joinedload(Employer.owner))).unique().all()
                try:
                    result = bulk_schedule_followups(
                        employers=employers,
                        title=form.title.data,
                        due_date=form.due_date.data,
                        created_by=current_user,
                        assigned_to=assignee,
                        note=form.note.data,
                        priority=form.priority_value,
                    )
                except FollowUpError as error:
                    db.session.rollback()
                    show_followup_error(form, error)
                    step, status = "form", 422
                else:
                    db.session.commit()
                    flash(
                        ngettext(
                            "%(num)d follow-up has been scheduled.",
                            "%(num)d follow-ups have been scheduled.",
                            len(result.created),
                        ),
                        "success",
                    )
                    return redirect(_bulk_return_url(args))
    return render_template(
        "followups/bulk.html",
        form=form,
        step=step,
        filter_args=args,
        filter_form=filter_form,
        total=total,
        blocked=blocked,
        count=total - blocked,
        changed=changed,
        back_url=_bulk_return_url(args),
    ), status


def _bulk_return_url(args: MultiDict) -> str:
    query = urlencode(list(args.items(multi=True)))
    return url_for("employers.index") + (f"?{query}" if query else "")


# --- deactivated users' follow-ups -------------------------------------------------------------------


@bp.route("/reassign", methods=["GET", "POST"])
@roles_required(*ADMINS)
def reassign():
    users = assignable_users()
    form = ReassignForm()
    form.set_choices(users)
    if form.validate_on_submit():
        source_id = form.from_user_id.data or ""
        source = db.session.get(User, number) if (number := int_or_none(source_id)) else None
        if source is None:
            abort(404)
        target = next((u for u in users if u.id == form.to_user_id.data), None)
        followups = orphaned_followups([source.id])
        try:
            count = reassign_followups(followups=followups, to_user=target, by=current_user)
        except FollowUpError as error:
            db.session.rollback()
            g.reassign_error = (source.id, str(error.message))
        else:
            db.session.commit()
            flash(
                ngettext(
                    "%(num)d follow-up of %(name)s has been reassigned.",
                    "%(num)d follow-ups of %(name)s have been reassigned.",
                    count,
                    name=source.name,
                ),
                "success",
            )
            return redirect(url_for("followups.reassign"))
    holders = deactivated_users_with_open_followups()
    rows = orphaned_followups([user.id for user, _count in holders])
    by_user: dict[int, list[FollowUp]] = {}
    for followup in rows:
        by_user.setdefault(followup.assigned_to_id, []).append(followup)
    error = g.get("reassign_error")
    if error is None and form.errors:
        # A tampered or outdated form (a user who left meanwhile): say so at that person, or above all.
        messages = " ".join(str(message) for field_errors in form.errors.values() for message in field_errors)
        error = (int_or_none(form.from_user_id.data), messages)
    return render_template(
        "followups/reassign.html",
        holders=holders,
        by_user=by_user,
        users=users,
        form=form,
        error=error,
        today=local_today(),
    ), (422 if error or form.errors else 200)
