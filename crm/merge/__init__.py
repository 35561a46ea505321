"""Merging two employer records that are the same company (admins only)."""

from flask import Blueprint

bp = Blueprint("merge", __name__, url_prefix="/merge")
