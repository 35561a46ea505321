"""Fixtures of the follow-up tests: a follow-up factory and a frozen clock."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from crm.extensions import db
from crm.followups.services import schedule_followup

# Monday 30 March 2026, 08:00 in Berlin (the day after the spring switch to summer time).
MONDAY = datetime(2026, 3, 30, 6, 0, tzinfo=UTC)
TODAY = date(2026, 3, 30)


@pytest.fixture
def clock():
    """Freeze the clock at MONDAY; move it with clock.move_to(...)."""
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def make_followup(app):
    """Schedule (and commit) a follow-up through the service; due in `days` from TODAY."""

    def factory(employer, *, days: int = 0, title: str = "Zurückrufen", created_by=None, **fields):
        followup = schedule_followup(
            employer=employer,
            title=title,
            due_date=fields.pop("due_date", TODAY + timedelta(days=days)),
            created_by=created_by or employer.owner,
            today=fields.pop("today", TODAY),
            **fields,
        )
        db.session.commit()
        return followup

    return factory
