"""The security event log for admins: filter by kind and user, newest first, paginated."""

from flask import current_app, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.auth.models import User
from crm.extensions import db
from crm.forms import int_or_none
from crm.security import ADMINS, roles_required
from crm.security_events import bp
from crm.security_events.models import SecurityEvent, SecurityEventKind
from crm.security_events.services import security_events_query
from crm.ui import paginate


@bp.get("/")
@roles_required(*ADMINS)
def index():
    kind_value = request.args.get("kind", "")
    kind = SecurityEventKind(kind_value) if kind_value in SecurityEventKind._value2member_map_ else None
    user_id = int_or_none(request.args.get("user"))
    query = security_events_query(kind=kind, user_id=user_id).options(
        selectinload(SecurityEvent.user), selectinload(SecurityEvent.target_user)
    )
    page = paginate(query, per_page=current_app.config["ITEMS_PER_PAGE"] * 2)
    users = db.session.scalars(select(User).order_by(User.name, User.id)).all()
    return render_template(
        "security_events/index.html",
        page=page,
        kinds=list(SecurityEventKind),
        kind=kind,
        users=users,
        user_id=user_id,
    )
