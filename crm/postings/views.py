"""Job posting pages: list with filters, create, edit, fill, close, take down, and the notice-board poster."""

from collections.abc import Iterator
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from crm.employers.models import Employer, Industry
from crm.extensions import db
from crm.forms import form_status, int_or_none, show_error
from crm.list_export import export_urls, list_export_response
from crm.panels import Panel, register_panel
from crm.placements.forms import ConfirmForm
from crm.placements.models import Placement
from crm.placements.services import unlinked_placements
from crm.postings import bp
from crm.postings.forms import FillForm, PostingForm
from crm.postings.models import JobPosting, PostingStatus, PostingType
from crm.postings.services import (
    PostingError,
    PostingFilters,
    archive_posting,
    close_posting,
    create_posting,
    fill_posting,
    posting_districts,
    postings_for_employer,
    postings_query,
    restore_posting,
    take_down_posting,
    update_posting,
)
from crm.security import ADMINS, EDITORS, roles_required
from crm.timeline import TimelineEntry, TimelineSource, register_source
from crm.ui import paginate

PER_PAGE = 25


def _load(posting_id: int) -> JobPosting:
    posting = db.session.scalar(
        select(JobPosting)
        .where(JobPosting.id == posting_id)
        .options(
            joinedload(JobPosting.employer).joinedload(Employer.industry),
            joinedload(JobPosting.board_site),
            joinedload(JobPosting.contact_user),
            joinedload(JobPosting.takedown_followup),
        )
    )
    if posting is None:
        abort(404)
    return posting


def _enum_arg(enum_cls: Any, name: str) -> Any:
    value = request.args.get(name, "")
    return enum_cls(value) if value in {m.value for m in enum_cls} else None


def _list_filters() -> PostingFilters:
    industry = request.args.get("industry", "")
    return PostingFilters(
        posting_type=_enum_arg(PostingType, "type"),
        status=_enum_arg(PostingStatus, "status"),
        district=request.args.get("district") or None,
        industry_id=int_or_none(industry),
    )


@bp.get("/")
def index():
    """Postings with filters for kind, district, status and industry; the filters live in the URL."""
    filters = _list_filters()
    page = paginate(postings_query(filters), per_page=PER_PAGE)
    industries = db.session.scalars(select(Industry).where(Industry.active.is_(True)).order_by(Industry.name)).all()
    return render_template(
        "postings/index.html",
        page=page,
        filters=filters,
        types=list(PostingType),
        statuses=list(PostingStatus),
        districts=posting_districts(),
        industries=industries,
        export_urls=export_urls("postings.export"),
    )


EXPORT_HEADER = (
    _l("ID"),
    _l("Title"),
    _l("Employer"),
    _l("Industry"),
    _l("Kind"),
    _l("Places"),
    _l("Hours per week"),
    _l("District"),
    _l("Status"),
    _l("Start"),
    _l("Application deadline"),
    _l("Contact person (workshop)"),
    _l("Notice board"),
    _l("Displayed until"),
    _l("Created"),
)


def _export_row(posting: JobPosting) -> list[Any]:
    return [
        posting.id,
        posting.title,
        posting.employer.name,
        posting.employer.industry.name if posting.employer.industry else None,
        posting.posting_type.label,
        posting.places,
        posting.hours_per_week,
        posting.district,
        posting.status.label,
        posting.start_date,
        posting.application_deadline,
        posting.contact_user.name if posting.contact_user else None,
        posting.board_site.name if posting.board_site else None,
        posting.displayed_until,
        posting.created_at,
    ]


def _export_rows(query: Any) -> Iterator[list[Any]]:
    # A generator function: the query runs while the response streams, not when the view returns.
    for posting in db.session.scalars(query):
        yield _export_row(posting)


@bp.get("/export.csv", defaults={"fmt": "csv"})
@bp.get("/export.xlsx", defaults={"fmt": "xlsx"})
def export(fmt: str):
    """Every posting the list's filters select (all pages, same order) as German-Excel CSV or XLSX."""
    query = postings_query(_list_filters())
    rows = _export_rows(query)
    stem = _("job-postings")
    return list_export_response(fmt, kind="posting", stem=stem, header=EXPORT_HEADER, rows=rows)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new():
    employer_id = request.args.get("employer_id", "")
    employer = db.get_or_404(Employer, number) if (number := int_or_none(employer_id)) else abort(404)
    form = PostingForm()
    form.load_choices()
    if request.method == "GET":
        form.district.data = employer.district
        form.status.data = PostingStatus.OPEN.value
        form.contact_user_id.data = current_user.id
    if form.validate_on_submit():
        try:
            posting = create_posting(employer=employer, data=form.to_input(), actor=current_user)
        except PostingError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("The job posting has been saved."), "success")
            return redirect(url_for("postings.detail", posting_id=posting.id))
    return render_template("postings/form.html", form=form, employer=employer, posting=None), form_status(form)


