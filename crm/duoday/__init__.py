"""DuoDay: the yearly tandem day per region, with the employers that host a workshop employee."""

from flask import Blueprint

bp = Blueprint("duoday", __name__, url_prefix="/duoday")
