"""DuoDay pages: the yearly overview, events, participations and the invitation of last year's hosts."""

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from crm.auth.models import Role
from crm.contacts.models import Contact
from crm.duoday import bp
from crm.duoday.forms import EventForm, InviteForm, ParticipationForm
from crm.duoday.models import DuoDayEvent, DuoDayParticipation
from crm.duoday.services import (
    DuoDayError,
    archive_participation,
    create_event,
    create_participation,
    default_invitation_date,
    event_years,
    hosts_to_invite,
    invite_hosts,
    participation_placements,
    participations_for_employer,
    participations_for_event,
    restore_participation,
    update_event,
    update_participation,
    year_overview,
)
from crm.employers.models import Employer
from crm.extensions import db
from crm.followups.workdays import local_today
from crm.forms import form_status, int_or_none, show_error
from crm.panels import Panel, register_panel
from crm.placements.forms import ConfirmForm
from crm.security import ADMINS, EDITORS, LOGGERS, roles_required
from crm.timeline import TimelineEntry, TimelineSource, register_source

INVITE_LIST_LIMIT = 200
SEARCH_LIMIT = 10


def _year_arg() -> int:
    value = request.args.get("year", "")
    today = local_today()
    year = int_or_none(value)
    return year if year and 2000 <= year <= today.year + 5 else today.year


@bp.get("/")
def index():
    """The year's DuoDays with counts and conversion; last year's hosts not yet asked this year."""
    year = _year_arg()
    overview = year_overview(year)
    years = sorted(set(event_years()) | {year, local_today().year}, reverse=True)
    invite_form = InviteForm(formdata=None, data={"due_date": default_invitation_date()})
    return render_template(
        "duoday/index.html",
        overview=overview,
        year=year,
        years=years,
        hosts=hosts_to_invite(year, limit=INVITE_LIST_LIMIT),
        invite_form=invite_form,
    )


@bp.post("/invite")
@roles_required(*EDITORS)
def invite():
    """Bulk action: an invitation follow-up for each chosen host of last year."""
    year = _year_arg()
    form = InviteForm()
    ids = [number for v in request.form.getlist("employer_id") if (number := int_or_none(v))]
    if not ids:
        form.validate_on_submit()
        form.form_errors.append(_("Please choose at least one employer."))
    elif form.validate_on_submit():
        try:
            result = invite_hosts(employer_ids=ids, year=year, due_date=form.due_date.data, actor=current_user)
        except DuoDayError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(
                ngettext(
                    "%(num)d invitation follow-up has been created.",
                    "%(num)d invitation follow-ups have been created.",
                    len(result.invited),
                ),
                "success",
            )
            if result.skipped:
                flash(
                    ngettext("%(num)d employer was skipped.", "%(num)d employers were skipped.", result.skipped), "info"
                )
            return redirect(url_for("duoday.index", year=year))
    overview = year_overview(year)
    years = sorted(set(event_years()) | {year, local_today().year}, reverse=True)
    return render_template(
        "duoday/index.html",
        overview=overview,
        year=year,
        years=years,
        hosts=hosts_to_invite(year, limit=INVITE_LIST_LIMIT),
        invite_form=form,
        chosen=set(ids),
    ), 422


@bp.route("/events/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_event():
    form = EventForm()
    if form.validate_on_submit():
        try:
            event = create_event(data=form.to_input())
        except DuoDayError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("%(event)s has been saved.", event=event), "success")
            return redirect(url_for("duoday.event", event_id=event.id))
    return render_template("duoday/event_form.html", form=form, event=None), form_status(form)


@bp.get("/events/<int:event_id>")
def event(event_id: int):
    event = db.get_or_404(DuoDayEvent, event_id)
    participations = participations_for_event(event.id)
    query = request.args.get("q", "").strip()
    matches = []
    # At most a name's length: longer cannot match, and SQLite refuses LIKE patterns over 50 000 bytes.
    if 2 <= len(query) <= Employer.name.type.length:
        matches = db.session.scalars(
            select(Employer)
            .where(Employer.name.icontains(query, autoescape=True), Employer.archived_at.is_(None))
            .order_by(Employer.name)
            .limit(SEARCH_LIMIT)
        ).all()
    return render_template(
        "duoday/event.html",
        event=event,
        participations=participations,
        placements=participation_placements([p.id for p in participations]),
        query=query,
        matches=matches,
    )


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_event(event_id: int):
    event = db.get_or_404(DuoDayEvent, event_id)
    form = EventForm(obj=event)
    if form.validate_on_submit():
        try:
            update_event(event=event, data=form.to_input(), actor=current_user)
        except DuoDayError as error:
            db.session.rollback()
            event = db.get_or_404(DuoDayEvent, event_id)
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("%(event)s has been saved.", event=event), "success")
            return redirect(url_for("duoday.event", event_id=event.id))
    return render_template("duoday/event_form.html", form=form, event=event), form_status(form)


