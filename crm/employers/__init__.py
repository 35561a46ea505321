"""Employers (Arbeitgeber): the firms the workshop wins, their acquisition stage and pipeline."""

from flask import Blueprint

# No url_prefix: the pipeline lives at /pipeline, the rest under /employers.
bp = Blueprint("employers", __name__)
