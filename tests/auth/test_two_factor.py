"""Two-factor login: enrolment, the login's second step, one-time codes, recovery codes, admin requirement."""

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine
from sqlalchemy import func, select

from crm.audit.models import AuditEntry
from crm.auth.models import LoginAttempt, RecoveryCode, Role, User
from crm.auth.two_factor import _decrypt, begin_enrolment, confirm_enrolment
from crm.extensions import db
from crm.security_events.models import SecurityEvent, SecurityEventKind
from tests.helpers import TEST_PASSWORD, csrf_token_from, form_token, login

START = datetime(2026, 12, 7, 8, 0, 5, tzinfo=UTC)  # 5 s into a 30-second step


@pytest.fixture
def clock():
    """A stopped clock; `clock.shift(seconds)` moves it on (TOTP codes change every 30 s)."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def require_2fa_for_admins(app):
    app.config["REQUIRE_2FA_FOR_ADMINS"] = True
    yield
    app.config["REQUIRE_2FA_FOR_ADMINS"] = False


def enrol(user: User) -> tuple[pyotp.TOTP, list[str]]:
    """Turn two-factor login on through the services; return the app's TOTP and the recovery codes."""
    totp = pyotp.TOTP(begin_enrolment(user=user))
    codes = confirm_enrolment(user=user, code=totp.now())
    db.session.commit()
    return totp, codes


def fresh(user_id: int) -> User:
    """The user as the database has it now (ends the test's read transaction)."""
    db.session.rollback()
    return db.session.get(User, user_id)


def events(kind: SecurityEventKind) -> list[SecurityEvent]:
    db.session.rollback()
    return list(db.session.scalars(select(SecurityEvent).where(SecurityEvent.kind == kind)))


def password_step(client, email: str, password: str = TEST_PASSWORD, next_url: str | None = None):
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password, "csrf_token": token})


def code_step(client, code: str):
    token = csrf_token_from(client.get("/login/two-factor").get_data(as_text=True))
    return client.post("/login/two-factor", data={"code": code, "csrf_token": token})


def logged_in(client) -> bool:
    return client.get("/profile").status_code == 200


# --- enrolment ------------------------------------------------------------------------------------


def test_enrolment_shows_key_and_local_qr_code_and_needs_a_matching_code(app, login_as, clock):
    client = login_as(Role.COACH)
    page = client.get("/profile/two-factor/setup")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    assert re.search(r'<img class="qr-code" src="data:image/svg\+xml', html)  # made here, no outside service
    user = fresh(client.user.id)
    assert user.totp_enabled_at is None
    assert secret not in user.totp_secret and _decrypt(user.totp_secret) == secret  # encrypted at rest
    assert client.get("/profile/two-factor/setup").get_data(as_text=True).count(format_groups(secret)) == 1

    token = csrf_token_from(html)
    wrong = client.post("/profile/two-factor/setup", data={"code": "000000", "csrf_token": token})
    assert wrong.status_code == 422
    assert "Der Code stimmt nicht." in wrong.get_data(as_text=True)
    assert 'aria-invalid="true"' in wrong.get_data(as_text=True)
    assert fresh(client.user.id).totp_enabled_at is None

    done = client.post("/profile/two-factor/setup", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    assert done.status_code == 200
    codes = re.findall(r"<code>([2-9a-z]{5}-[2-9a-z]{5})</code>", done.get_data(as_text=True))
    assert len(set(codes)) == 10
    user = fresh(client.user.id)
    assert user.two_factor_enabled
    hashes = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert len(hashes) == 10 and all(h.startswith("$argon2id$") for h in hashes)
    assert not any(code.replace("-", "") in h for code in codes for h in hashes)
    assert [e.user_id for e in events(SecurityEventKind.TWO_FACTOR_ENABLED)] == [user.id]
    assert logged_in(client)  # this session goes on; the page now says it is on
    assert "seit" in client.get("/profile/two-factor").get_data(as_text=True)


def format_groups(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def test_the_secret_never_reaches_the_audit_trail_or_the_session_cookie(app, login_as, clock):
    client = login_as(Role.COACH)
    html = client.get("/profile/two-factor/setup").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    cookie = client.get_cookie("crm_session").value
    assert secret not in cookie
    db.session.rollback()
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "users")).all()
    assert entries and not any("totp_secret" in (entry.changes or {}) for entry in entries)
    assert not any(secret in str(entry.changes) for entry in db.session.scalars(select(AuditEntry)))


