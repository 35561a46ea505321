"""Contact persons (Ansprechpartner*innen) at employers."""

from flask import Blueprint

bp = Blueprint("contacts", __name__)
