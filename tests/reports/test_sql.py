"""The month, year and day-difference helpers give the same answers on SQLite and PostgreSQL."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import literal, select

from crm.db import UTCDateTime
from crm.employers.models import Employer
from crm.extensions import db
from crm.reports.sql import days_between, month_of, year_of


def test_month_and_year_of_timestamps_are_counted_in_utc(create_employer):
    # 23:30 in Berlin on 31 March is still March in UTC (21:30); 00:30 UTC on 1 April is April.
    create_employer("A", created_at=datetime(2026, 3, 31, 21, 30, tzinfo=UTC))
    create_employer("B", created_at=datetime(2026, 4, 1, 0, 30, tzinfo=UTC))
    create_employer("C", created_at=datetime(2025, 12, 31, 23, 59, tzinfo=UTC))
    rows = db.session.execute(
        select(Employer.name, month_of(Employer.created_at), year_of(Employer.created_at)).order_by(Employer.name)
    ).all()
    assert [tuple(r) for r in rows] == [("A", "2026-03", "2026"), ("B", "2026-04", "2026"), ("C", "2025-12", "2025")]


def test_month_of_a_date_column(create_employer):
    create_employer("A", do_not_approach_before=date(2027, 1, 31))
    assert db.session.scalar(select(month_of(Employer.do_not_approach_before))) == "2027-01"


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (datetime(2026, 1, 10, 10, tzinfo=UTC), datetime(2026, 1, 20, 10, tzinfo=UTC), 10.0),
        (datetime(2026, 3, 28, 12, tzinfo=UTC), datetime(2026, 3, 30, 0, tzinfo=UTC), 1.5),
        (datetime(2025, 12, 31, 0, tzinfo=UTC), datetime(2026, 3, 1, 0, tzinfo=UTC), 60.0),
    ],
)
def test_days_between(start, end, days):
    value = db.session.scalar(select(days_between(literal(start, UTCDateTime()), literal(end, UTCDateTime()))))
    assert float(value) == pytest.approx(days, abs=1e-6)
