"""Start page and health check."""

from flask import jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from crm.extensions import db
from crm.main import bp
from crm.security import is_safe_next


@bp.get("/")
def dashboard() -> str:
    return render_template("main/dashboard.html")


@bp.get("/healthz")
def healthz():
    """Report whether the database answers; for load balancers and monitoring."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.post("/language")
def set_language():
    """Switch the interface language for the current user."""
    language = request.form.get("language", "de")
    if language in ("de", "en"):
        if current_user.is_authenticated:
            current_user.language = language
            db.session.commit()
        session["language"] = language
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("main.dashboard"))
