"""The security event log: every kind is written where it happens, without secrets, and cannot be forged."""

import logging
import re

import pytest
from sqlalchemy import select

from crm.auth.models import Role, User
from crm.auth.services import make_reset_token
from crm.extensions import db
from crm.security_events.models import SecurityEvent, SecurityEventKind
from crm.security_events.services import record_security_event, sanitise_log_text
from tests.helpers import TEST_PASSWORD, csrf_token_from, form_token, login

NEW_PASSWORD = "Kaffee-Fahrrad-Wolke-17"


def events(kind: SecurityEventKind | None = None) -> list[SecurityEvent]:
    db.session.rollback()  # see what the requests committed
    query = select(SecurityEvent).order_by(SecurityEvent.id)
    if kind is not None:
        query = query.where(SecurityEvent.kind == kind)
    return list(db.session.scalars(query))


@pytest.fixture
def security_log(caplog):
    caplog.set_level(logging.INFO, logger="crm.security")
    return caplog


def security_lines(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "crm.security"]


# --- logins ---------------------------------------------------------------------------------------


def test_login_success_failure_and_logout_are_recorded(client, make_user, security_log):
    user = make_user(Role.COACH)
    login(client, user.email, "Falsches-Passwort-123")
    login(client, "niemand@example.org", "Noch-ein-Passwort-456")
    login(client, user.email)
    token = form_token(client, "/profile")
    client.post("/logout", data={"csrf_token": token})

    failed = events(SecurityEventKind.LOGIN_FAILED)
    assert [(e.user_id, e.detail) for e in failed] == [
        (None, f"e-mail: {user.email}"),
        (None, "e-mail: niemand@example.org"),
    ]
    assert all(e.address == "127.0.0.1" for e in failed)
    assert [e.user_id for e in events(SecurityEventKind.LOGIN_SUCCEEDED)] == [user.id]
    assert [e.user_id for e in events(SecurityEventKind.LOGOUT)] == [user.id]
    stored = " ".join(e.detail for e in events())
    logged = " ".join(security_lines(security_log))
    for secret in ("Falsches-Passwort-123", "Noch-ein-Passwort-456", TEST_PASSWORD):
        assert secret not in stored and secret not in logged
    assert f"event=login_failed user=- address=127.0.0.1 detail=e-mail: {user.email}" in security_lines(security_log)


def test_throttled_logins_are_recorded(app, client, make_user):
    user = make_user(Role.COACH)
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 1):
        login(client, user.email, "Falsches-Passwort-123")
    assert len(events(SecurityEventKind.LOGIN_FAILED)) == app.config["LOGIN_MAX_FAILURES"]
    assert [e.detail for e in events(SecurityEventKind.LOGIN_THROTTLED)] == [f"e-mail: {user.email}"]


# --- passwords ------------------------------------------------------------------------------------


def test_password_change_and_reset_are_recorded(app, login_as, client):
    own = login_as(Role.VIEWER)
    token = form_token(own, "/profile")
    response = own.post(
        "/profile/password",
        data={
            "csrf_token": token,
            "pw-current_password": TEST_PASSWORD,
            "pw-new_password": NEW_PASSWORD,
            "pw-confirm_password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    db.session.rollback()
    user = db.session.get(User, own.user.id)
    link = f"/password/reset/{make_reset_token(user)}"
    token = form_token(client, link)
    response = client.post(
        link,
        data={
            "csrf_token": token,
            "new_password": "Wolke-Kaffee-Fahrrad-42",
            "confirm_password": "Wolke-Kaffee-Fahrrad-42",
        },
    )
    assert response.status_code == 302
    assert [(e.user_id, e.detail) for e in events(SecurityEventKind.PASSWORD_CHANGED)] == [(user.id, "profile")]
    assert [(e.user_id, e.detail) for e in events(SecurityEventKind.PASSWORD_RESET)] == [(user.id, "reset link")]
    assert not any(NEW_PASSWORD in e.detail or "Wolke-Kaffee" in e.detail for e in events())


# --- user administration --------------------------------------------------------------------------


def test_user_creation_role_changes_and_activation_are_recorded(login_as, make_user):
    admin = login_as(Role.ADMIN)
    token = form_token(admin, "/admin/users/new")
    admin.post(
        "/admin/users/new",
        data={
            "csrf_token": token,
            "name": "Neue Kollegin",
            "email": "neu@example.org",
            "role": "coach",
            "site_id": "",
            "password": NEW_PASSWORD,
        },
    )
    new_user = db.session.scalar(select(User).where(User.email == "neu@example.org"))
    admin.post(
        f"/admin/users/{new_user.id}",
        data={"csrf_token": token, "name": "Neue Kollegin", "role": "acquisition", "site_id": ""},
    )
    admin.post(
        f"/admin/users/{new_user.id}", data={"csrf_token": token, "name": "Neuer Name", "role": "acquisition"}
    )  # no role change: no event
    admin.post(f"/admin/users/{new_user.id}/deactivate", data={"csrf_token": token})
    admin.post(f"/admin/users/{new_user.id}/reactivate", data={"csrf_token": token})

    rows = [(e.kind, e.user_id, e.target_user_id, e.detail) for e in events()]
    who, whom = admin.user.id, new_user.id
    assert (SecurityEventKind.USER_CREATED, who, whom, "role: coach") in rows
    assert [r for r in rows if r[0] == SecurityEventKind.ROLE_CHANGED] == [
        (SecurityEventKind.ROLE_CHANGED, who, whom, "coach -> acquisition")
    ]
    assert (SecurityEventKind.USER_DEACTIVATED, who, whom, "") in rows
    assert (SecurityEventKind.USER_ACTIVATED, who, whom, "") in rows


# --- exports, data protection, API tokens ----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/employers/export.csv?q=b%C3%A4ckerei",
        "/employers/export.xlsx",
        "/followups/export.csv",
        "/postings/export.xlsx",
        "/placements/export.csv",
    ],
)
def test_list_exports_are_recorded_with_their_filters(login_as, create_employer, url):
    create_employer("Bäckerei Müller")
    client = login_as(Role.VIEWER)
    response = client.get(url, buffered=True)
    assert response.status_code == 200
    exported = events(SecurityEventKind.EXPORT)
    assert len(exported) == 1 and exported[0].user_id == client.user.id
    path, _sep, query = url.partition("?")
    assert path.rsplit(".", 1)[1] in exported[0].detail
    assert exported[0].detail.endswith(f"filters: {query or '-'}")


