"""Pages of this domain."""

from crm.contacts import bp  # noqa: F401
