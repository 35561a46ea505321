"""Employer pages: create, edit, briefing, stage moves, pipeline, print view."""

# The list, search and CSV export live in their own module; importing it attaches its routes.
import crm.employers.list_views  # noqa: E402,F401,I001
from crm.employers import bp  # noqa: F401
