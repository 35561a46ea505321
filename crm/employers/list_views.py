"""The employer list: search, filters, sorting, pagination and CSV export."""

from crm.employers import bp  # noqa: F401
