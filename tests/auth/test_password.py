"""Password reset by e-mail link and password change."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from crm.extensions import db
from crm.mail import OutboxMessage
from tests.helpers import TEST_PASSWORD, csrf_token_from, form_token, login

NEW_PASSWORD = "Ein-ganz-neues-Passwort-2026"


def _request_reset(client, email):
    token = form_token(client, "/password/forgot")
    return client.post("/password/forgot", data={"email": email, "csrf_token": token})


def _reset_link() -> str:
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "password_reset")).one()
    return re.search(r"http://127.0.0.1:5000(/password/reset/\S+)", message.body_text).group(1)


def test_reset_link_is_queued_in_the_outbox_not_sent_in_the_request(client, make_user):
    user = make_user()
    response = _request_reset(client, user.email)
    assert response.status_code == 302
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.recipient == user.email and message.status == "queued"
    assert "Passwort" in message.subject


def test_unknown_address_gets_the_same_answer_and_no_mail(client):
    response = _request_reset(client, "niemand@example.org")
    assert response.status_code == 302
    assert db.session.scalars(select(OutboxMessage)).all() == []
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Wenn die Adresse zu einem Konto gehört" in follow


def test_reset_link_sets_a_new_password_once(client, make_user):
    user = make_user()
    _request_reset(client, user.email)
    link = _reset_link()
    token = form_token(client, link)
    response = client.post(
        link, data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert login(client, user.email, NEW_PASSWORD).status_code == 302
    second = client.get(link)
    assert second.status_code == 302 and "/password/forgot" in second.headers["Location"]


def test_reset_link_expires_after_one_hour(client, make_user):
    user = make_user()
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False):
        _request_reset(client, user.email)
    link = _reset_link()
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        response = client.get(link)
    assert response.status_code == 302 and "/password/forgot" in response.headers["Location"]


def test_short_new_password_is_refused_at_the_field(client, make_user):
    user = make_user()
    _request_reset(client, user.email)
    link = _reset_link()
    token = form_token(client, link)
    response = client.post(link, data={"new_password": "kurz", "confirm_password": "kurz", "csrf_token": token})
    page = response.get_data(as_text=True)
    assert "Das Passwort muss mindestens 12 Zeichen lang sein." in page
    assert 'id="new_password-error"' in page


def test_password_change_ends_other_sessions_but_keeps_this_one(app, login_as):
    client = login_as("coach")
    other = app.test_client()
    login(other, client.user.email)
    token = form_token(client, "/profile")
    response = client.post(
        "/profile/password",
        data={
            "pw-current_password": TEST_PASSWORD,
            "pw-new_password": NEW_PASSWORD,
            "pw-confirm_password": NEW_PASSWORD,
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302


def test_wrong_current_password_is_reported_at_the_field(login_as):
    client = login_as("coach")
    token = form_token(client, "/profile")
    response = client.post(
        "/profile/password",
        data={
            "pw-current_password": "falsch-falsch-falsch",
            "pw-new_password": NEW_PASSWORD,
            "pw-confirm_password": NEW_PASSWORD,
            "csrf_token": token,
        },
    )
    assert response.status_code == 422
    assert "Das aktuelle Passwort ist nicht korrekt." in response.get_data(as_text=True)


def test_profile_language_switch_to_english(login_as):
    client = login_as("viewer")
    page = client.get("/profile").get_data(as_text=True)
    token = csrf_token_from(page)
    client.post("/profile", data={"name": "Lena Leitung", "language": "en", "csrf_token": token})
    assert "Log out" in client.get("/").get_data(as_text=True)


def test_reset_link_uses_the_configured_base_url_not_the_host_header(client, make_user):
    user = make_user()
    evil = {"base_url": "http://evil.example.org"}
    token = csrf_token_from(client.get("/password/forgot", **evil).get_data(as_text=True))
    response = client.post("/password/forgot", data={"email": user.email, "csrf_token": token}, **evil)
    assert response.status_code == 302
    message = db.session.scalars(select(OutboxMessage)).one()
    assert "evil.example.org" not in message.body_text
    assert "http://127.0.0.1:5000/password/reset/" in message.body_text


def test_repeated_reset_requests_queue_one_mail_per_quarter_hour(client, make_user):
    user = make_user()
    start = datetime.now(UTC).replace(minute=1)
    with time_machine.travel(start, tick=False):
        for _ in range(3):
            _request_reset(client, user.email)
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        _request_reset(client, user.email)
    assert len(db.session.scalars(select(OutboxMessage)).all()) == 2


@pytest.mark.parametrize(
    "weak",
    ["passwort12345", "qwertzuiop123", "123456789012", "iloveyou1234"],
    ids=["common", "keyboard", "digits", "phrase"],
)
def test_guessable_new_password_is_refused_at_the_field(login_as, weak):
    client = login_as("coach", name="Miriam Coach")
    before = client.user.password_hash
    token = form_token(client, "/profile")
    response = client.post(
        "/profile/password",
        data={
            "pw-current_password": TEST_PASSWORD,
            "pw-new_password": weak,
            "pw-confirm_password": weak,
            "csrf_token": token,
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Dieses Passwort ist zu leicht zu erraten" in page
    assert 'id="pw-new_password-error"' in page
    db.session.expire_all()
    assert db.session.get(type(client.user), client.user.id).password_hash == before


def test_guessable_initial_password_is_refused_by_the_cli(runner):
    result = runner.invoke(
        args=["create-user", "neu@example.org", "--name", "Neu", "--role", "coach", "--password-stdin"],
        input="passwort12345\n",
    )
    assert result.exit_code != 0
    assert "zu leicht zu erraten" in result.output
