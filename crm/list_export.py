"""Download links and responses for the list pages: the rows the current filters select, as CSV or XLSX."""

from collections.abc import Iterable, Sequence

from flask import Response, current_app, request, url_for
from flask_babel import format_date
from flask_login import current_user

from crm.followups.workdays import local_today
from crm.xlsx_export import spreadsheet_response

FORMATS = ("csv", "xlsx")


def export_urls(endpoint: str) -> dict[str, str]:
    """The export URL per format with the page's current filters (every page, so without `page`)."""
    args = {key: values for key, values in request.args.to_dict(flat=False).items() if key != "page"}
    return {fmt: url_for(endpoint, fmt=fmt, **args) for fmt in FORMATS}


def list_export_response(
    fmt: str, *, kind: str, stem: str, header: Sequence[object], rows: Iterable[Sequence[object]]
) -> Response:
    """A dated CSV or XLSX download of `rows`, logged with who exported how many rows and with which filters."""
    user_id = current_user.id
    query_string = request.query_string.decode("utf-8", "replace")

    def log_export(count: int) -> None:
        current_app.logger.info(
            "%s %s export: user %s exported %d rows; filters: %s",
            kind,
            fmt.upper(),
            user_id,
            count,
            query_string or "-",
        )

    filename_stem = f"{stem}-{format_date(local_today(), 'yyyy-MM-dd')}"
    return spreadsheet_response(fmt, filename_stem, header, rows, on_complete=log_export)