def _participation_form(employer: Employer, participation: DuoDayParticipation | None) -> ParticipationForm:
    form = ParticipationForm(obj=participation)
    events = db.session.scalars(
        select(DuoDayEvent)
        .where(DuoDayEvent.archived_at.is_(None), DuoDayEvent.year >= local_today().year - 1)
        .order_by(DuoDayEvent.event_date.desc())
    ).all()
    if participation is not None and participation.event not in events:
        events = [participation.event, *events]
    contacts = db.session.scalars(
        select(Contact)
        .where(Contact.employer_id == employer.id, Contact.archived_at.is_(None))
        .order_by(Contact.last_name)
    ).all()
    contacts = [c for c in contacts if c.is_current or (participation and c.id == participation.contact_id)]
    form.load_choices(
        events=events, contacts=contacts, current_coach_id=participation.coach_id if participation else None
    )
    if request.method == "GET" and participation is not None:
        form.status.data = participation.status.value
        form.outcome.data = participation.outcome.value
    return form


@bp.route("/participations/new", methods=["GET", "POST"])
@roles_required(*LOGGERS)
def new_participation():
    employer_id = request.args.get("employer_id", "")
    employer = db.get_or_404(Employer, int(employer_id)) if employer_id.isdigit() else abort(404)
    form = _participation_form(employer, None)
    if request.method == "GET":
        event_id = request.args.get("event_id", "")
        form.event_id.data = int_or_none(event_id)
        form.coach_id.data = current_user.id if current_user.role == Role.COACH else None
    if form.validate_on_submit():
        try:
            participation = create_participation(employer=employer, data=form.to_input(), actor=current_user)
        except DuoDayError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("The DuoDay participation of %(name)s has been saved.", name=employer.name), "success")
            return redirect(url_for("duoday.event", event_id=participation.event_id))
    return render_template(
        "duoday/participation_form.html", form=form, employer=employer, participation=None
    ), form_status(form)


@bp.route("/participations/<int:participation_id>/edit", methods=["GET", "POST"])
@roles_required(*LOGGERS)
def edit_participation(participation_id: int):
    participation = db.session.scalar(
        select(DuoDayParticipation)
        .where(DuoDayParticipation.id == participation_id)
        .options(joinedload(DuoDayParticipation.employer), joinedload(DuoDayParticipation.event))
    )
    if participation is None:
        abort(404)
    employer = participation.employer
    form = _participation_form(employer, participation)
    if form.validate_on_submit():
        try:
            update_participation(participation=participation, data=form.to_input(), actor=current_user)
        except DuoDayError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("The DuoDay participation of %(name)s has been saved.", name=employer.name), "success")
            return redirect(url_for("duoday.event", event_id=participation.event_id))
    placement = participation_placements([participation.id]).get(participation.id)
    return render_template(
        "duoday/participation_form.html",
        form=form,
        employer=employer,
        participation=participation,
        placement=placement,
        confirm_form=ConfirmForm(formdata=None),
    ), form_status(form)


@bp.post("/participations/<int:participation_id>/archive")
@roles_required(*LOGGERS)
def archive_participation_view(participation_id: int):
    participation = db.get_or_404(DuoDayParticipation, participation_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    archive_participation(participation=participation, actor=current_user)
    db.session.commit()
    flash(_("The DuoDay participation has been archived. An administrator can restore it."), "success")
    return redirect(url_for("duoday.event", event_id=participation.event_id))


@bp.post("/participations/<int:participation_id>/restore")
@roles_required(*ADMINS)
def restore_participation_view(participation_id: int):
    participation = db.get_or_404(DuoDayParticipation, participation_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    restore_participation(participation=participation, actor=current_user)
    db.session.commit()
    flash(_("The DuoDay participation has been restored."), "success")
    return redirect(url_for("duoday.edit_participation", participation_id=participation.id))


# --- the employer page ----------------------------------------------------------------------------


def _load_panel(employer: Employer) -> dict[str, Any]:
    participations = participations_for_employer(employer.id)
    return {
        "participations": participations,
        "duoday_placements": participation_placements([p.id for p in participations]),
    }


register_panel(Panel(key="duoday", order=55, template="duoday/_panel.html", load=_load_panel))


def fetch_participations(employer_id: int, limit: int) -> list[TimelineEntry]:
    """DuoDay participations of the employer for the timeline (when planned), newest first."""
    query = (
        select(DuoDayParticipation)
        .where(DuoDayParticipation.employer_id == employer_id, DuoDayParticipation.archived_at.is_(None))
        .options(joinedload(DuoDayParticipation.event), joinedload(DuoDayParticipation.coach))
        .order_by(DuoDayParticipation.created_at.desc(), DuoDayParticipation.id.desc())
        .limit(limit)
    )
    return [
        TimelineEntry(at=p.created_at, kind="duoday", template="duoday/_timeline.html", item=p, sort_key=p.id)
        for p in db.session.scalars(query)
    ]


register_source(TimelineSource(kind="duoday", label=_l("DuoDay"), fetch=fetch_participations, order=65))
