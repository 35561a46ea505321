"""Activities: every logged call, e-mail, visit, meeting, event, letter or note; the employer's history."""

from flask import Blueprint

bp = Blueprint("activities", __name__)
