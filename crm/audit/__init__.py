"""The audit trail: who changed which record when, field by field (old → new)."""

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit")
