"""Placement pages: list, record, detail, edit, next phase, end; the employer panel and timeline entries."""

from collections.abc import Iterator
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from crm.auth.models import Role
from crm.duoday.models import DuoDayParticipation
from crm.duoday.services import PLACEMENT_TYPE_FOR_OUTCOME
from crm.employers.models import Employer
from crm.employers.services import EmployerError, move_employer_to_stage
from crm.extensions import db
from crm.followups.workdays import local_today
from crm.forms import form_status, int_or_none, show_error
from crm.list_export import export_urls, list_export_response
from crm.panels import Panel, register_panel
from crm.placements import bp
from crm.placements.forms import ConfirmForm, EndForm, PhaseForm, PlacementEditForm, PlacementForm
from crm.placements.models import SAFETY_ITEMS, Placement, PlacementOutcome, PlacementPhase, PlacementType
from crm.placements.services import (
    PlacementError,
    advance_placement,
    archive_placement,
    cooperation_suggestion,
    create_placement,
    end_placement,
    placement_counts,
    placements_for_employer,
    restore_placement,
    update_placement,
)
from crm.postings.services import postings_for_employer
from crm.security import ADMINS, EDITORS, roles_required
from crm.timeline import TimelineEntry, TimelineSource, register_source
from crm.ui import paginate

# Coaches accompany placements; admins may correct them. Everyone else reads.
MANAGERS = (Role.ADMIN, Role.COACH)
PER_PAGE = 25


def _load(placement_id: int) -> Placement:
    placement = db.session.scalar(
        select(Placement)
        .where(Placement.id == placement_id)
        .options(
            joinedload(Placement.employer).joinedload(Employer.stage),
            joinedload(Placement.coach),
            joinedload(Placement.posting),
            selectinload(Placement.phases).joinedload(PlacementPhase.recorded_by),
        )
    )
    if placement is None:
        abort(404)
    return placement


def _list_query() -> tuple[Any, str, str, bool]:
    """The list's query for the filters in the URL: state, kind, my placements."""
    state = request.args.get("state", "active")
    kind = request.args.get("type", "")
    mine = request.args.get("mine") == "1"
    query = (
        select(Placement)
        .where(Placement.archived_at.is_(None))
        .options(joinedload(Placement.employer), joinedload(Placement.coach))
        .order_by(Placement.start_date.desc(), Placement.id.desc())
    )
    if state == "active":
        query = query.where(Placement.outcome.is_(None))
    elif state == "ended":
        query = query.where(Placement.outcome.is_not(None))
    if kind in {t.value for t in PlacementType}:
        query = query.where(Placement.placement_type == PlacementType(kind))
    if mine:
        query = query.where(Placement.coach_id == current_user.id)
    return query, state, kind, mine


@bp.get("/")
def index():
    """All placements, running first; filters: state, kind, my placements."""
    query, state, kind, mine = _list_query()
    page = paginate(query, per_page=PER_PAGE)
    return render_template(
        "placements/index.html",
        page=page,
        state=state,
        kind=kind,
        mine=mine,
        types=list(PlacementType),
        export_urls=export_urls("placements.export"),
    )


EXPORT_HEADER = (
    _l("ID"),
    _l("Participant"),
    _l("Employer"),
    _l("Kind"),
    _l("Start"),
    _l("End"),
    _l("Job coach"),
    _l("Mentor"),
    _l("Outcome"),
    _l("Funding body"),
    _l("Subsidy (%)"),
    _l("Approved from"),
    _l("Approved until"),
    _l("Created"),
)


def _export_row(placement: Placement) -> list[Any]:
    return [
        placement.id,
        placement.participant_ref,
        placement.employer.name,
        placement.placement_type.label,
        placement.start_date,
        placement.end_date,
        placement.coach.name if placement.coach else None,
        placement.mentor_name,
        placement.outcome.label if placement.outcome else _("Running"),
        placement.funding_body,
        placement.subsidy_percent,
        placement.approval_from,
        placement.approval_until,
        placement.created_at,
    ]


def _export_rows(query: Any) -> Iterator[list[Any]]:
    # A generator function: the query runs while the response streams, not when the view returns.
    for placement in db.session.scalars(query):
        yield _export_row(placement)


@bp.get("/export.csv", defaults={"fmt": "csv"})
@bp.get("/export.xlsx", defaults={"fmt": "xlsx"})
def export(fmt: str):
    """Every placement the list's filters select (all pages, same order) as German-Excel CSV or XLSX."""
    query, *_filters = _list_query()
    rows = _export_rows(query)
    stem = _("placements")
    return list_export_response(fmt, kind="placement", stem=stem, header=EXPORT_HEADER, rows=rows)


def _employer_or_404(employer_id: Any) -> Employer:
    number = int_or_none(employer_id)
    return db.get_or_404(Employer, number) if number else abort(404)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new():
    employer = _employer_or_404(request.args.get("employer_id"))
    participation = None
    if participation_id := int_or_none(request.args.get("participation_id")):
        participation = db.session.get(DuoDayParticipation, participation_id)
        if participation is None or participation.employer_id != employer.id:
            abort(404)
    form = PlacementForm()
    form.load_choices(postings=postings_for_employer(employer.id))
    if request.method == "GET":
        form.start_date.data = local_today()
        form.coach_id.data = current_user.id if current_user.role == Role.COACH else None
        if posting_id := int_or_none(request.args.get("posting_id")):
            form.posting_id.data = posting_id
        if participation is not None:
            form.participant_ref.data = participation.participant_ref
            form.coach_id.data = participation.coach_id or form.coach_id.data
            form.placement_type.data = PLACEMENT_TYPE_FOR_OUTCOME.get(participation.outcome, "")
    if form.validate_on_submit():
        try:
            placement = create_placement(
                employer=employer,
                data=form.to_input(),
                actor=current_user,
                participation_id=participation.id if participation else None,
            )
        except PlacementError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("The placement has been recorded."), "success")
            return redirect(url_for("placements.detail", placement_id=placement.id))
    return render_template(
        "placements/form.html", form=form, employer=employer, placement=None, participation=participation
    ), form_status(form)


