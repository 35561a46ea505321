# The test suite. The database comes from CRM_TEST_DATABASE_URL or a temporary SQLite file.
TESTING = True
SECRET_KEY = "testing-secret-key-not-for-production"  # noqa: S105 (the test suite's own)
MAIL_SUPPRESS_SEND = False  # tests talk to a real SMTP server on loopback
MAIL_DEFAULT_SENDER = "Inklusiv-CRM <crm@example.org>"
MAIL_TIMEOUT_SECONDS = 5
SERVER_NAME_FOR_MAIL = "crm.example.org"
# Tests log in as admin everywhere; the two-factor tests switch the requirement on themselves.
REQUIRE_2FA_FOR_ADMINS = False