def test_the_contact_export_is_recorded(login_as):
    client = login_as(Role.ADMIN)
    assert client.get("/import/export/contacts.csv", buffered=True).status_code == 200
    assert len(events(SecurityEventKind.EXPORT)) == 1


def test_the_command_line_export_is_recorded(runner, make_user, tmp_path):
    make_user(Role.COACH)
    result = runner.invoke(args=["export", "--format", "json", "--output", str(tmp_path / "all.json")])
    assert result.exit_code == 0, result.output
    exported = events(SecurityEventKind.EXPORT)
    assert len(exported) == 1 and exported[0].user_id is None and exported[0].address is None
    assert exported[0].detail.startswith("command line: crm export --format json to ")
    assert "security_events" in (tmp_path / "all.json").read_text(encoding="utf-8")


def test_data_protection_export_and_erasure_are_recorded_without_the_name(login_as, create_employer, create_contact):
    contact = create_contact(create_employer("Gärtnerei Grün"), last_name="Özdemir", first_name="Aylin")
    client = login_as(Role.ADMIN)
    assert client.get(f"/gdpr/contacts/{contact.id}/export.json").status_code == 200
    assert client.get(f"/gdpr/contacts/{contact.id}/report").status_code == 200
    page = client.get(f"/gdpr/contacts/{contact.id}").get_data(as_text=True)
    response = client.post(
        f"/gdpr/contacts/{contact.id}/erase",
        data={"csrf_token": csrf_token_from(page), "reason": "Antrag per E-Mail", "confirm": "y"},
    )
    assert response.status_code == 302
    assert [e.detail for e in events(SecurityEventKind.GDPR_EXPORT)] == [
        f"contact #{contact.id}, JSON",
        f"contact #{contact.id}, printable report",
    ]
    assert [e.detail for e in events(SecurityEventKind.GDPR_ERASURE)] == [f"contact #{contact.id}"]
    assert not any("Özdemir" in e.detail or "Aylin" in e.detail for e in events())


def test_api_token_creation_and_revocation_are_recorded_without_the_secret(login_as):
    client = login_as(Role.ACQUISITION)
    page = client.get("/api/tokens").get_data(as_text=True)
    html = client.post(
        "/api/tokens", data={"csrf_token": csrf_token_from(page), "name": "Excel", "scope": "read"}
    ).get_data(as_text=True)
    secret = html.split('id="new-token">')[1].split("<")[0]
    token_id = int(re.search(r"/api/tokens/(\d+)/revoke", html).group(1))
    client.post(f"/api/tokens/{token_id}/revoke", data={"csrf_token": csrf_token_from(html)})
    client.post(f"/api/tokens/{token_id}/revoke", data={"csrf_token": csrf_token_from(html)})  # twice: one event
    created = events(SecurityEventKind.API_TOKEN_CREATED)
    revoked = events(SecurityEventKind.API_TOKEN_REVOKED)
    assert [e.detail for e in created] == [f"token #{token_id} “Excel”, scope read"]
    assert [e.detail for e in revoked] == [f"token #{token_id} “Excel”"]
    assert not any(secret[4:] in e.detail for e in events())