@bp.get("/<int:placement_id>")
def detail(placement_id: int):
    placement = _load(placement_id)
    suggestion = cooperation_suggestion(placement) if placement.is_active else None
    return render_template(
        "placements/detail.html",
        placement=placement,
        suggestion=suggestion,
        confirm_form=ConfirmForm(formdata=None),
        safety_items=SAFETY_ITEMS,
    )


@bp.route("/<int:placement_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit(placement_id: int):
    placement = _load(placement_id)
    form = PlacementEditForm(obj=placement)
    form.load_choices(postings=postings_for_employer(placement.employer_id), current_coach_id=placement.coach_id)
    if form.validate_on_submit():
        data = form.to_input()
        try:
            update_placement(placement=placement, data=data, actor=current_user)
        except PlacementError as error:
            db.session.rollback()
            placement = _load(placement_id)
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("The placement has been saved."), "success")
            return redirect(url_for("placements.detail", placement_id=placement.id))
    return render_template(
        "placements/form.html", form=form, employer=placement.employer, placement=placement, participation=None
    ), form_status(form)


@bp.route("/<int:placement_id>/phase", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def phase(placement_id: int):
    placement = _load(placement_id)
    form = PhaseForm()
    form.load_choices(placement.placement_type)
    if form.validate_on_submit():
        try:
            advance_placement(
                placement=placement,
                placement_type=PlacementType(form.placement_type.data),
                start_date=form.start_date.data,
                note=form.note.data,
                actor=current_user,
            )
        except PlacementError as error:
            db.session.rollback()
            placement = _load(placement_id)
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("The next phase has been recorded."), "success")
            return redirect(url_for("placements.detail", placement_id=placement.id))
    return render_template("placements/phase.html", form=form, placement=placement), form_status(form)


@bp.route("/<int:placement_id>/end", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def end(placement_id: int):
    placement = _load(placement_id)
    form = EndForm()
    form.load_choices()
    if form.validate_on_submit():
        try:
            end_placement(
                placement=placement,
                end_date=form.end_date.data,
                outcome=PlacementOutcome(form.outcome.data),
                reason=form.reason.data,
                actor=current_user,
            )
        except PlacementError as error:
            db.session.rollback()
            placement = _load(placement_id)
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("The placement has been ended."), "success")
            return redirect(url_for("placements.detail", placement_id=placement.id))
    return render_template("placements/end.html", form=form, placement=placement), form_status(form)


@bp.post("/<int:placement_id>/cooperation")
@roles_required(*EDITORS)
def accept_cooperation(placement_id: int):
    """The one-click answer to the suggestion: move the employer to "Kooperation" (recorded as a stage change)."""
    placement = _load(placement_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    stage = cooperation_suggestion(placement)
    if stage is None:
        flash(_("The employer's stage has not been changed."), "info")
        return redirect(url_for("placements.detail", placement_id=placement.id))
    try:
        move_employer_to_stage(
            employer=placement.employer,
            stage=stage,
            reason=_("First placement started (%(ref)s).", ref=placement.participant_ref),
            actor=current_user,
        )
    except EmployerError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("%(name)s is now in the stage “%(stage)s”.", name=placement.employer.name, stage=stage.name), "success")
    return redirect(url_for("placements.detail", placement_id=placement.id))


@bp.post("/<int:placement_id>/archive")
@roles_required(*MANAGERS)
def archive(placement_id: int):
    placement = _load(placement_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    archive_placement(placement=placement, actor=current_user)
    db.session.commit()
    flash(_("The placement has been archived. An administrator can restore it."), "success")
    return redirect(url_for("employers.detail", employer_id=placement.employer_id))


@bp.post("/<int:placement_id>/restore")
@roles_required(*ADMINS)
def restore(placement_id: int):
    placement = _load(placement_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    restore_placement(placement=placement, actor=current_user)
    db.session.commit()
    flash(_("The placement has been restored."), "success")
    return redirect(url_for("placements.detail", placement_id=placement.id))


# --- the employer page ----------------------------------------------------------------------------


def _load_panel(employer: Employer) -> dict[str, Any]:
    """The employer's placements with phases and how they went (three queries)."""
    return {"placements": placements_for_employer(employer.id), "placement_counts": placement_counts(employer.id)}


register_panel(
    Panel(
        key="placements",
        order=35,
        template="placements/_panel.html",
        load=_load_panel,
        print_template="placements/_panel_print.html",
    )
)


def fetch_phases(employer_id: int, limit: int) -> list[TimelineEntry]:
    """Placement phases (each start of a phase) for the employer timeline, newest first."""
    query = (
        select(PlacementPhase)
        .where(PlacementPhase.employer_id == employer_id)
        .options(joinedload(PlacementPhase.placement), joinedload(PlacementPhase.recorded_by))
        .order_by(PlacementPhase.recorded_at.desc(), PlacementPhase.id.desc())
        .limit(limit)
    )
    return [
        TimelineEntry(at=p.recorded_at, kind="placement", template="placements/_timeline.html", item=p, sort_key=p.id)
        for p in db.session.scalars(query)
        if p.placement.archived_at is None
    ]


register_source(TimelineSource(kind="placement", label=_l("Placements"), fetch=fetch_phases, order=60))
