"""Pages of this domain."""

from crm.employers import bp  # noqa: F401

# The list, search and CSV export live in their own module; importing it attaches its routes.
from crm.employers import list_views  # noqa: E402,F401
