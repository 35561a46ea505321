# Local development: `make run` / `crm serve`.
DEBUG = False  # the German error pages stay visible; use FLASK_DEBUG=1 for the debugger
