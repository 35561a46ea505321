"""Security properties that hold for every route, present and future."""

import re

import pytest
from werkzeug.routing import Rule

from crm.auth.models import Role
from crm.security import PUBLIC_ENDPOINTS

SAMPLE_ARGS = {"int": 1, "string": "x", "path": "x", "default": "x"}


def _url_for_rule(rule: Rule) -> str:
    url = rule.rule
    for converter, name in re.findall(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", rule.rule):
        value = SAMPLE_ARGS.get(converter or "default", 1)
        url = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?" + name + ">", str(value), url)
    return url


def _rules(app, method: str) -> list[Rule]:
    return [r for r in app.url_map.iter_rules() if method in r.methods and r.endpoint not in PUBLIC_ENDPOINTS]


def test_every_route_but_the_public_ones_requires_login(app, client):
    rules = _rules(app, "GET") + [r for r in _rules(app, "POST") if "GET" not in r.methods]
    assert len(rules) > 5
    for rule in rules:
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(_url_for_rule(rule), method=method)
        # An anonymous POST meets the CSRF check first (400); either way nothing runs.
        # The JSON API has no login page: it answers 401 (problem+json) without a token.
        if rule.rule.startswith("/api/v1"):
            expected = (401,)
        else:
            expected = (302,) if method == "GET" else (302, 400)
        assert response.status_code in expected, (rule.rule, response.status_code)
        if response.status_code == 302:
            assert "/login" in response.headers["Location"], rule.rule


def test_public_endpoints_are_exactly_the_documented_ones():
    unexpected = PUBLIC_ENDPOINTS - {
        "auth.login",
        "auth.login_two_factor",  # the second login step; it only works within minutes of a correct password
        "auth.forgot_password",
        "auth.reset_password",
        "main.healthz",
        "main.set_language",  # the footer's language switch, shown on the login page too
        "static",
        "followups.calendar_feed",  # secret-token iCalendar feed for Outlook/phones
    }
    assert unexpected == set()


def test_every_post_route_rejects_a_request_without_csrf_token(app, login_as):
    client = login_as(Role.ADMIN)
    for rule in _rules(app, "POST"):
        response = client.post(_url_for_rule(rule), data={"anything": "1"})
        # The JSON API is exempt from CSRF because only a bearer token authenticates it: a logged-in
        # browser session (what CSRF abuses) gets 401 there.
        expected = 401 if rule.rule.startswith("/api/v1") else 400
        assert response.status_code == expected, (rule.rule, response.status_code)


def test_role_protected_views_refuse_other_roles(app, login_as):
    """Every view decorated with roles_required answers 403 to each role it does not allow."""
    clients = {role: login_as(role) for role in Role}
    checked = 0
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        allowed = getattr(view, "allowed_roles", None)
        if allowed is None or "GET" not in rule.methods:
            continue
        for role, client in clients.items():
            if role in allowed:
                continue
            response = client.get(_url_for_rule(rule))
            assert response.status_code == 403, (rule.rule, role, response.status_code)
            checked += 1
    assert checked > 0


@pytest.mark.parametrize("path", ["/login", "/", "/static/css/app.css", "/does-not-exist"])
def test_security_headers_on_every_response(login_as, path):
    client = login_as(Role.VIEWER)
    with client.get(path) as response:
        headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_not_found_page_is_german(login_as):
    response = login_as(Role.COACH).get("/gibt-es-nicht")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.get_data(as_text=True)


def test_unexpected_error_shows_german_page_without_trace(app, login_as, monkeypatch):
    client = login_as(Role.COACH)

    def broken_view():
        raise RuntimeError("secret internal detail")

    monkeypatch.setitem(app.view_functions, "main.dashboard", broken_view)
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Etwas ist schiefgelaufen" in page
    assert "secret internal detail" not in page and "Traceback" not in page
    assert re.search(r"Kennung für den Support:.*<code>[0-9a-f]{12}</code>", page)


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_open_redirect_via_language_switch_is_refused(login_as):
    from tests.helpers import form_token

    client = login_as(Role.COACH)
    token = form_token(client, "/")
    response = client.post("/language", data={"language": "en", "next": "//evil.example.org/", "csrf_token": token})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    "target", ["/\t/evil.example.org/", "/\n/evil.example.org", "/\\evil.example.org", "//evil.example.org"]
)
def test_login_next_with_control_characters_or_backslash_stays_local(client, make_user, target):
    from tests.helpers import TEST_PASSWORD, csrf_token_from

    user = make_user()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://crm.example.org")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
