"""WSGI entry point for production servers: `gunicorn 'crm.wsgi:app'`."""

import gc

from crm import create_app

app = create_app()
# Everything loaded at start-up lives as long as the process: move it out of the collector's view,
# so full collections during requests scan only per-request objects (see README, Benchmark).
gc.freeze()
