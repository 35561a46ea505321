"""Objections (Einwände) employers raise and the arguments that answered them, with the outcome."""

from flask import Blueprint

# No url_prefix: pages live under /objections, /employers/<id>/objections and /insights/objections.
bp = Blueprint("objections", __name__)
