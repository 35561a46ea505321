"""German error pages; no stack trace ever reaches a user, the log has it with the request id."""

from contextlib import suppress

from flask import Flask, Response, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin, current_user
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


def _user_or_visitor() -> None:
    """Load the signed-in user (language, page layout); with the database away, go on as a visitor."""
    try:
        current_user.is_authenticated  # noqa: B018 (loads the user)
    except (OperationalError, InterfaceError):
        with suppress(SQLAlchemyError):
            db.session.rollback()
        g._login_user = AnonymousUserMixin()


def render_error(code: int, detail: object = None):
    _user_or_visitor()
    title, message = MESSAGES.get(code, MESSAGES[500])
    text = str(detail or message)
    if request.headers.get("HX-Request"):
        # htmx swaps no error answer into the page; static/js/app.js shows this text in the page's alert region.
        return Response(text, code, mimetype="text/plain")
    html = render_template("errors/error.html", code=code, title=title, message=text, request_id=g.get("request_id"))
    return html, code


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        # Lazy: the language is chosen in render_error, once it is clear whether the user can be loaded.
        return render_error(
            400, _l("The form has expired or was sent from elsewhere. Please reload the page and send it again.")
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return render_error(error.code or 500)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(error: OperationalError | InterfaceError):
        """The database is down, restarting or locked: a temporary condition, so 503 and "try again", not 500.

        pool_pre_ping replaces dead connections on the next request; this covers the seconds in between.
        """
        with suppress(SQLAlchemyError):
            db.session.rollback()
        # The driver's message says which condition it was (connection refused, "database is locked", a deadlock,
        # a statement timeout …); the traceback shows where.
        cause = str(error.orig if error.orig is not None else error).strip().splitlines()
        app.logger.warning(
            "database unavailable on %s %s: %s: %s",
            request.method,
            mask_secrets(request.path),
            type(error.orig or error).__name__,
            cause[0] if cause else "",
            exc_info=error,
        )
        # The page must not need the database itself: loading the signed-in user would fail again.
        g._login_user = AnonymousUserMixin()
        if request.path.startswith("/api/"):
            response = problem_response(503, str(MESSAGES[503][1]))
        else:
            response = app.make_response(render_error(503))
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, mask_secrets(request.path))
        return render_error(500)
