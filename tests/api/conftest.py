"""Fixtures for API tests: a token per role and scope, and a client sending it."""

import pytest

from crm.api.models import TokenScope
from crm.api.tokens import create_token
from crm.extensions import db


class ApiClient:
    """A test client that sends the bearer token and JSON."""

    def __init__(self, client, secret: str, user) -> None:
        self.client = client
        self.secret = secret
        self.user = user

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}"}

    def get(self, url: str, **kwargs):
        return self.client.get(url, headers=self._headers(), **kwargs)

    def post(self, url: str, payload=None, **kwargs):
        return self.client.post(url, json=payload, headers=self._headers(), **kwargs)

    def patch(self, url: str, payload=None, **kwargs):
        return self.client.patch(url, json=payload, headers=self._headers(), **kwargs)


@pytest.fixture
def api_as(app, make_user):
    """api_as(role, scope="write") → ApiClient with a fresh user's token."""

    def factory(role: str = "acquisition", scope: str = "write") -> ApiClient:
        user = make_user(role)
        _token, secret = create_token(user=user, name="Test", scope=TokenScope(scope))
        db.session.commit()
        return ApiClient(app.test_client(), secret, user)

    return factory
