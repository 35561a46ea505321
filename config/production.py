# Production behind gunicorn. SECRET_KEY must come from CRM_SECRET_KEY; the app refuses the default.
SECRET_KEY = ""
SESSION_COOKIE_SECURE = True
PREFERRED_URL_SCHEME = "https"