# --- forging ---------------------------------------------------------------------------------------


def test_typed_line_breaks_cannot_forge_a_log_line(client, make_user, security_log):
    admin = make_user(Role.ADMIN)
    forged = f"x@example.org\r\n2026-12-07 08:00:00,000 INFO [-] crm.security: event=login_succeeded user={admin.email}"
    login(client, forged, "Falsches-Passwort-123")
    (event,) = events(SecurityEventKind.LOGIN_FAILED)
    assert "\n" not in event.detail and "\r" not in event.detail
    assert event.detail == (
        "e-mail: x@example.org\\r\\n2026-12-07 08:00:00,000 INFO [-] crm.security: "
        f"event=login_succeeded user={admin.email}"
    )
    lines = security_lines(security_log)
    assert len(lines) == 1 and "\n" not in lines[0] and "\r" not in lines[0]
    assert lines[0] == f"event=login_failed user=- address=127.0.0.1 detail={event.detail}"
    assert events(SecurityEventKind.LOGIN_SUCCEEDED) == []


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("a\nb", "a\\nb"),
        ("a\r\nb", "a\\r\\nb"),
        ("tab\there", "tab\\there"),
        ("esc\x1b[31mred", "esc\\x1b[31mred"),
        ("nul\x00", "nul\\x00"),
        ("del\x7f", "del\\x7f"),
        ("next\x85line", "next\\x85line"),
        ("line\u2028sep", "line\\u2028sep"),
        ("para\u2029sep", "para\\u2029sep"),
        ("bidi\u202eevil", "bidi\\u202eevil"),
        ("zero\u200bwidth", "zero\\u200bwidth"),
        ("back\\nslash", "back\\\\nslash"),  # a typed backslash-n is not mistaken for an escaped newline
        ("Müller & Söhne <b>", "Müller & Söhne <b>"),
    ],
)
def test_sanitising_escapes_every_control_character(typed, stored):
    assert sanitise_log_text(typed) == stored
    assert sanitise_log_text(typed).isprintable()


def test_a_long_detail_is_cut(app, make_user):
    event = record_security_event(kind=SecurityEventKind.EXPORT, detail="x" * 5000)
    assert len(event.detail) == 1000 and event.detail.endswith("…")


# --- the admin page --------------------------------------------------------------------------------


def test_the_admin_page_lists_filters_and_pages_events(app, login_as, make_user):
    admin = login_as(Role.ADMIN)
    other = make_user(Role.COACH, name="Carla Coach")
    for number in range(60):
        record_security_event(kind=SecurityEventKind.LOGIN_FAILED, detail=f"e-mail: probe{number}@example.org")
    record_security_event(kind=SecurityEventKind.ROLE_CHANGED, user=admin.user, target_user=other, detail="x -> y")
    record_security_event(kind=SecurityEventKind.LOGOUT, user=other)
    db.session.commit()

    html = admin.get("/admin/security-events/").get_data(as_text=True)
    assert "Sicherheitsereignisse" in html and 'aria-current="page"' in html
    assert "Rolle geändert" in html and "Carla Coach" in html
    assert html.count("probe") == 48  # 50 per page, newest first: the logout, the role change, 48 probes
    assert "probe11@" not in html and "probe12@" in html and "probe59@" in html
    second = admin.get("/admin/security-events/?page=2").get_data(as_text=True)
    assert "probe0@" in second and "probe11@" in second and "probe12@" not in second

    by_kind = admin.get("/admin/security-events/?kind=role_changed").get_data(as_text=True)
    assert "x -&gt; y" in by_kind and "probe" not in by_kind
    by_user = admin.get(f"/admin/security-events/?user={other.id}").get_data(as_text=True)
    assert "Rolle geändert" in by_user and "Abmeldung" in by_user and "probe" not in by_user
    ignored = admin.get("/admin/security-events/?kind=nonsense&user=99999999999999")
    assert ignored.status_code == 200 and "probe59@" in ignored.get_data(as_text=True)


def test_the_admin_page_shows_typed_markup_escaped(login_as):
    admin = login_as(Role.ADMIN)
    record_security_event(kind=SecurityEventKind.LOGIN_FAILED, detail="e-mail: <script>alert(1)</script>")
    db.session.commit()
    html = admin.get("/admin/security-events/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_admin_menu_links_the_page(login_as):
    html = login_as(Role.ADMIN).get("/admin/users").get_data(as_text=True)
    assert 'href="/admin/security-events/"' in html


@pytest.mark.parametrize("role", [Role.ACQUISITION, Role.COACH, Role.VIEWER])
def test_other_roles_may_not_see_the_security_events(login_as, role):
    client = login_as(role)
    assert client.get("/admin/security-events/").status_code == 403
    assert 'href="/admin/security-events/"' not in client.get("/").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get("/admin/security-events/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
