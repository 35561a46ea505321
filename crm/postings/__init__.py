"""Job postings (Stellenangebote) and their notice-board posters (Schaukasten)."""

from flask import Blueprint

bp = Blueprint("postings", __name__, url_prefix="/postings")
