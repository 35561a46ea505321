"""Objection pages: catalogues (admin), recording on the employer, outcomes, decline, the panel and the matrix."""

import calendar
from datetime import date, datetime, time
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from crm.activities.services import AFTER_LOG_HOOKS
from crm.employers.models import Employer, Industry, Stage
from crm.extensions import db
from crm.forms import form_status, int_or_none, show_error
from crm.objections import bp
from crm.objections.forms import (
    ApproachForm,
    ArgumentUseForm,
    CatalogueEntryForm,
    DeclineForm,
    ObjectionRecordForm,
    OutcomeForm,
)
from crm.objections.hooks import objection_catalogue, record_activity_objection, refresh_after_htmx_log
from crm.objections.models import Argument, ArgumentUse, EmployerObjection, Objection, Outcome, RecordStatus
from crm.objections.services import (
    BERLIN,
    InsightFilter,
    ObjectionError,
    archive_objection_record,
    best_arguments,
    decline_employer,
    employer_objections,
    frequent_open_objections,
    matching_uses,
    objection_matrix,
    record_argument,
    record_objection,
    save_catalogue_entry,
    set_argument_outcome,
    set_do_not_approach_before,
)
from crm.panels import Panel, register_panel
from crm.security import ADMINS, EDITORS, LOGGERS, roles_required, safe_next
from crm.sites.services import list_sites
from crm.timeline import TimelineEntry, TimelineSource, register_source
from crm.ui import paginate

CATALOGUES: dict[str, tuple[type, Any, Any]] = {
    "objections": (Objection, _l("Objections"), _l("Description")),
    "arguments": (Argument, _l("Arguments"), _l("Text to read out or hand over")),
}


def local_today() -> date:
    return datetime.now(BERLIN).date()


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def employer_page_url(employer_id: int, anchor: str | None = "panel-objections") -> str:
    """The employer page, scrolled to the objections (the timeline page until the employer page exists)."""
    endpoint = "employers.detail" if "employers.detail" in current_app.view_functions else "activities.timeline"
    return url_for(endpoint, employer_id=employer_id, _anchor=anchor)


bp.add_app_template_global(lambda employer_id: employer_page_url(employer_id, None), "employer_href")


def _back(employer_id: int) -> str:
    return safe_next(employer_page_url(employer_id))


def _live_employer(employer_id: int) -> Employer:
    employer = db.get_or_404(Employer, employer_id)
    if employer.is_archived:
        flash(_("Archived employers cannot be changed. Restore the employer first."), "warning")
        abort(redirect(employer_page_url(employer_id)))
    return employer


# --- catalogues (admin) -------------------------------------------------------------------------


@bp.get("/objections/catalogue")
@roles_required(*ADMINS)
def catalogue():
    objections = db.session.scalars(select(Objection).order_by(Objection.position, Objection.name)).all()
    arguments = db.session.scalars(select(Argument).order_by(Argument.position, Argument.name)).all()
    return render_template("objections/catalogue.html", objections=objections, arguments=arguments)


@bp.route("/objections/catalogue/<kind>/new", methods=["GET", "POST"])
@bp.route("/objections/catalogue/<kind>/<int:entry_id>/edit", methods=["GET", "POST"])
@roles_required(*ADMINS)
def catalogue_entry(kind: str, entry_id: int | None = None):
    if kind not in CATALOGUES:
        abort(404)
    model, title, text_label = CATALOGUES[kind]
    entry = db.get_or_404(model, entry_id) if entry_id else None
    form = CatalogueEntryForm(obj=entry)
    form.text.label.text = str(text_label)
    if request.method == "GET" and entry is not None:
        form.text.data = entry.description if model is Objection else entry.handout
    if form.validate_on_submit():
        try:
            save_catalogue_entry(
                model=model,
                entry=entry,
                name=form.name.data,
                text=form.text.data or None,
                position=form.position.data or 0,
                active=form.active.data,
            )
        except ObjectionError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("“%(name)s” has been saved.", name=form.name.data), "success")
            return redirect(url_for("objections.catalogue"))
    return render_template(
        "objections/catalogue_form.html", form=form, entry=entry, kind=kind, title=title
    ), form_status(form)


@bp.get("/objections/arguments")
def arguments():
    """The arguments with their texts, for staff to read out or hand over (printable)."""
    rows = db.session.scalars(select(Argument).where(Argument.active.is_(True)).order_by(Argument.position)).all()
    return render_template("objections/arguments.html", arguments=rows)


