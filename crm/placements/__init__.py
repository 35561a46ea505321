"""Placements (Vermittlungen): a workshop employee at an employer, phase by phase, with safety and funding."""

from flask import Blueprint

bp = Blueprint("placements", __name__, url_prefix="/placements")
