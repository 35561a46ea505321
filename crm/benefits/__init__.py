"""The benefits sheet: admin-maintained legal facts and the compensation-levy and wage-subsidy calculator."""

from flask import Blueprint

bp = Blueprint("benefits", __name__)
