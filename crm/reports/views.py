"""/reports: the overview, each report with period and site filter, CSV/XLSX downloads, quota settings."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm.extensions import db
from crm.followups.workdays import local_today
from crm.forms import form_status
from crm.reports import bp
from crm.reports.forms import QuotaSettingsForm, ReportFilterForm
from crm.reports.pages import REPORTS, REPORTS_BY_KEY, ReportPage
from crm.reports.queries import quota_settings
from crm.reports.services import save_quota_settings
from crm.security import ADMINS, roles_required
from crm.sites.services import list_sites
from crm.xlsx_export import spreadsheet_response

EXPORT_FORMATS = ("csv", "xlsx")


def _filter_form() -> ReportFilterForm:
    form = ReportFilterForm(request.args)
    form.site.choices = [("", _("All sites"))] + [(str(site.id), site.name) for site in list_sites()]
    if request.args:
        form.validate()
    return form


def _build(key: str) -> tuple[ReportFilterForm, ReportPage]:
    spec = REPORTS_BY_KEY.get(key)
    if spec is None:
        abort(404)
    form = _filter_form()
    today = local_today()
    return form, spec.build(form.to_period(today), today=today)


@bp.get("/")
def index():
    """The list of reports, with the objection matrix of the knowledge domain beside them."""
    return render_template("reports/index.html", reports=REPORTS)


@bp.get("/<key>")
def report(key: str):
    form, page = _build(key)
    return render_template("reports/report.html", form=form, page=page), form_status(form)


@bp.get("/<key>/<table>.<fmt>")
def export(key: str, table: str, fmt: str):
    """One table of a report as CSV (German Excel) or XLSX, with the same filters as the page."""
    if fmt not in EXPORT_FORMATS:
        abort(404)
    form, page = _build(key)
    data = page.table(table)
    if data is None:
        abort(404)
    period = form.to_period(local_today())
    stem = f"{page.key}-{data.key}-{period.start.isoformat()}-{period.end.isoformat()}"
    rows = [*data.rows, data.totals] if data.totals else data.rows
    return spreadsheet_response(fmt, stem, data.columns, rows)


@bp.route("/quota/settings", methods=["GET", "POST"])
@roles_required(*ADMINS)
def quota_settings_edit():
    """Workforce size, records count, baseline and goal of the outside-work quota (admin only, audited)."""
    settings = quota_settings()
    form = QuotaSettingsForm(obj=settings)
    if form.validate_on_submit():
        save_quota_settings(
            workforce_size=form.workforce_size.data,
            outside_count=form.outside_count.data,
            baseline_percent=form.baseline_percent.data,
            baseline_date=form.baseline_date.data,
            goal_percent=form.goal_percent.data,
            goal_year=form.goal_year.data,
            actor=current_user,
        )
        db.session.commit()
        flash(_("The quota settings are saved."), "success")
        return redirect(url_for("reports.report", key="quota"))
    return render_template("reports/quota_settings.html", form=form, settings=settings), form_status(form)
