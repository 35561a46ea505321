"""The start page, health check, language switch and error pages."""

from flask import Blueprint

bp = Blueprint("main", __name__)