def test_a_key_made_with_another_secret_key_cannot_be_read(app, make_user):
    user = make_user(Role.COACH)
    secret = begin_enrolment(user=user)
    stored = user.totp_secret
    saved = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "a-completely-different-secret-key"
    try:
        assert _decrypt(stored) is None
    finally:
        app.config["SECRET_KEY"] = saved
    assert _decrypt(stored) == secret


# --- the login's second step ----------------------------------------------------------------------


def test_login_with_a_code_after_the_password(app, client, make_user, clock):
    user = make_user(Role.COACH)
    totp, _codes = enrol(user)
    clock.shift(30)
    response = password_step(client, user.email)
    assert response.status_code == 302 and response.headers["Location"] == "/login/two-factor"
    assert not logged_in(client)
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 0  # not a success yet
    page = client.get("/login/two-factor")
    assert page.status_code == 200 and "Sicherheitscode" in page.get_data(as_text=True)
    response = code_step(client, totp.now())
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert logged_in(client)
    assert [e.detail for e in events(SecurityEventKind.LOGIN_SUCCEEDED)] == ["password and totp"]


def test_a_wrong_code_is_refused_at_the_field(app, client, make_user, clock):
    user = make_user(Role.COACH)
    enrol(user)
    clock.shift(30)
    password_step(client, user.email)
    for wrong in ("123456", "abc", "12345", "1234567"):
        response = code_step(client, wrong)
        assert response.status_code == 422
        assert "Der Code stimmt nicht oder wurde bereits verwendet." in response.get_data(as_text=True)
    empty = code_step(client, "")
    assert empty.status_code == 422 and "Bitte geben Sie den Code" in empty.get_data(as_text=True)
    assert not logged_in(client)
    assert len(events(SecurityEventKind.TWO_FACTOR_FAILED)) == 4


def test_a_code_is_accepted_once_within_its_time_step(app, make_user, clock):
    user = make_user(Role.COACH)
    totp, _codes = enrol(user)
    clock.shift(30)
    code = totp.now()
    first = app.test_client()
    password_step(first, user.email)
    assert code_step(first, code).status_code == 302
    second = app.test_client()  # an attacker who saw the code, within the same 30 seconds
    password_step(second, user.email)
    assert code_step(second, code).status_code == 422
    assert not logged_in(second)
    clock.shift(30)
    assert code_step(second, totp.now()).status_code == 302  # the next step's code works


def test_the_code_used_at_enrolment_cannot_log_in(app, client, make_user, clock):
    user = make_user(Role.COACH)
    totp, _codes = enrol(user)
    password_step(client, user.email)
    assert code_step(client, totp.now()).status_code == 422


def test_an_older_code_than_the_last_used_one_is_refused(app, client, make_user, clock):
    user = make_user(Role.COACH)
    totp, _codes = enrol(user)
    earlier = totp.at(START - timedelta(seconds=30))  # still inside the accepted drift window
    clock.shift(1)
    password_step(client, user.email)
    assert code_step(client, earlier).status_code == 422


def test_a_code_from_a_neighbouring_step_is_accepted_for_clock_drift(app, client, make_user, clock):
    user = make_user(Role.COACH)
    totp, _codes = enrol(user)
    clock.shift(60)
    password_step(client, user.email)
    assert code_step(client, totp.at(START + timedelta(seconds=90))).status_code == 302


def test_a_code_from_minutes_ago_is_refused(app, client, make_user, clock):
    user = make_user(Role.COACH)
    totp, _codes = enrol(user)
    clock.shift(120)
    password_step(client, user.email)
    assert code_step(client, totp.at(START + timedelta(seconds=30))).status_code == 422


def test_a_recovery_code_works_once(app, make_user, clock):
    user = make_user(Role.COACH)
    _totp, codes = enrol(user)
    first = app.test_client()
    password_step(first, user.email)
    response = code_step(first, codes[3].upper().replace("-", " "))  # typed differently from the paper
    assert response.status_code == 302
    assert "noch 9 Codes übrig" in first.get("/").get_data(as_text=True)
    assert logged_in(first)
    used = events(SecurityEventKind.RECOVERY_CODE_USED)
    assert [(e.user_id, e.detail) for e in used] == [(user.id, "9 recovery codes left")]
    assert codes[3] not in used[0].detail
    second = app.test_client()
    password_step(second, user.email)
    assert code_step(second, codes[3]).status_code == 422
    assert code_step(second, codes[4]).status_code == 302


