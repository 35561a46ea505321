"""Follow-ups (Wiedervorlagen): dated tasks per employer, the contact cadence, the morning digest and the calendar feed."""

from flask import Blueprint

bp = Blueprint("followups", __name__, url_prefix="/followups")
