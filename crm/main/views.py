"""Start page (the dashboard), health check and language switch."""

from flask import jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from crm.extensions import db
from crm.followups.workdays import local_today
from crm.main import bp
from crm.reports.dashboard import build_dashboard
from crm.security import LOGGERS, safe_next


@bp.get("/")
def dashboard() -> str:
    """The start page: my follow-ups, activities and employers; the team's pipeline, postings, DuoDay, news."""
    today = local_today()
    personal = current_user.role in LOGGERS
    data = build_dashboard(user=current_user, today=today, personal=personal)
    return render_template("main/dashboard.html", data=data, today=today, personal=personal)


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
    return redirect(safe_next(url_for("main.dashboard")))
