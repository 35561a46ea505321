"""While the database cannot be reached (a restart, a failover, a full disk) users get a German 503 "try again"
page with Retry-After, API clients a problem+json 503 — never the 500 "something went wrong" page.

The outage is real: a second app with the same settings whose database URL leads nowhere (SQLite: a file in a
folder that does not exist; PostgreSQL: a port nobody listens on). bench/drills.py (postgres-restart) shows the
same answer while a real PostgreSQL restarts under load.
"""

import pytest
from flask import Flask
from flask.testing import FlaskClient

from crm import create_app
from crm.api.models import TokenScope
from crm.api.tokens import create_token
from crm.auth.models import Role
from crm.extensions import db
from tests.helpers import TEST_PASSWORD, csrf_token_from

GERMAN_MESSAGE = "Die Datenbank ist im Moment nicht erreichbar"


def _unreachable(url: str) -> str:
    if url.startswith("postgresql"):
        return "postgresql+psycopg://postgres@127.0.0.1:1/crm"
    return "sqlite:////nonexistent-folder-of-the-test/crm.sqlite3"


@pytest.fixture
def broken_app(app: Flask) -> Flask:
    broken = create_app(
        "testing",
        {"DATABASE_URL": _unreachable(app.config["SQLALCHEMY_DATABASE_URI"]), "SERVER_NAME": None},
    )
    return broken


def _same_session(source: FlaskClient, target: FlaskClient, app: Flask) -> None:
    name = app.config["SESSION_COOKIE_NAME"]
    target.set_cookie(name, source.get_cookie(name).value)


def _assert_unavailable_page(response) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == 503, body[:500]
    assert response.headers["Retry-After"] == "30"
    assert "Kurz nicht erreichbar" in body
    assert GERMAN_MESSAGE in body
    for leak in ("Traceback", "OperationalError", "psycopg", "sqlite3", "127.0.0.1:1"):
        assert leak not in body


@pytest.mark.parametrize("path", ["/", "/employers", "/followups/"])
def test_a_signed_in_user_gets_a_german_try_again_page(app, broken_app, login_as, path):
    working = login_as(Role.ACQUISITION)
    assert working.get(path).status_code == 200
    client = broken_app.test_client()
    _same_session(working, client, app)

    _assert_unavailable_page(client.get(path))


def test_a_form_sent_during_the_outage_gets_the_same_page(app, broken_app, login_as):
    working = login_as(Role.ACQUISITION)
    token = csrf_token_from(working.get("/employers/new").get_data(as_text=True))
    client = broken_app.test_client()
    _same_session(working, client, app)

    response = client.post("/employers/new", data={"csrf_token": token, "name": "Bäckerei Sonnenschein"})

    _assert_unavailable_page(response)


def test_logging_in_during_the_outage_gets_the_same_page(broken_app, make_user):
    user = make_user(Role.COACH)
    client = broken_app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))

    response = client.post("/login", data={"csrf_token": token, "email": user.email, "password": TEST_PASSWORD})

    _assert_unavailable_page(response)


def test_the_api_answers_problem_json_503(app, broken_app, make_user):
    user = make_user(Role.ACQUISITION)
    with app.app_context():
        secret = create_token(user=db.session.get(type(user), user.id), name="Test", scope=TokenScope.READ)[1]
        db.session.commit()

    response = broken_app.test_client().get("/api/v1/employers", headers={"Authorization": f"Bearer {secret}"})

    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "30"
    assert GERMAN_MESSAGE in response.get_json()["title"]


def test_other_error_pages_during_the_outage_still_render_in_german(app, broken_app, login_as):
    working = login_as(Role.ACQUISITION)
    client = broken_app.test_client()
    _same_session(working, client, app)

    # The user cannot be loaded, so these pages are shown as to a visitor, not as gunicorn's bare 500.
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "Seite nicht gefunden" in missing.get_data(as_text=True)
    expired = client.post("/employers/new", data={"csrf_token": "abgelaufen", "name": "Bäckerei Sonnenschein"})
    assert expired.status_code == 400 and "Das Formular ist abgelaufen" in expired.get_data(as_text=True)


def test_an_htmx_request_gets_the_message_as_short_text(app, broken_app, login_as):
    working = login_as(Role.ACQUISITION)
    client = broken_app.test_client()
    _same_session(working, client, app)

    response = client.get("/followups/", headers={"HX-Request": "true"})

    assert response.status_code == 503 and response.mimetype == "text/plain"
    assert response.get_data(as_text=True).startswith(GERMAN_MESSAGE)
    assert response.headers["Retry-After"] == "30"


def test_the_log_names_the_drivers_reason(app, broken_app, login_as, caplog):
    working = login_as(Role.ACQUISITION)
    client = broken_app.test_client()
    _same_session(working, client, app)

    client.get("/employers")

    line = next(r for r in caplog.records if "database unavailable" in r.getMessage())
    assert "OperationalError" in line.getMessage()
    assert ("unable to open database file" in line.getMessage()) or ("connection" in line.getMessage())
    assert line.exc_info is not None
