"""Reports for management and leads: funnel, sources, activity, DuoDay, placements and the outside-work quota."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")
