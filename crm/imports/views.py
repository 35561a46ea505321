"""Import pages: upload, map the columns, preview with decisions, commit, result and undo."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext, to_user_timezone
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from crm.db import utcnow
from crm.extensions import db
from crm.forms import show_error
from crm.imports import bp
from crm.imports.commit import commit_import
from crm.imports.exports import contact_export_header, contact_export_rows
from crm.imports.fields import FIELDS, as_text, guess_mapping
from crm.imports.forms import ConfirmForm, UploadForm, mapping_form_class
from crm.imports.models import ImportRun, ImportStatus
from crm.imports.reader import ReadError
from crm.imports.services import (
    Decision,
    ImportFailed,
    RowStatus,
    build_preview,
    discard_import,
    load_table,
    max_upload_bytes,
    megabytes,
    preview_import,
    recent_imports,
    store_upload,
)
from crm.imports.undo import undo_blockers, undo_import
from crm.main.errors import render_error
from crm.security import ADMINS, EDITORS, roles_required, user_can
from crm.xlsx_export import spreadsheet_response

# Rows of each kind shown in the preview; the counts always cover the whole file.
PREVIEW_SHOWN_NEW = 50


@bp.route("/", methods=["GET", "POST"])
@roles_required(*EDITORS)
def index():
    form = UploadForm()
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        if not upload or not getattr(upload, "filename", ""):
            form.file.errors.append(_("Please choose a file."))
        else:
            try:
                run = store_upload(filename=upload.filename, data=upload.read(), actor=current_user)
            except ImportFailed as error:
                db.session.rollback()
                form.file.errors.append(error.message)
            else:
                db.session.commit()
                return redirect(url_for("imports.mapping", import_id=run.id))
    if form.errors:
        status = 422
    return _index_page(form), status


def _index_page(form: UploadForm) -> str:
    return render_template(
        "imports/index.html", form=form, imports=recent_imports(), max_mb=max_upload_bytes() // (1024 * 1024)
    )


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error: RequestEntityTooLarge):
    """A request over MAX_CONTENT_LENGTH is cut off before the form is read: say so at the file field."""
    if not user_can(*EDITORS):
        return render_error(403 if current_user.is_authenticated else 413)
    form = UploadForm(formdata=None)
    limit = min(max_upload_bytes(), current_app.config.get("MAX_CONTENT_LENGTH") or max_upload_bytes())
    form.file.errors = [_("The file is too large. At most %(max)s MB are allowed.", max=megabytes(limit))]
    return _index_page(form), 413


def _load(import_id: int) -> ImportRun:
    return db.get_or_404(ImportRun, import_id)


@bp.route("/<int:import_id>/map", methods=["GET", "POST"])
@roles_required(*EDITORS)
def mapping(import_id: int):
    run = _load(import_id)
    if run.status not in (ImportStatus.UPLOADED, ImportStatus.PREVIEWED):
        return redirect(url_for("imports.result", import_id=run.id))
    try:
        table = load_table(run)
    except (ImportFailed, ReadError) as error:
        flash(getattr(error, "message", str(error)), "danger")
        return redirect(url_for("imports.index"))
    samples = [
        next((as_text(row[i]) for row in table.rows if as_text(row[i])), "")[:30] for i in range(len(run.headers))
    ]
    form_class = mapping_form_class(run.headers, samples)
    current = run.mapping or guess_mapping(run.headers)
    form = form_class(data={key: str(index) for key, index in current.items()})
    if request.method == "POST":
        form = form_class()
    status = 200
    if form.validate_on_submit():
        chosen = {field.key: int(form[field.key].data) for field in FIELDS if form[field.key].data not in (None, "")}
        try:
            preview_import(run=run, mapping=chosen)
        except ImportFailed as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            return redirect(url_for("imports.preview", import_id=run.id))
    if request.method == "POST":
        status = 422
    return render_template("imports/mapping.html", run=run, form=form, fields=FIELDS, table=table), status


@bp.route("/<int:import_id>/preview")
@roles_required(*EDITORS)
def preview(import_id: int):
    run = _load(import_id)
    if run.status != ImportStatus.PREVIEWED:
        return redirect(
            url_for("imports.mapping" if run.status == ImportStatus.UPLOADED else "imports.result", import_id=run.id)
        )
    try:
        result = build_preview(table=load_table(run), mapping=run.mapping)
    except (ImportFailed, ReadError) as error:
        flash(getattr(error, "message", str(error)), "danger")
        return redirect(url_for("imports.index"))
    return _preview_page(run, result, ConfirmForm())


def _preview_page(run, result, form, status: int = 200):
    mapped = [field for field in FIELDS if field.key in run.mapping]
    return (
        render_template(
            "imports/preview.html",
            run=run,
            form=form,
            result=result,
            fields=mapped,
            errors=[r for r in result.rows if r.status == RowStatus.ERROR],
            duplicates=[r for r in result.rows if r.status == RowStatus.DUPLICATE],
            new_rows=[r for r in result.rows if r.status == RowStatus.NEW][:PREVIEW_SHOWN_NEW],
            counts={s: result.count(s) for s in (RowStatus.NEW, RowStatus.DUPLICATE, RowStatus.ERROR)},
            Decision=Decision,
        ),
        status,
    )


@bp.route("/<int:import_id>/commit", methods=["POST"])
@roles_required(*EDITORS)
def commit(import_id: int):
    run = _load(import_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    decisions = {}
    for key, value in request.form.items():
        if (
            key.startswith("decision-")
            and key[9:].isdigit()
            and value in (Decision.SKIP, Decision.UPDATE, Decision.CREATE)
        ):
            decisions[int(key[9:])] = value
    try:
        outcome = commit_import(run=run, decisions=decisions, actor=current_user)
        db.session.commit()
    except ImportFailed as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("imports.result", import_id=import_id))
    flash(
        _(
            "Import completed: %(created)s new, %(updated)s updated, %(skipped)s skipped, %(errors)s rows with errors.",
            created=outcome.created,
            updated=outcome.updated,
            skipped=outcome.skipped,
            errors=outcome.errors,
        ),
        "success",
    )
    return redirect(url_for("imports.result", import_id=import_id))


@bp.route("/<int:import_id>")
@roles_required(*EDITORS)
def result(import_id: int):
    run = _load(import_id)
    blockers = undo_blockers(run) if run.status == ImportStatus.COMMITTED else []
    return render_template("imports/result.html", run=run, blockers=blockers, ImportStatus=ImportStatus)


@bp.route("/<int:import_id>/discard", methods=["POST"])
@roles_required(*EDITORS)
def discard(import_id: int):
    run = _load(import_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    discard_import(run=run)
    db.session.commit()
    flash(_("The import was cancelled and the file deleted."), "success")
    return redirect(url_for("imports.index"))


@bp.route("/<int:import_id>/undo", methods=["POST"])
@roles_required(*ADMINS)
def undo(import_id: int):
    run = _load(import_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        undo_import(run=run, actor=current_user)
        db.session.commit()
    except ImportFailed as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        count = run.created_count
        flash(
            ngettext(
                "The import was undone; %(num)d employer was removed.",
                "The import was undone; %(num)d employers were removed.",
                count,
            ),
            "success",
        )
    return redirect(url_for("imports.result", import_id=import_id))


@bp.get("/export/contacts.csv", defaults={"fmt": "csv"})
@bp.get("/export/contacts.xlsx", defaults={"fmt": "xlsx"})
@roles_required(*EDITORS)
def export_contacts(fmt: str):
    """All current contact persons as German-Excel CSV or XLSX (formula cells neutralised)."""
    user_id = current_user.id

    def log_export(count: int) -> None:
        current_app.logger.info("contact %s export: user %s exported %d rows", fmt, user_id, count)

    stem = f"{_('contacts')}-{format_date(to_user_timezone(utcnow()).date(), 'yyyy-MM-dd')}"
    return spreadsheet_response(fmt, stem, contact_export_header(), contact_export_rows(), on_complete=log_export)
