"""Login, logout, session invalidation and throttling."""

import re
from datetime import UTC, datetime, timedelta

import time_machine

from crm.auth.models import LoginAttempt
from crm.extensions import db
from tests.helpers import TEST_PASSWORD, csrf_token_from, login


def test_login_page_is_german_and_has_the_documented_fields(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Anmelden" in page
    assert 'name="email"' in page and 'name="password"' in page and 'name="csrf_token"' in page


def test_correct_login_opens_the_dashboard(client, make_user):
    user = make_user("coach")
    response = login(client, user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert user.name in client.get("/").get_data(as_text=True)


def test_wrong_password_and_unknown_email_get_the_same_german_message(client, make_user):
    user = make_user()
    wrong = login(client, user.email, "falsches-passwort-123").get_data(as_text=True)
    unknown = login(client, "niemand@example.org", "falsches-passwort-123").get_data(as_text=True)
    message = "E-Mail-Adresse oder Passwort ist nicht korrekt"
    assert message in wrong and message in unknown


def test_empty_login_form_shows_messages_at_the_fields(client):
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": "", "password": "", "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="email-error"' in page and "Bitte geben Sie Ihre E-Mail-Adresse ein." in page
    assert 'aria-describedby="email-error"' in page


def test_deactivated_user_cannot_log_in(client, make_user):
    user = make_user()
    user.active = False
    db.session.commit()
    assert login(client, user.email).status_code == 422


def test_next_parameter_only_allows_local_paths(client, make_user):
    user = make_user()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login?next=https://evil.example.org/",
        data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_fifth_failure_locks_the_account_even_for_the_right_password(client, make_user):
    user = make_user()
    for _ in range(5):
        login(client, user.email, "falsches-passwort-123")
    response = login(client, user.email)
    assert response.status_code == 422
    assert "Zu viele fehlgeschlagene Versuche" in response.get_data(as_text=True)
    assert db.session.query(LoginAttempt).filter_by(email=user.email, succeeded=True).count() == 0


def test_lock_ends_after_the_window(client, make_user):
    from datetime import UTC, datetime, timedelta

    import time_machine

    user = make_user()
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            login(client, user.email, "falsches-passwort-123")
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        assert login(client, user.email).status_code == 302


def test_failures_from_one_address_lock_other_accounts_too(app, make_user):
    users = [make_user() for _ in range(5)]
    client = app.test_client()
    for user in users:
        login(client, user.email, "falsches-passwort-123")
    victim = make_user()
    assert login(client, victim.email).status_code == 422


def test_successful_login_resets_the_failure_count(client, make_user):
    user = make_user()
    for _ in range(4):
        login(client, user.email, "falsches-passwort-123")
    assert login(client, user.email).status_code == 302


def test_session_cookie_is_httponly_and_lax(client, make_user):
    user = make_user()
    response = login(client, user.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_id_changes_at_login(client, make_user):
    user = make_user()
    client.get("/login")
    before = client.get_cookie("crm_session").value
    login(client, user.email)
    assert client.get_cookie("crm_session").value != before


def _logout(client):
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    return client.post("/logout", data={"csrf_token": token})


def test_cookie_captured_before_logout_no_longer_works(app, make_user):
    user = make_user()
    client = app.test_client()
    login(client, user.email)
    stolen = client.get_cookie("crm_session").value
    assert _logout(client).status_code == 302
    attacker = app.test_client()
    attacker.set_cookie("crm_session", stolen)
    response = attacker.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_logout_ends_sessions_on_other_devices(app, make_user):
    user = make_user()
    phone, desk = app.test_client(), app.test_client()
    login(phone, user.email)
    login(desk, user.email)
    _logout(desk)
    assert phone.get("/").status_code == 302


def test_idle_session_expires(app, make_user):
    from datetime import UTC, datetime, timedelta

    import time_machine

    user = make_user()
    client = app.test_client()
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False):
        login(client, user.email)
        assert client.get("/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1), tick=False):
        assert client.get("/").status_code == 302


def test_logout_requires_csrf_token(app, make_user):
    user = make_user()
    client = app.test_client()
    login(client, user.email)
    response = client.post("/logout", data={})
    assert response.status_code == 400
    assert client.get("/").status_code == 200


def test_login_without_csrf_token_is_rejected(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert re.search("Formular ist abgelaufen", response.get_data(as_text=True))


def test_behind_a_trusted_proxy_throttling_counts_the_client_address(monkeypatch, tmp_path, make_user):
    from crm import create_app

    monkeypatch.setenv("CRM_INSTANCE_PATH", str(tmp_path))
    from flask import current_app

    app = create_app(
        "testing",
        {
            "DATABASE_URL": current_app.config["SQLALCHEMY_DATABASE_URI"],
            "PROXY_HOPS": 1,
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        },
    )
    users = [make_user() for _ in range(6)]
    office_a = app.test_client()
    for user in users[:5]:
        token = csrf_token_from(
            office_a.get("/login", headers={"X-Forwarded-For": "198.51.100.7"}).get_data(as_text=True)
        )
        office_a.post(
            "/login",
            data={"email": user.email, "password": "falsch-falsch-falsch", "csrf_token": token},
            headers={"X-Forwarded-For": "198.51.100.7"},
        )
    other = app.test_client()
    token = csrf_token_from(other.get("/login", headers={"X-Forwarded-For": "198.51.100.8"}).get_data(as_text=True))
    response = other.post(
        "/login",
        data={"email": users[5].email, "password": TEST_PASSWORD, "csrf_token": token},
        headers={"X-Forwarded-For": "198.51.100.8"},
    )
    assert response.status_code == 302
    with app.app_context():
        from crm.extensions import db as app_db

        app_db.engine.dispose()


def test_an_active_session_still_ends_twelve_hours_after_login(client, make_user):
    user = make_user("coach")
    with time_machine.travel(datetime(2026, 12, 7, 7, 0, tzinfo=UTC), tick=False) as clock:
        login(client, user.email)
        for _hour in range(11):  # busy all day: the idle limit never strikes
            clock.shift(timedelta(hours=1))
            assert client.get("/").status_code == 200
        clock.shift(timedelta(hours=1, minutes=1))
        response = client.get("/followups/")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Ihre Sitzung ist nach 12 Stunden abgelaufen. Bitte melden Sie sich erneut an." in page
        assert client.get("/").status_code == 302
        login(client, user.email)
        assert client.get("/").status_code == 200
