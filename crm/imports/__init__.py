"""Import of employers with their contacts from CSV and Excel files: map, preview, commit, undo.

Who: admins and acquisition staff import (they create employers anyway, and every row is checked in
the preview before anything is saved); only admins undo an import, because undoing removes records.
"""

from flask import Blueprint

bp = Blueprint("imports", __name__, url_prefix="/import")
