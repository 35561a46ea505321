"""Employer pages: create, edit, briefing, stage moves, archive, print view and the pipeline board."""

from datetime import timedelta
from urllib.parse import urlencode

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from crm.audit.services import history_for
from crm.auth.models import User
from crm.db import utcnow
from crm.employers import bp
from crm.employers.forms import COMMON_LEGAL_FORMS, EmployerCreateForm, EmployerForm, StageChangeForm
from crm.employers.models import Employer, Stage, StageChange
from crm.employers.services import (
    EmployerError,
    StaleEmployerError,
    active_stages,
    archive_employer,
    create_employer,
    find_duplicate_candidates,
    move_employer_to_stage,
    pipeline_board,
    restore_employer,
    time_in_stage,
    update_employer,
)
from crm.extensions import db
from crm.forms import int_or_none, show_error
from crm.panels import panels_for
from crm.security import ADMINS, EDITORS, roles_required, safe_next
from crm.sites.services import list_sites

PIPELINE_CARDS_PER_COLUMN = 20
DISTRICT_SUGGESTIONS = 200


# --- template helpers ---------------------------------------------------------------------------


@bp.app_template_filter("duration")
def duration_filter(delta: timedelta) -> str:
    """A rough, readable length of time: "today", "12 days", "3 months", "2 years"."""
    days = delta.days
    if days < 1:
        return _("less than a day")
    if days < 60:
        return ngettext("%(num)d day", "%(num)d days", days)
    if days < 730:
        return ngettext("%(num)d month", "%(num)d months", days // 30)
    return ngettext("%(num)d year", "%(num)d years", days // 365)


@bp.app_template_global("time_in_stage")
def time_in_stage_global(employer: Employer) -> timedelta:
    return time_in_stage(employer)


@bp.app_template_global("employer_list_url")
def employer_list_url(**params: object) -> str:
    """Link to the employer list with filters; the list lives in its own module and may not exist yet."""
    params = {key: value for key, value in params.items() if value not in (None, "")}
    if "employers.index" in current_app.view_functions:
        return url_for("employers.index", **params)
    return "/employers" + (f"?{urlencode(params)}" if params else "")


def _render_panels(employer: Employer, *, printing: bool = False) -> list[tuple[object, Markup]]:
    """Render the sections other domains registered for the employer page (or its print view)."""
    rendered = []
    for panel, context in panels_for(employer, printing=printing):
        template = panel.print_template if printing else panel.template
        html = render_template(template, employer=employer, panel=panel, **context)
        markup = Markup(html)  # noqa: S704  # nosec B704  # rendered by an autoescaping template
        rendered.append((panel, markup))
    return rendered


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.headers.get("X-Requested-With") == "fetch"


def _load_employer(employer_id: int) -> Employer:
    """The employer with everything the briefing shows, in a constant number of queries."""
    employer = db.session.scalar(
        select(Employer)
        .where(Employer.id == employer_id)
        .options(
            joinedload(Employer.owner),
            joinedload(Employer.industry),
            joinedload(Employer.site),
            selectinload(Employer.tags),
            selectinload(Employer.contacts),
        )
    )
    if employer is None:
        abort(404)
    return employer


def _primary_contact(employer: Employer):
    """The contact to call first: the flagged primary contact, else the first one still at the firm."""
    return next((c for c in employer.contacts if not c.is_archived and not c.has_left), None)


def _last_stage_change(employer: Employer) -> StageChange | None:
    return db.session.scalar(
        select(StageChange)
        .where(StageChange.employer_id == employer.id, StageChange.to_stage_id == employer.stage_id)
        .options(joinedload(StageChange.changed_by))
        .order_by(StageChange.changed_at.desc(), StageChange.id.desc())
        .limit(1)
    )


def _district_suggestions() -> list[str]:
    query = (
        select(Employer.district)
        .distinct()
        .where(Employer.district.is_not(None))
        .order_by(Employer.district)
        .limit(DISTRICT_SUGGESTIONS)
    )
    return list(db.session.scalars(query))


def _form_page(template: str, form: EmployerForm, status: int = 200, **context):
    return (
        render_template(
            template,
            form=form,
            legal_forms=COMMON_LEGAL_FORMS,
            districts=_district_suggestions(),
            **context,
        ),
        status,
    )


# --- create, briefing, edit ---------------------------------------------------------------------


@bp.route("/employers/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new():
    form = EmployerCreateForm()
    form.load_choices()
    if request.method == "GET":
        form.owner_id.data = current_user.id
        form.site_id.data = current_user.site_id
        form.stage_id.data = next((s.id for s in active_stages() if s.key == "lead"), None)
    candidates = []
    if form.validate_on_submit():
        if not form.confirm_duplicate.data:
            candidates = find_duplicate_candidates(
                name=form.name.data, postcode=form.postcode.data, city=form.city.data
            )
        if not candidates:
            stage = db.session.get(Stage, form.stage_id.data)
            employer = create_employer(data=form.to_input(), stage=stage, actor=current_user._get_current_object())
            db.session.commit()
            flash(_("%(name)s has been created.", name=employer.name), "success")
            return redirect(url_for("employers.detail", employer_id=employer.id))
    status = 422 if form.errors else 200
    return _form_page("employers/form.html", form, status, employer=None, candidates=candidates)


@bp.get("/employers/<int:employer_id>")
def detail(employer_id: int):
    employer = _load_employer(employer_id)
    return render_template(
        "employers/detail.html",
        employer=employer,
        primary_contact=_primary_contact(employer),
        last_change=_last_stage_change(employer),
        panels=_render_panels(employer),
        stages=active_stages(),
    )


@bp.route("/employers/<int:employer_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit(employer_id: int):
    employer = _load_employer(employer_id)
    if employer.is_archived:
        flash(_("Archived employers cannot be edited. Restore the employer first."), "warning")
        return redirect(url_for("employers.detail", employer_id=employer.id))
    form = EmployerForm(obj=employer)
    form.load_choices(current_owner_id=employer.owner_id, current_industry_id=employer.industry_id)
    if request.method == "GET":
        form.tags.data = ", ".join(tag.name for tag in employer.tags)
        form.version.data = str(employer.version)
    conflict = None
    if form.validate_on_submit():
        try:
            update_employer(employer=employer, data=form.to_input(), expected_version=_int(form.version.data))
        except StaleEmployerError:
            db.session.rollback()
            employer = _load_employer(employer_id)
            conflict = _conflict(form, employer)
        except EmployerError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
        else:
            db.session.commit()
            flash(_("The changes to %(name)s have been saved.", name=employer.name), "success")
            return redirect(url_for("employers.detail", employer_id=employer.id))
    status = 409 if conflict else (422 if form.errors else 200)
    return _form_page("employers/form.html", form, status, employer=employer, conflict=conflict, candidates=[])


def _int(value: object) -> int:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return -1  # an unparseable version can only be stale


# Fields compared when a save collides with someone else's; the rest of the form is hidden or derived.
CONFLICT_FIELDS = (
    "name",
    "legal_form",
    "industry_id",
    "size_class",
    "street",
    "postcode",
    "city",
    "district",
    "phone",
    "email",
    "website",
    "source",
    "owner_id",
    "site_id",
    "tags",
    "accessibility_notes",
    "transport_notes",
    "notes",
)


def _conflict(form: EmployerForm, employer: Employer) -> dict:
    """Compare the typed input with what is saved now; the form keeps the typed input.

    The hidden version moves to the saved one, so sending the form again is a deliberate overwrite.
    """
    saved = EmployerForm(formdata=None, obj=employer, meta={"csrf": False})
    saved.load_choices(current_owner_id=employer.owner_id, current_industry_id=employer.industry_id)
    saved.tags.data = ", ".join(tag.name for tag in employer.tags)
    rows = []
    for name in CONFLICT_FIELDS:
        mine, theirs = _display(form[name]), _display(saved[name])
        if mine != theirs:
            rows.append({"label": form[name].label.text, "field_id": form[name].id, "mine": mine, "theirs": theirs})
    form.version.data = str(employer.version)
    latest = history_for(Employer.__tablename__, employer.id, limit=1)
    return {"rows": rows, "entry": latest[0] if latest else None}


def _display(field) -> str:
    """A field's value as the user reads it (the label of a chosen option)."""
    value = field.data
    if field.type == "SelectField":
        return next((str(label) for key, label, *_rest in _choices(field) if key == value), "")
    return "" if value is None else str(value)


def _choices(field):
    for choice in field.choices:
        key = field.coerce(choice[0])
        yield (key, choice[1])


# --- stage moves --------------------------------------------------------------------------------


@bp.route("/employers/<int:employer_id>/stage", methods=["GET", "POST"])
@roles_required(*EDITORS)
def change_stage(employer_id: int):
    """Move an employer to another stage: from the briefing, a pipeline card, or drag and drop (JSON)."""
    employer = _load_employer(employer_id)
    stages = active_stages()
    form = StageChangeForm(data={"stage_id": employer.stage_id} if request.method == "GET" else None)
    form.load_choices(stages)
    if request.method == "GET":
        form.next.data = safe_next("")
    if form.validate_on_submit():
        stage = next(s for s in stages if s.id == form.stage_id.data)
        previous = employer.stage.name
        try:
            change = move_employer_to_stage(
                employer=employer, stage=stage, reason=form.reason.data, actor=current_user._get_current_object()
            )
        except EmployerError as error:
            db.session.rollback()
            employer = _load_employer(employer_id)
            show_error(form, error, default_field="stage_id")
        else:
            db.session.commit()
            if change is None:
                message = _("%(name)s is already in the stage “%(stage)s”.", name=employer.name, stage=stage.name)
            else:
                message = _(
                    "%(name)s moved from “%(old)s” to “%(new)s”.", name=employer.name, old=previous, new=stage.name
                )
            if _wants_json():
                duration = _("%(duration)s in this stage", duration=duration_filter(time_in_stage(employer)))
                return jsonify(ok=True, message=message, stage_id=stage.id, duration=duration)
            flash(message, "success")
            return redirect(safe_next(url_for("employers.detail", employer_id=employer.id)))
    if request.method == "POST" and _wants_json():
        errors = {name: list(messages) for name, messages in form.errors.items()}
        first = next(iter(errors.values()), [_("The stage could not be changed.")])[0]
        return jsonify(ok=False, message=first, errors=errors), 422
    status = 422 if form.errors else 200
    return render_template("employers/stage.html", employer=employer, form=form, stages=stages), status


# --- archive and restore ------------------------------------------------------------------------


@bp.post("/employers/<int:employer_id>/archive")
@roles_required(*EDITORS)
def archive(employer_id: int):
    employer = db.get_or_404(Employer, employer_id)
    archive_employer(employer=employer)
    db.session.commit()
    flash(_("%(name)s has been archived. An administrator can restore it.", name=employer.name), "success")
    return redirect(url_for("employers.detail", employer_id=employer.id))


@bp.post("/employers/<int:employer_id>/restore")
@roles_required(*ADMINS)
def restore(employer_id: int):
    employer = db.get_or_404(Employer, employer_id)
    restore_employer(employer=employer)
    db.session.commit()
    flash(_("%(name)s has been restored.", name=employer.name), "success")
    return redirect(url_for("employers.detail", employer_id=employer.id))


# --- print view ---------------------------------------------------------------------------------


@bp.get("/employers/<int:employer_id>/print")
def print_view(employer_id: int):
    employer = _load_employer(employer_id)
    return render_template(
        "employers/print.html",
        employer=employer,
        primary_contact=_primary_contact(employer),
        last_change=_last_stage_change(employer),
        panels=_render_panels(employer, printing=True),
        printed_at=utcnow(),
    )


# --- pipeline -----------------------------------------------------------------------------------


@bp.get("/pipeline")
def pipeline():
    owner_arg = request.args.get("owner", "")
    owner_id = current_user.id if owner_arg == "me" else _optional_int(owner_arg)
    site_id = _optional_int(request.args.get("site", ""))
    columns = pipeline_board(owner_id=owner_id, site_id=site_id, per_column=PIPELINE_CARDS_PER_COLUMN)
    owners = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name)).all()
    return render_template(
        "employers/pipeline.html",
        columns=columns,
        stages=[column.stage for column in columns],
        owners=owners,
        sites=list_sites(),
        owner_arg=owner_arg,
        owner_id=owner_id,
        site_id=site_id,
        next_url=request.full_path.rstrip("?"),
    )


def _optional_int(value: str) -> int | None:
    return int_or_none(value)


# The list, search and CSV export live in their own module; importing it attaches its routes.
import crm.employers.catalogue_views  # noqa: E402,F401,I001
import crm.employers.list_views  # noqa: E402,F401,I001
