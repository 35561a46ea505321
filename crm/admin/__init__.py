"""Administration: user accounts (invite, roles, deactivate) and catalogues."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
