"""Data-protection requests (DSGVO) for contact persons: access (Art. 15), erasure (Art. 17), review.

Admins handle these requests (in a workshop that is the data-protection contact or the office
lead): a request concerns every record about a person and erasure cannot be undone, so acquisition
staff and coaches ask an admin. Every export and erasure is written to the audit trail.
"""

from flask import Blueprint

bp = Blueprint("gdpr", __name__, url_prefix="/gdpr")
