"""German error pages; no stack trace ever reaches a user, the log has it with the request id."""

from contextlib import suppress

from flask import Flask, g, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from crm.access_log import mask_secrets
from crm.api.problems import problem_response
from crm.extensions import db

MESSAGES = {
    400: (_l("Invalid request"), _l("The request could not be processed. Please reload the page and try again.")),
    403: (_l("Access denied"), _l("Your role does not allow this action. Ask an administrator if you need it.")),
    404: (
        _l("Page not found"),
        _l("This page does not exist or was moved. Check the address or go to the start page."),
    ),
    405: (_l("Not allowed"), _l("This action is not available here.")),
    413: (_l("File too large"), _l("The file is larger than allowed.")),
    500: (_l("Something went wrong"), _l("An unexpected error happened. It was logged; please try again later.")),
    503: (
        _l("Briefly unavailable"),
        _l(
            "The database cannot be reached at the moment (for example during maintenance). Your last change may not "
            "have been saved: please check in a minute and repeat it if it is missing. Going back in the browser keeps "
            "what you typed."
        ),
    ),
}
# Seconds a client is asked to wait after a 503 (a database restart or failover takes a few seconds).
RETRY_AFTER_SECONDS = 30


def render_error(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, MESSAGES[500])
    html = render_template(
        "errors/error.html", code=code, title=title, message=detail or message, request_id=g.get("request_id")
    )
    return html, code


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(
            400, _("The form has expired or was sent from elsewhere. Please reload the page and send it again.")
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if request.headers.get("HX-Request") and error.code in (401, 403):
            return _("Access denied"), error.code
        return render_error(error.code or 500)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(error: OperationalError | InterfaceError):
        """The database is down, restarting or locked: a temporary condition, so 503 and "try again", not 500.

        pool_pre_ping replaces dead connections on the next request; this covers the seconds in between.
        """
        with suppress(SQLAlchemyError):
            db.session.rollback()
        app.logger.warning(
            "database unavailable on %s %s: %s",
            request.method,
            mask_secrets(request.path),
            type(error.orig).__name__ if error.orig is not None else type(error).__name__,
        )
        # The page must not need the database itself: loading the signed-in user would fail again.
        g._login_user = AnonymousUserMixin()
        if request.path.startswith("/api/"):
            response = problem_response(503, str(MESSAGES[503][1]))
        else:
            html, _code = render_error(503)
            response = app.make_response((html, 503))
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, mask_secrets(request.path))
        return render_error(500)
