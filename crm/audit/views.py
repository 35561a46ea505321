"""The audit trail for admins, and each record's history."""

from flask import current_app, render_template, request
from sqlalchemy import select

from crm.audit import bp
from crm.audit.models import AuditEntry
from crm.extensions import db
from crm.security import ADMINS, roles_required
from crm.ui import paginate


@bp.get("/")
@roles_required(*ADMINS)
def index():
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    entity_type = request.args.get("type", "").strip()
    if entity_type:
        query = query.where(AuditEntry.entity_type == entity_type)
    page = paginate(query, per_page=current_app.config["ITEMS_PER_PAGE"] * 2)
    types = db.session.scalars(select(AuditEntry.entity_type).distinct().order_by(AuditEntry.entity_type))
    return render_template("audit/index.html", page=page, types=list(types), entity_type=entity_type)
