"""The dashboard tests use the reports' hand-built data set."""

from tests.reports.conftest import dataset, frozen_today, quota  # noqa: F401
