"""Stamping a token's last use: its own transaction, never a commit of the request's work."""

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import func, select

from crm.api.models import ApiToken
from crm.api.tokens import LAST_USED_RESOLUTION, authenticate
from crm.auth.models import LoginAttempt
from crm.employers.models import Employer
from crm.extensions import db

NOW = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)


def stored_last_use(api) -> datetime | None:
    """last_used_at as committed in the database (a fresh read, not the session's copy)."""
    db.session.rollback()
    return db.session.scalar(select(ApiToken.last_used_at).where(ApiToken.user_id == api.user.id))


def test_stamping_the_token_commits_nothing_the_request_holds(api_as):
    api = api_as("acquisition")
    with db.session.no_autoflush:
        # Work the request has begun but not committed when the token is checked.
        db.session.add(LoginAttempt(email="half-done@example.org", address="192.0.2.1"))
        with time_machine.travel(NOW, tick=False):
            token = authenticate(api.secret)
    assert token is not None
    assert token not in db.session.dirty
    db.session.rollback()  # the request fails
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 0
    assert stored_last_use(api) == NOW


def test_a_failed_api_write_is_not_committed_but_the_use_is_stamped(api_as):
    api = api_as("acquisition")
    with time_machine.travel(NOW, tick=False):
        response = api.post("/api/v1/employers", {"name": "Bäckerei Krume", "email": "kein-at-zeichen"})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Employer)) == 0
    assert stored_last_use(api) == NOW


def test_the_use_is_written_at_most_every_few_minutes(api_as):
    api = api_as("viewer")
    with time_machine.travel(NOW, tick=False) as clock:
        assert api.get("/api/v1/employers").status_code == 200
        assert stored_last_use(api) == NOW
        clock.shift(LAST_USED_RESOLUTION - timedelta(seconds=1))
        assert api.get("/api/v1/employers").status_code == 200
        assert stored_last_use(api) == NOW
        clock.shift(timedelta(seconds=2))
        assert api.get("/api/v1/employers").status_code == 200
        assert stored_last_use(api) == NOW + LAST_USED_RESOLUTION + timedelta(seconds=1)
