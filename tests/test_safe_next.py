"""Open redirects: `next` leads only to a local path, through one helper (crm.security.safe_next) everywhere."""

import html
import re
from pathlib import Path

import pytest

from crm.auth.models import Role
from crm.security import safe_next
from tests.helpers import TEST_PASSWORD, csrf_token_from, form_token

# Each would leave the site (or run script) if a browser got it as Location, directly or after its URL clean-up
# (tabs and newlines dropped, "\" read as "/", leading blanks stripped).
HOSTILE = [
    "//evil.example.org",
    "///evil.example.org",
    "/\\evil.example.org",
    "\\\\evil.example.org",
    "/\t/evil.example.org",
    "/\r\n/evil.example.org",
    " //evil.example.org",
    "https:evil.example.org",
    "https://evil.example.org/",
    "http:/evil.example.org",
    "HTTPS://evil.example.org",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example.org",
    "%2F%2Fevil.example.org",  # what arrives when the parameter was encoded twice
    "／／evil.example.org",  # fullwidth solidus
    "\x00//evil.example.org",
    "",
]
# Local paths stay, including percent-encoded slashes and backslashes (a browser never decodes those in a path).
LOCAL = ["/employers/5", "/employers?q=B%C3%A4ckerei&stage=2", "/followups#today", "/%2F%2Fevil.example.org", "/%5Cx"]


@pytest.mark.parametrize("target", HOSTILE)
def test_a_hostile_next_gives_the_default_from_query_or_form(app, target):
    with app.test_request_context("/", query_string={"next": target}):
        assert safe_next("/fallback") == "/fallback"
    with app.test_request_context("/", method="POST", data={"next": target}):
        assert safe_next("/fallback") == "/fallback"
    with app.test_request_context("/"):
        assert safe_next("/fallback", target=target) == "/fallback"


@pytest.mark.parametrize(
    ("raw_query", "expected"),
    [
        ("next=%2F%2Fevil.example.org", "/fallback"),
        ("next=%2F%5Cevil.example.org", "/fallback"),
        ("next=%2F%09%2Fevil.example.org", "/fallback"),
        ("next=%252F%252Fevil.example.org", "/fallback"),
        ("next=javascript%3Aalert(1)", "/fallback"),
        ("next=%2Femployers%2F5", "/employers/5"),
    ],
)
def test_encoded_query_strings_are_judged_after_decoding(app, raw_query, expected):
    with app.test_request_context(f"/?{raw_query}"):
        assert safe_next("/fallback") == expected


@pytest.mark.parametrize("target", LOCAL)
def test_a_local_path_is_kept(app, target):
    with app.test_request_context("/", query_string={"next": target}):
        assert safe_next("/fallback") == target
    with app.test_request_context("/", method="POST", data={"next": target}):
        assert safe_next("/fallback") == target


def test_no_view_reads_next_around_the_helper():
    """One helper: a new copy of "safe next else default" in a view would bypass it."""
    crm = Path(__file__).resolve().parent.parent / "crm"
    raw_reads = re.compile(r"""request\.(args|form|values)\.get\(\s*["']next["']|request\.referrer""")
    offenders = [
        f"{path.relative_to(crm.parent)}:{number}"
        for path in crm.rglob("*.py")
        if path.name != "security.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if raw_reads.search(line)
    ]
    assert offenders == []


@pytest.mark.parametrize("target", ["//evil.example.org", "/\\evil.example.org", "https:evil.example.org"])
def test_login_language_and_stage_change_stay_on_the_site(client, make_user, login_as, create_employer, target):
    user = make_user(Role.ACQUISITION)
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"

    editor = login_as(Role.ACQUISITION)
    token = form_token(editor, "/")
    response = editor.post("/language", data={"language": "de", "next": target, "csrf_token": token})
    assert response.headers["Location"] == "/"

    employer = create_employer("Bäckerei Krume")
    page = editor.get(f"/employers/{employer.id}/stage", query_string={"next": target})
    # The stage form does not carry the foreign target on (the footer's language form holds this page's own path).
    assert f'name="next" value="{html.escape(target)}"' not in page.get_data(as_text=True)
    token = csrf_token_from(page.get_data(as_text=True))
    response = editor.post(
        f"/employers/{employer.id}/stage",
        data={"stage_id": employer.stage_id, "next": target, "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/employers/{employer.id}"


def test_archiving_goes_back_to_a_local_next_and_refuses_a_foreign_one(
    login_as, create_employer, create_contact, create_activity
):
    client = login_as(Role.ADMIN)
    employer = create_employer("Bäckerei Krume")
    token = form_token(client, f"/employers/{employer.id}")
    contact = create_contact(employer, "Schäfer")
    activity = create_activity(employer)
    response = client.post(
        f"/contacts/{contact.id}/archive", query_string={"next": "//evil.example.org"}, data={"csrf_token": token}
    )
    assert response.headers["Location"] == f"/employers/{employer.id}#panel-contacts"
    response = client.post(
        f"/activities/{activity.id}/archive", data={"csrf_token": token, "next": "/followups?view=week"}
    )
    assert response.headers["Location"] == "/followups?view=week"
    response = client.post(
        f"/activities/{activity.id}/restore", data={"csrf_token": token, "next": "javascript:alert(1)"}
    )
    assert response.headers["Location"] == f"/employers/{employer.id}#panel-timeline"
