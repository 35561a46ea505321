"""Import of employers with their contacts from CSV and Excel files: map, preview, commit, undo."""

from flask import Blueprint

bp = Blueprint("imports", __name__, url_prefix="/import")