# --- recording ----------------------------------------------------------------------------------


@bp.route("/employers/<int:employer_id>/objections/new", methods=["GET", "POST"])
@roles_required(*LOGGERS)
def new(employer_id: int):
    """Record an objection the employer raised, optionally with the argument used and its result."""
    employer = _live_employer(employer_id)
    form = ObjectionRecordForm()
    form.load_choices()
    if request.method == "GET":
        form.raised_on.data = local_today()
    if form.validate_on_submit():
        try:
            raised_at = _raised_at(form.raised_on.data)
            objection = db.session.get(Objection, form.objection_id.data)
            record = record_objection(
                employer=employer, objection=objection, actor=current_user, note=form.note.data, raised_at=raised_at
            )
            if form.argument_id.data:
                record_argument(
                    record=record,
                    argument=db.session.get(Argument, form.argument_id.data),
                    outcome=Outcome(form.outcome.data),
                    actor=current_user,
                    note=form.argument_note.data,
                    used_at=raised_at,
                )
        except ObjectionError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("The objection “%(name)s” has been recorded.", name=objection.name), "success")
            return redirect(_back(employer.id))
    return render_template("objections/record_form.html", form=form, employer=employer), form_status(form)


def _raised_at(day: date) -> datetime:
    """Today's records keep the current time; an earlier day is dated at noon, Berlin time."""
    if day == local_today():
        return datetime.now(BERLIN)
    if day > local_today():
        raise ObjectionError(_("The date cannot be in the future."), "raised_on")
    return datetime.combine(day, time(12, 0), tzinfo=BERLIN)


@bp.route("/objections/records/<int:record_id>/arguments/new", methods=["GET", "POST"])
@roles_required(*LOGGERS)
def add_argument(record_id: int):
    record = db.get_or_404(EmployerObjection, record_id)
    employer = _live_employer(record.employer_id)
    form = ArgumentUseForm()
    form.load_choices()
    if form.validate_on_submit():
        try:
            argument = db.session.get(Argument, form.argument_id.data)
            record_argument(
                record=record,
                argument=argument,
                outcome=Outcome(form.outcome.data),
                actor=current_user,
                note=form.note.data,
            )
        except ObjectionError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("The argument “%(name)s” has been recorded.", name=argument.name), "success")
            return redirect(_back(employer.id))
    return render_template("objections/argument_form.html", form=form, employer=employer, record=record), form_status(
        form
    )


@bp.post("/objections/uses/<int:use_id>/outcome")
@roles_required(*LOGGERS)
def set_outcome(use_id: int):
    use = db.get_or_404(ArgumentUse, use_id)
    employer_id = use.record.employer_id
    _live_employer(employer_id)
    form = OutcomeForm()
    if form.validate_on_submit():
        set_argument_outcome(use=use, outcome=Outcome(form.outcome.data))
        db.session.commit()
        flash(
            _("Result of “%(argument)s” set to “%(outcome)s”.", argument=use.argument.name, outcome=use.outcome.label),
            "success",
        )
    else:
        flash(_("Please choose a result."), "error")
    return redirect(_back(employer_id))


@bp.post("/objections/records/<int:record_id>/archive")
@roles_required(*EDITORS)
def archive_record(record_id: int):
    """Remove a wrongly recorded objection from the page and the figures (kept in the audit trail)."""
    record = db.get_or_404(EmployerObjection, record_id)
    archive_objection_record(record=record)
    db.session.commit()
    flash(_("The objection “%(name)s” has been removed.", name=record.objection.name), "success")
    return redirect(_back(record.employer_id))


# --- cold acquisition: decline with a reason, re-approach date ----------------------------------


@bp.route("/employers/<int:employer_id>/decline", methods=["GET", "POST"])
@roles_required(*EDITORS)
def decline(employer_id: int):
    """Move the employer to "declined": the reason comes from the objection catalogue or free text."""
    employer = _live_employer(employer_id)
    stage = db.session.scalar(select(Stage).where(Stage.key == "declined"))
    if stage is None or not stage.active:
        abort(404)
    form = DeclineForm()
    form.load_choices()
    if form.validate_on_submit():
        objection = db.session.get(Objection, form.objection_id.data) if form.objection_id.data else None
        months = form.approach_after.data
        try:
            decline_employer(
                employer=employer,
                declined_stage=stage,
                objection=objection,
                text=form.text.data,
                approach_again_on=add_months(local_today(), months) if months else None,
                actor=current_user,
            )
        except ObjectionError as error:
            db.session.rollback()
            employer = db.get_or_404(Employer, employer_id)
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("%(name)s is now in the stage “%(stage)s”.", name=employer.name, stage=stage.name), "success")
            return redirect(_back(employer.id))
    return render_template("objections/decline.html", form=form, employer=employer, stage=stage), form_status(form)


