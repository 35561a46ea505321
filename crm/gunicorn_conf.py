"""gunicorn settings for production: `gunicorn -c python:crm.gunicorn_conf --workers 4 --bind … crm.wsgi:app`.

Command-line options still override these. The logger writes the access log with the secret of password-reset
and calendar-feed links replaced by *** (crm.access_log).
"""

# The access log goes to standard output (the service manager's journal); gunicorn writes none by default.
accesslog = "-"
logger_class = "crm.access_log.GunicornLogger"

# gunicorn kills a worker that has not answered for 30 s by default. Committing the largest import (10,000 rows,
# one transaction) takes about 40 s on PostgreSQL (bench/imports.py); killed, it would roll back and show an error.
timeout = 120