def test_the_pending_second_step_opens_no_other_page(app, client, make_user, clock):
    user = make_user(Role.ADMIN)
    enrol(user)
    password_step(client, user.email)
    for url in (
        "/",
        "/profile",
        "/profile/two-factor",
        "/profile/two-factor/setup",
        "/employers",
        "/admin/users",
        "/admin/security-events/",
        "/api/tokens",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login"), url
    token = csrf_token_from(client.get("/login/two-factor").get_data(as_text=True))
    assert (
        client.post("/profile/two-factor/disable", data={"csrf_token": token}).headers["Location"].startswith("/login")
    )
    htmx = client.get("/employers", headers={"HX-Request": "true"})
    assert htmx.status_code == 401
    assert client.get("/api/v1/employers").status_code == 401


def test_the_pending_second_step_expires(app, client, make_user, clock):
    user = make_user(Role.COACH)
    totp, _codes = enrol(user)
    password_step(client, user.email)
    token = csrf_token_from(client.get("/login/two-factor").get_data(as_text=True))
    clock.shift(301)
    response = client.get("/login/two-factor")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.post("/login/two-factor", data={"code": totp.now(), "csrf_token": token}).status_code == 302
    assert not logged_in(client)


def test_the_pending_second_step_ends_with_a_new_password(app, client, make_user, clock):
    from crm.auth.services import end_all_sessions

    user = make_user(Role.COACH)
    totp, _codes = enrol(user)
    password_step(client, user.email)
    end_all_sessions(user)  # e.g. the password was reset meanwhile
    db.session.commit()
    clock.shift(30)
    assert client.get("/login/two-factor").headers["Location"] == "/login"


def test_next_is_kept_through_the_second_step(app, make_user, clock):
    user = make_user(Role.COACH)
    totp, _codes = enrol(user)
    clock.shift(30)
    client = app.test_client()
    password_step(client, user.email, next_url="/employers?page=2")
    assert code_step(client, totp.now()).headers["Location"] == "/employers?page=2"
    clock.shift(30)
    other = app.test_client()
    password_step(other, user.email, next_url="//evil.example.org/")
    assert code_step(other, totp.now()).headers["Location"] == "/"


def test_second_step_failures_count_toward_the_login_throttling(app, client, make_user, clock):
    user = make_user(Role.COACH)
    totp, _codes = enrol(user)
    clock.shift(30)
    password_step(client, user.email)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert code_step(client, "000000").status_code == 422
    response = code_step(client, totp.now())  # even the right code: the account is throttled
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not logged_in(client)
    assert "Zu viele fehlgeschlagene Versuche" in client.get("/login").get_data(as_text=True)
    again = password_step(client, user.email)  # the right password does not reopen it
    assert again.status_code == 422
    assert "Zu viele fehlgeschlagene Versuche" in again.get_data(as_text=True)
    assert len(events(SecurityEventKind.LOGIN_THROTTLED)) == 2
    clock.shift(app.config["LOGIN_FAILURE_WINDOW_MINUTES"] * 60 + 1)
    password_step(client, user.email)
    assert code_step(client, totp.now()).status_code == 302


def test_a_right_password_alone_does_not_reset_the_failure_count(app, client, make_user, clock):
    user = make_user(Role.COACH)
    enrol(user)
    clock.shift(30)
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit - 1):
        password_step(client, user.email)
        code_step(client, "000000")
    password_step(client, user.email)  # would count as a success without two-factor login
    code_step(client, "000000")
    response = password_step(client, user.email)
    assert response.status_code == 422 and "Zu viele fehlgeschlagene Versuche" in response.get_data(as_text=True)


# --- turning it off, new recovery codes, admin reset ----------------------------------------------


def test_turning_off_needs_password_and_a_current_code(app, make_user, clock):
    user = make_user(Role.COACH)
    totp, _codes = enrol(user)
    clock.shift(30)
    client = app.test_client()
    password_step(client, user.email)
    code_step(client, totp.now())
    other_session = app.test_client()
    clock.shift(30)
    password_step(other_session, user.email)
    code_step(other_session, totp.now())
    clock.shift(30)
    token = form_token(client, "/profile/two-factor")

    wrong_password = client.post(
        "/profile/two-factor/disable",
        data={"csrf_token": token, "off-password": "falsch-falsch-falsch", "off-code": totp.now()},
    )
    assert wrong_password.status_code == 422
    assert "Das Passwort stimmt nicht." in wrong_password.get_data(as_text=True)
    wrong_code = client.post(
        "/profile/two-factor/disable", data={"csrf_token": token, "off-password": TEST_PASSWORD, "off-code": "999999"}
    )
    assert wrong_code.status_code == 422
    assert "Der Code stimmt nicht oder wurde bereits verwendet." in wrong_code.get_data(as_text=True)
    missing = client.post("/profile/two-factor/disable", data={"csrf_token": token})
    assert missing.status_code == 422 and "Bitte geben Sie Ihr Passwort ein." in missing.get_data(as_text=True)
    assert fresh(user.id).two_factor_enabled

    done = client.post(
        "/profile/two-factor/disable", data={"csrf_token": token, "off-password": TEST_PASSWORD, "off-code": totp.now()}
    )
    assert done.status_code == 302
    user = fresh(user.id)
    assert not user.two_factor_enabled and user.totp_secret is None
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    assert logged_in(client) and not logged_in(other_session)
    assert [e.detail for e in events(SecurityEventKind.TWO_FACTOR_DISABLED)] == ["confirmed by totp"]
    assert [e.detail for e in events(SecurityEventKind.TWO_FACTOR_FAILED)] == ["turning off"]
    assert (
        db.session.scalar(select(func.count()).select_from(LoginAttempt).where(LoginAttempt.succeeded.is_(False))) == 2
    )  # the wrong password and the wrong code count toward the throttling


