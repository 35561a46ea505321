"""The security event log (ASVS V7): logins, failures, 2FA changes, role changes, exports, erasures.

Every event is written through `record_security_event`, which also sends the same, sanitised line to
the Python logger "crm.security"; admins read the log at /admin/security-events.
"""

from flask import Blueprint

bp = Blueprint("security_events", __name__, url_prefix="/admin/security-events")