@bp.route("/employers/<int:employer_id>/approach", methods=["GET", "POST"])
@roles_required(*EDITORS)
def approach(employer_id: int):
    """Set or clear the "do not approach before" date."""
    employer = _live_employer(employer_id)
    form = ApproachForm(obj=employer)
    if form.validate_on_submit():
        set_do_not_approach_before(employer=employer, day=form.do_not_approach_before.data)
        db.session.commit()
        flash(_("The re-approach date of %(name)s has been saved.", name=employer.name), "success")
        return redirect(_back(employer.id))
    return render_template("objections/approach.html", form=form, employer=employer), form_status(form)


# --- insights -----------------------------------------------------------------------------------


def _parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int_or_none(value)


def insight_filter() -> InsightFilter:
    """The filters from the query string; unreadable values are ignored."""
    return InsightFilter(
        start=_parse_day(request.args.get("start")),
        end=_parse_day(request.args.get("end")),
        industry_id=_int_arg("industry"),
        site_id=_int_arg("site"),
    )


def filter_choices() -> dict[str, Any]:
    industries = db.session.scalars(select(Industry).order_by(Industry.name)).all()
    return {"industries": industries, "sites": list_sites()}


@bp.get("/insights/objections")
def insights():
    flt = insight_filter()
    return render_template(
        "objections/insights.html",
        flt=flt,
        matrix=objection_matrix(flt),
        open_objections=frequent_open_objections(flt),
        best=best_arguments(flt) if flt.industry_id else [],
        **filter_choices(),
    )


@bp.get("/insights/objections/records")
def insight_records():
    """The records behind a matrix cell, a row total or the open-objection list."""
    flt = insight_filter()
    objection_id, argument_id = _int_arg("objection"), _int_arg("argument")
    status = RecordStatus(request.args["status"]) if request.args.get("status") in set(RecordStatus) else None
    page = paginate(matching_uses(flt, objection_id=objection_id, argument_id=argument_id, status=status), per_page=50)
    return render_template(
        "objections/insight_records.html",
        flt=flt,
        page=page,
        uses=argument_id is not None,
        objection=db.session.get(Objection, objection_id) if objection_id else None,
        argument=db.session.get(Argument, argument_id) if argument_id else None,
        status=status,
    )


# --- the employer-page panel, print panel, and timeline -----------------------------------------


def _load_panel(employer: Employer) -> dict[str, Any]:
    """Open objections with the arguments tried (two queries), resolved ones after them."""
    records = employer_objections(employer.id)
    return {
        "open_records": [r for r in records if r.is_open],
        "resolved_records": [r for r in records if not r.is_open],
        "outcomes": list(Outcome),
        "today": local_today(),
    }


register_panel(
    Panel(
        key="objections",
        order=15,
        template="objections/_panel.html",
        load=_load_panel,
        print_template="objections/_panel_print.html",
    )
)


def _timeline_entries(employer_id: int, limit: int) -> list[TimelineEntry]:
    from sqlalchemy.orm import selectinload

    records = db.session.scalars(
        select(EmployerObjection)
        .where(EmployerObjection.employer_id == employer_id, EmployerObjection.archived_at.is_(None))
        .options(selectinload(EmployerObjection.uses))
        .order_by(EmployerObjection.raised_at.desc(), EmployerObjection.id.desc())
        .limit(limit)
    )
    return [
        TimelineEntry(
            at=record.raised_at,
            kind="objection",
            template="objections/_timeline_entry.html",
            item=record,
            sort_key=record.id,
        )
        for record in records
    ]


bp.add_app_template_global(objection_catalogue, "objection_catalogue")
bp.add_app_template_global(local_today, "approach_today")
bp.after_app_request(refresh_after_htmx_log)
if record_activity_objection not in AFTER_LOG_HOOKS:
    AFTER_LOG_HOOKS.append(record_activity_objection)

register_source(TimelineSource(kind="objection", label=_l("Objections"), fetch=_timeline_entries, order=60))