def login_with_code(app, user: User, totp: pyotp.TOTP, clock):
    """A client logged in with password and the next step's code."""
    clock.shift(30)
    client = app.test_client()
    password_step(client, user.email)
    assert code_step(client, totp.now()).status_code == 302
    return client


def test_new_recovery_codes_need_the_password_and_replace_the_old_ones(app, make_user, clock):
    user = make_user(Role.VIEWER)
    totp, old_codes = enrol(user)
    client = login_with_code(app, user, totp, clock)
    token = form_token(client, "/profile/two-factor")
    wrong = client.post("/profile/two-factor/recovery-codes", data={"csrf_token": token, "rc-password": "nope-nope"})
    assert wrong.status_code == 422 and "Das Passwort stimmt nicht." in wrong.get_data(as_text=True)
    response = client.post(
        "/profile/two-factor/recovery-codes", data={"csrf_token": token, "rc-password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    new_codes = re.findall(r"<code>([2-9a-z]{5}-[2-9a-z]{5})</code>", response.get_data(as_text=True))
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert len(events(SecurityEventKind.RECOVERY_CODES_RENEWED)) == 1
    other = app.test_client()
    password_step(other, user.email)
    assert code_step(other, old_codes[0]).status_code == 422
    assert code_step(other, new_codes[0]).status_code == 302


def test_an_admin_resets_a_users_two_factor_login(app, login_as, make_user, clock):
    coach = make_user(Role.COACH)
    totp, _codes = enrol(coach)
    clock.shift(30)
    coach_client = app.test_client()
    password_step(coach_client, coach.email)
    code_step(coach_client, totp.now())
    admin = login_as(Role.ADMIN)
    page = admin.get(f"/admin/users/{coach.id}")
    assert "Zwei-Faktor-Anmeldung zurücksetzen" in page.get_data(as_text=True)
    response = admin.post(
        f"/admin/users/{coach.id}/two-factor/reset", data={"csrf_token": csrf_token_from(page.get_data(as_text=True))}
    )
    assert response.status_code == 302
    assert not fresh(coach.id).two_factor_enabled
    assert not logged_in(coach_client)
    reset = events(SecurityEventKind.TWO_FACTOR_RESET)
    assert [(e.user_id, e.target_user_id) for e in reset] == [(admin.user.id, coach.id)]
    login(coach_client, coach.email)  # a plain password login again
    assert logged_in(coach_client)


@pytest.mark.parametrize("role", [Role.ACQUISITION, Role.COACH, Role.VIEWER])
def test_only_admins_reset_two_factor_login(app, login_as, make_user, role):
    target = make_user(Role.COACH)
    enrol(target)
    client = login_as(role)
    token = form_token(client, "/profile")
    assert client.post(f"/admin/users/{target.id}/two-factor/reset", data={"csrf_token": token}).status_code == 403
    assert fresh(target.id).two_factor_enabled


def test_an_admin_cannot_reset_the_own_two_factor_login_without_a_code(app, make_user, clock):
    admin = make_user(Role.ADMIN)
    client = login_with_code(app, admin, enrol(admin)[0], clock)
    token = form_token(client, "/profile")
    response = client.post(f"/admin/users/{admin.id}/two-factor/reset", data={"csrf_token": token})
    assert response.status_code == 302
    assert fresh(admin.id).two_factor_enabled
    assert events(SecurityEventKind.TWO_FACTOR_RESET) == []


# --- required for admins ---------------------------------------------------------------------------


def test_an_admin_without_two_factor_login_is_held_on_the_setup_page(
    app, client, make_user, require_2fa_for_admins, clock
):
    admin = make_user(Role.ADMIN)
    response = password_step(client, admin.email, next_url="/employers")
    assert response.status_code == 302 and response.headers["Location"] == "/profile/two-factor/setup"
    for url in (
        "/",
        "/employers",
        "/admin/users",
        "/profile",
        "/profile/two-factor",
        "/api/tokens",
        "/admin/security-events/",
        "/login",
    ):
        follow = client.get(url)
        assert follow.status_code == 302, url
        assert follow.headers["Location"] in ("/profile/two-factor/setup", "/"), url
    htmx = client.get("/employers", headers={"HX-Request": "true"})
    assert htmx.status_code == 403 and htmx.headers["HX-Redirect"] == "/profile/two-factor/setup"
    html = client.get("/profile/two-factor/setup").get_data(as_text=True)
    assert "Administrator*innen müssen die Zwei-Faktor-Anmeldung nutzen" in html
    token = csrf_token_from(html)
    assert client.post("/admin/users/new", data={"csrf_token": token}).status_code == 302  # no write either

    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    done = client.post("/profile/two-factor/setup", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    assert done.status_code == 200
    assert 'href="/employers"' in done.get_data(as_text=True)  # "continue" goes where the login was headed
    assert client.get("/admin/users").status_code == 200


def test_an_admin_may_log_out_before_setting_up(app, client, make_user, require_2fa_for_admins):
    admin = make_user(Role.ADMIN)
    password_step(client, admin.email)
    token = csrf_token_from(client.get("/profile/two-factor/setup").get_data(as_text=True))
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/").headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", [Role.ACQUISITION, Role.COACH, Role.VIEWER])
def test_other_roles_are_not_required_to_use_two_factor_login(app, login_as, require_2fa_for_admins, role):
    client = login_as(role)
    assert client.get("/employers").status_code == 200


def test_the_requirement_can_be_switched_off(app, login_as):
    assert app.config["REQUIRE_2FA_FOR_ADMINS"] is False  # the test configuration
    assert login_as(Role.ADMIN).get("/admin/users").status_code == 200


def test_the_requirement_is_on_by_default(tmp_path, monkeypatch):
    from crm import create_app

    monkeypatch.setenv("CRM_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("CRM_REQUIRE_2FA_FOR_ADMINS", raising=False)
    assert create_app("development", {"DATABASE_URL": "sqlite://"}).config["REQUIRE_2FA_FOR_ADMINS"] is True
    monkeypatch.setenv("CRM_REQUIRE_2FA_FOR_ADMINS", "false")
    assert create_app("development", {"DATABASE_URL": "sqlite://"}).config["REQUIRE_2FA_FOR_ADMINS"] is False


def test_an_enrolled_admin_logs_in_with_a_code(app, client, make_user, require_2fa_for_admins, clock):
    admin = make_user(Role.ADMIN)
    totp, _codes = enrol(admin)
    clock.shift(30)
    password_step(client, admin.email)
    assert code_step(client, totp.now()).headers["Location"] == "/"
    assert client.get("/admin/users").status_code == 200


def test_an_admin_who_turns_it_off_must_set_it_up_again(app, login_as, require_2fa_for_admins, clock):
    client = login_as(Role.ADMIN)  # logs in before enrolment: held on the setup page
    user = fresh(client.user.id)
    totp, _codes = enrol(user)
    clock.shift(30)
    login(client, user.email)
    code_step(client, totp.now())
    clock.shift(30)
    token = form_token(client, "/profile/two-factor")
    client.post(
        "/profile/two-factor/disable", data={"csrf_token": token, "off-password": TEST_PASSWORD, "off-code": totp.now()}
    )
    assert client.get("/employers").headers["Location"] == "/profile/two-factor/setup"


def test_the_demo_server_lets_the_demo_admin_in_unless_the_requirement_is_set(tmp_path, monkeypatch):
    from crm import create_app
    from crm.cli import relax_two_factor_for_demo

    monkeypatch.setenv("CRM_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("CRM_REQUIRE_2FA_FOR_ADMINS", raising=False)
    demo = create_app("development", {"DATABASE_URL": "sqlite://"})
    assert relax_two_factor_for_demo(demo) is True and demo.config["REQUIRE_2FA_FOR_ADMINS"] is False
    monkeypatch.setenv("CRM_REQUIRE_2FA_FOR_ADMINS", "true")
    strict = create_app("development", {"DATABASE_URL": "sqlite://"})
    assert relax_two_factor_for_demo(strict) is False and strict.config["REQUIRE_2FA_FOR_ADMINS"] is True