@bp.get("/<int:posting_id>")
def detail(posting_id: int):
    posting = _load(posting_id)
    placements = db.session.scalars(
        select(Placement).where(Placement.posting_id == posting.id).order_by(Placement.start_date)
    ).all()
    return render_template(
        "postings/detail.html", posting=posting, placements=placements, confirm_form=ConfirmForm(formdata=None)
    )


@bp.route("/<int:posting_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit(posting_id: int):
    posting = _load(posting_id)
    form = PostingForm(obj=posting)
    form.load_choices(current_status=posting.status, current_contact_id=posting.contact_user_id)
    if request.method == "GET":
        form.posting_type.data = posting.posting_type.value
        form.status.data = posting.status.value
    if form.validate_on_submit():
        try:
            update_posting(posting=posting, data=form.to_input(), actor=current_user)
        except PostingError as error:
            db.session.rollback()
            posting = _load(posting_id)
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("The job posting has been saved."), "success")
            return redirect(url_for("postings.detail", posting_id=posting.id))
    return render_template("postings/form.html", form=form, employer=posting.employer, posting=posting), form_status(
        form
    )


@bp.route("/<int:posting_id>/fill", methods=["GET", "POST"])
@roles_required(*EDITORS)
def fill(posting_id: int):
    """Mark as filled: asks which placement filled the posting."""
    posting = _load(posting_id)
    if posting.status == PostingStatus.FILLED:
        flash(_("This posting is already filled."), "info")
        return redirect(url_for("postings.detail", posting_id=posting.id))
    candidates = unlinked_placements(posting.employer_id, posting.id)
    form = FillForm()
    form.load_choices(candidates)
    if form.validate_on_submit():
        placement_id = form.chosen_placement_id()
        placement = next((p for p in candidates if p.id == placement_id), None)
        try:
            fill_posting(posting=posting, placement=placement, actor=current_user)
        except PostingError as error:
            db.session.rollback()
            posting = _load(posting_id)
            show_error(form, error)
        else:
            db.session.commit()
            message = _("The posting is filled.")
            if posting.is_on_board:
                message += " " + _("A follow-up reminds you to take the poster down.")
            flash(message, "success")
            return redirect(url_for("postings.detail", posting_id=posting.id))
    return render_template("postings/fill.html", form=form, posting=posting, candidates=candidates), form_status(form)


@bp.post("/<int:posting_id>/close")
@roles_required(*EDITORS)
def close(posting_id: int):
    posting = _load(posting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    close_posting(posting=posting, actor=current_user)
    db.session.commit()
    flash(_("The posting is closed."), "success")
    return redirect(url_for("postings.detail", posting_id=posting.id))


@bp.post("/<int:posting_id>/take-down")
@roles_required(*EDITORS)
def take_down(posting_id: int):
    posting = _load(posting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        take_down_posting(posting=posting, actor=current_user)
    except PostingError as error:
        db.session.rollback()
        flash(str(error.message), "warning")
    else:
        db.session.commit()
        flash(_("The poster has been recorded as taken down."), "success")
    return redirect(url_for("postings.detail", posting_id=posting_id))


@bp.post("/<int:posting_id>/archive")
@roles_required(*EDITORS)
def archive(posting_id: int):
    posting = _load(posting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    archive_posting(posting=posting, actor=current_user)
    db.session.commit()
    flash(_("The job posting has been archived. An administrator can restore it."), "success")
    return redirect(url_for("employers.detail", employer_id=posting.employer_id))


@bp.post("/<int:posting_id>/restore")
@roles_required(*ADMINS)
def restore(posting_id: int):
    posting = _load(posting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    restore_posting(posting=posting, actor=current_user)
    db.session.commit()
    flash(_("The job posting has been restored."), "success")
    return redirect(url_for("postings.detail", posting_id=posting.id))


@bp.get("/<int:posting_id>/poster")
def poster(posting_id: int):
    """One A4 page for the notice board: large type, easy language, the essentials only."""
    posting = _load(posting_id)
    return render_template("postings/poster.html", posting=posting)


# --- the employer page ----------------------------------------------------------------------------


def _load_panel(employer: Employer) -> dict[str, Any]:
    return {"postings": postings_for_employer(employer.id)}


register_panel(Panel(key="postings", order=50, template="postings/_panel.html", load=_load_panel))


def fetch_postings(employer_id: int, limit: int) -> list[TimelineEntry]:
    """Postings of the employer for the timeline (when they were created), newest first."""
    query = (
        select(JobPosting)
        .where(JobPosting.employer_id == employer_id, JobPosting.archived_at.is_(None))
        .order_by(JobPosting.created_at.desc(), JobPosting.id.desc())
        .limit(limit)
    )
    return [
        TimelineEntry(at=p.created_at, kind="posting", template="postings/_timeline.html", item=p, sort_key=p.id)
        for p in db.session.scalars(query)
    ]


register_source(TimelineSource(kind="posting", label=_l("Job postings"), fetch=fetch_postings, order=70))
