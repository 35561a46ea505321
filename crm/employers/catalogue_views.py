"""Admin pages for the stage and industry catalogues (/admin/stages, /admin/industries)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from crm.employers import bp
from crm.employers.catalogue import employer_counts_by_industry, employer_counts_by_stage, save_industry, save_stage
from crm.employers.forms import IndustryForm, StageForm
from crm.employers.models import Industry, Stage, StageKind
from crm.employers.services import EmployerError
from crm.extensions import db
from crm.forms import show_error
from crm.security import ADMINS, roles_required


def _kind_choices() -> list[tuple[str, str]]:
    return [(StageKind.PIPELINE.value, _("Pipeline stage")), (StageKind.SIDE.value, _("Side stage"))]


@bp.get("/admin/stages")
@roles_required(*ADMINS)
def stages():
    rows = db.session.scalars(select(Stage).order_by(Stage.active.desc(), Stage.kind, Stage.position, Stage.id)).all()
    return render_template("employers/catalogue_stages.html", stages=rows, counts=employer_counts_by_stage())


@bp.route("/admin/stages/new", methods=["GET", "POST"], endpoint="new_stage")
@bp.route("/admin/stages/<int:stage_id>", methods=["GET", "POST"], endpoint="edit_stage")
@roles_required(*ADMINS)
def stage_form(stage_id: int | None = None):
    stage = db.get_or_404(Stage, stage_id) if stage_id is not None else None
    form = StageForm(obj=stage) if stage else StageForm(data={"position": _next_position(), "active": True})
    form.kind.choices = _kind_choices()
    if stage is not None and request.method == "GET":
        form.kind.data = stage.kind.value
    if form.validate_on_submit():
        try:
            saved = save_stage(
                stage=stage,
                name=form.name.data,
                position=form.position.data,
                kind=StageKind(form.kind.data),
                cadence_days=form.cadence_days.data,
                requires_reason=form.requires_reason.data,
                blocks_contact=form.blocks_contact.data,
                active=form.active.data,
            )
        except EmployerError as error:
            db.session.rollback()
            show_error(form, error, default_field="name")
        else:
            db.session.commit()
            flash(_("The stage “%(name)s” has been saved.", name=saved.name), "success")
            return redirect(url_for("employers.stages"))
    return render_template("employers/catalogue_stage_form.html", form=form, stage=stage), 422 if form.errors else 200


def _next_position() -> int:
    last = db.session.scalar(select(Stage.position).order_by(Stage.position.desc()).limit(1))
    return min((last or 0) + 1, 99)


@bp.route("/admin/industries", methods=["GET", "POST"])
@roles_required(*ADMINS)
def industries():
    """The list, with a short form to add one."""
    form = IndustryForm(data={"active": True})
    if form.validate_on_submit():
        try:
            industry = save_industry(industry=None, name=form.name.data, active=True)
        except EmployerError as error:
            db.session.rollback()
            show_error(form, error, default_field="name")
        else:
            db.session.commit()
            flash(_("The industry “%(name)s” has been added.", name=industry.name), "success")
            return redirect(url_for("employers.industries"))
    rows = db.session.scalars(select(Industry).order_by(Industry.active.desc(), Industry.name)).all()
    html = render_template(
        "employers/catalogue_industries.html", industries=rows, counts=employer_counts_by_industry(), form=form
    )
    return html, 422 if form.errors else 200


@bp.route("/admin/industries/<int:industry_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def edit_industry(industry_id: int):
    industry = db.get_or_404(Industry, industry_id)
    form = IndustryForm(obj=industry)
    if form.validate_on_submit():
        try:
            save_industry(industry=industry, name=form.name.data, active=form.active.data)
        except EmployerError as error:
            db.session.rollback()
            show_error(form, error, default_field="name")
        else:
            db.session.commit()
            flash(_("The industry “%(name)s” has been saved.", name=industry.name), "success")
            return redirect(url_for("employers.industries"))
    html = render_template("employers/catalogue_industry_form.html", form=form, industry=industry)
    return html, 422 if form.errors else 200
