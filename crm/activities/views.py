"""Pages of this domain."""

from crm.activities import bp  # noqa: F401
