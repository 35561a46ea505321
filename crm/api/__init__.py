"""The JSON API (/api/v1) with personal API tokens, and the page where users manage their tokens.

Every /api/v1 request must carry a token (`Authorization: Bearer crm_…`); a browser session is never
accepted there, so the API is exempt from CSRF (no cookie can authenticate it). A token acts as its
owner with the owner's role, limited to reading when its scope is "read".
"""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")
