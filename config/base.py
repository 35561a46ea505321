# Settings shared by every environment. Each can be overridden by an environment variable
# CRM_<NAME> (values are parsed as JSON where possible: CRM_MAIL_PORT=2525, CRM_MAIL_USE_TLS=true).
from datetime import timedelta

# An empty DATABASE_URL means: SQLite file crm.sqlite3 in the instance folder.
DATABASE_URL = ""
SECRET_KEY = "dev-insecure-change-me"  # noqa: S105 (development only: production refuses it, see crm.create_app)

SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

BABEL_DEFAULT_LOCALE = "de"
BABEL_DEFAULT_TIMEZONE = "Europe/Berlin"
LANGUAGES = ["de", "en"]

# Sessions end after this much inactivity; every request renews the cookie.
SESSION_IDLE_MINUTES = 120
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = False
SESSION_COOKIE_NAME = "crm_session"
PERMANENT_SESSION_LIFETIME = timedelta(minutes=SESSION_IDLE_MINUTES)
# However active, a session ends this many hours after the login (ASVS 3.3.2): a stolen cookie or a
# browser left open over night does not stay valid for ever.
SESSION_ABSOLUTE_HOURS = 12

WTF_CSRF_TIME_LIMIT = None  # the session lifetime bounds the token already

LOGIN_MAX_FAILURES = 5
# Failures from one address (all accounts). Staff behind one office NAT share an address: raise it there.
LOGIN_MAX_FAILURES_PER_ADDRESS = 5
LOGIN_FAILURE_WINDOW_MINUTES = 15
# Login attempts are kept this long for tracing an attack (throttling itself needs only the window above).
LOGIN_ATTEMPT_RETENTION_DAYS = 90
# Reverse proxies in front of the app whose X-Forwarded-For/-Proto headers are trusted (0 = none).
# Behind one nginx set 1, or every user shares the proxy's address for login throttling.
PROXY_HOPS = 0
PASSWORD_MIN_LENGTH = 12
# Admins must set up two-factor login (TOTP) before they can use the app; others may.
REQUIRE_2FA_FOR_ADMINS = True
# The name an authenticator app shows next to the codes.
TOTP_ISSUER = "Inklusiv-CRM"
PASSWORD_RESET_MAX_AGE_SECONDS = 3600

# Base URL used in links inside e-mails (no request exists when the scheduler sends them).
BASE_URL = "http://127.0.0.1:5000"

MAIL_SERVER = "127.0.0.1"
MAIL_PORT = 25
MAIL_USE_TLS = False
MAIL_USE_SSL = False
MAIL_USERNAME = None
MAIL_PASSWORD = None
MAIL_DEFAULT_SENDER = "Inklusiv-CRM <crm@example.org>"
MAIL_TIMEOUT_SECONDS = 30
MAIL_MAX_ATTEMPTS = 8
# Sent e-mails keep recipient, subject and time; their text (names of employers and contacts) is emptied after
# this many days.
OUTBOX_BODY_RETENTION_DAYS = 30
# Security events (logins, exports, erasures …) older than this are deleted by the retention job.
SECURITY_EVENT_RETENTION_DAYS = 730

MAX_CONTENT_LENGTH = 16 * 1024 * 1024
ITEMS_PER_PAGE = 25

# Imports: largest accepted upload (CSV/XLSX); data protection: contacts without activity for this many
# years are listed for review.
IMPORT_MAX_BYTES = 10 * 1024 * 1024
GDPR_REVIEW_YEARS = 3

# The morning digest: weekdays it goes out (0 = Monday), whether public holidays are skipped (nationwide
# ones; PUBLIC_HOLIDAY_STATE, e.g. "HH", adds a state's), and how many users one scheduler round handles.
DIGEST_WEEKDAYS = [0, 1, 2, 3, 4]
DIGEST_SKIP_PUBLIC_HOLIDAYS = True
PUBLIC_HOLIDAY_STATE = ""
DIGEST_BATCH_SIZE = 200

# `crm scheduler`: how often its jobs poll, how long its lock lives without a heartbeat (SQLite lock row),
# and how often a standby scheduler tries to take over.
SCHEDULER_INTERVAL_SECONDS = 60
SCHEDULER_LOCK_TTL_SECONDS = 120
SCHEDULER_RETRY_SECONDS = 30
# How often the retention job (old login attempts, old mail bodies) runs.
RETENTION_INTERVAL_SECONDS = 3600
