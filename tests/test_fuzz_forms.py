"""Every HTML form of the app survives hostile input: never a 500, a German message, nothing half-written.

The forms are found, not listed: every URL rule that accepts POST (outside /api/v1) is filled with the
ids of a world holding one record of each kind, its form is read from the page that shows it (the page
itself, or — for buttons like "archive" — the page found by crawling every GET page once), and
hypothesis posts the form with some fields replaced by hostile values (tests/hostile.py), always with a
valid CSRF token. After each example:

- the status is below 500 (the traceback is shown when not);
- a rejected request (4xx) shows a German message and changed no row of any table (failed logins are
  recorded on purpose, see hostile.ATTEMPT_TABLES);
- an accepted one stored no NUL byte, stored a text typed into a field named like a column exactly as
  typed (trimmed), redirects only inside the app, and the next page and the form render again.

The forms of one blueprint share a world (one test per blueprint); what the fuzzing found is replayed
from REGRESSIONS on every run, and one more test types hostile text into every free-text field and then
opens every page and download of the app.
"""

import io
import re
from urllib.parse import urlsplit

import pytest
from flask import Flask
from hypothesis import example, given
from hypothesis import strategies as st
from werkzeug.routing import Rule

from crm.auth.models import Role
from tests.helpers import TEST_PASSWORD, csrf_token_from, login
from tests.hostile import (
    CONTROL_CHARS,
    INVALID_DATES,
    POST_RULES,
    SITE,
    UNICODE,
    DataWatch,
    FormField,
    HtmlForm,
    build_world,
    changes,
    clean,
    enrol_two_factor_user,
    fill,
    fuzz_settings,
    hostile_text,
    last_trace,
    post_forms,
    rejection_problems,
    server_errors,
    snapshot,
    written_strings,
)

# A failing example with a 100 kB string is worth printing; hypothesis's warning about it would hide the failure.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

# Routes whose request comes from outside the browser session the fuzzer holds.
ANONYMOUS = {"/login", "/password/forgot", "/password/reset/<token>", "/login/two-factor"}
# Forms shown only to a user with two-factor login on.
TWO_FACTOR_USER = {"/profile/two-factor/disable", "/profile/two-factor/recovery-codes"}
# Text inputs not stored as typed (secrets, navigation, search words), so the "stored exactly" check skips them.
NOT_STORED_AS_TYPED = {"csrf_token", "next", "password", "current_password", "new_password", "confirm", "code", "q"}
TEXT_KINDS = {"text", "textarea", "search", "email", "tel", "url"}
MAX_FIELD_BYTES = 500_000  # Werkzeug's limit per form field; larger bodies are a 413 by design


def find_form(app: Flask, client, rule: Rule, ids: dict) -> tuple[HtmlForm, str]:
    """The form posting to `rule` and the URL of the page showing it."""
    url = fill(rule.rule, ids)
    candidates = [url] if "GET" in rule.methods else []
    for page_url in candidates + [None]:
        if page_url is None:
            SITE.crawl(app, client, ids)
            page_url = SITE.page_of(rule.rule, ids)
            if page_url is None:
                break
        response = client.get(page_url)
        assert response.status_code < 500, (page_url, response.status_code)
        forms = [
            form
            for form in post_forms(response.get_data(as_text=True), page_url)
            if urlsplit(form.action).path == urlsplit(url).path
        ]
        if forms:
            return max(forms, key=lambda form: len(form.fields)), page_url
    # No page posts to it (an action without a button yet): the token and random fields must do.
    return HtmlForm(action=url, fields=[FormField("csrf_token", "hidden", _token(client, "/profile"))]), "/"


# --- hostile form data ------------------------------------------------------------------------------


def field_value(form_field: FormField) -> st.SearchStrategy:
    """The field's own value, one of its options, a hostile text, or two values for one name."""
    choices = [st.just(form_field.value), hostile_text()]
    if form_field.options:
        choices.append(st.sampled_from(form_field.options))
    if form_field.kind == "date":
        choices.append(st.sampled_from(INVALID_DATES))
    single = st.one_of(*choices)
    return st.one_of(single, single, st.lists(single, min_size=2, max_size=3))


@st.composite
def form_data(draw, form: HtmlForm) -> dict:
    data: dict = {}
    for form_field in form.fields:
        if form_field.name == "csrf_token":
            data["csrf_token"] = form_field.value  # valid on purpose: the point is what follows it
            continue
        if form_field.kind == "file":
            content = draw(hostile_text()).encode()
            data[form_field.name] = (
                io.BytesIO(content),
                draw(st.sampled_from(["firmen.csv", "x.xlsx", "a\x00.csv", ""])),
            )
            continue
        if form_field.kind in ("checkbox", "radio") and not draw(st.booleans()):
            continue  # an unticked box is simply not sent
        value = draw(field_value(form_field))
        if form_field.name in data and not isinstance(data[form_field.name], tuple):
            existing = data[form_field.name]
            data[form_field.name] = (existing if isinstance(existing, list) else [existing]) + (
                value if isinstance(value, list) else [value]
            )
        else:
            data[form_field.name] = value
    if form.buttons and draw(st.booleans()):
        name, value = draw(st.sampled_from(form.buttons))
        data[name] = value
    if draw(st.integers(0, 9)) == 0:
        data["unexpected_field"] = draw(hostile_text())
    return data


def _texts(data: dict, form: HtmlForm) -> list[tuple[str, str]]:
    kinds = {f.name: f.kind for f in form.fields}
    return [
        (name, value)
        for name, value in data.items()
        if isinstance(value, str) and kinds.get(name) in TEXT_KINDS and name not in NOT_STORED_AS_TYPED
    ]


def _too_big(data: dict) -> bool:
    return any(
        len(v.encode()) > MAX_FIELD_BYTES
        if isinstance(v, str)
        else sum(len(str(x).encode()) for x in v) > MAX_FIELD_BYTES
        for v in data.values()
        if isinstance(v, str | list)
    )


# --- the test ---------------------------------------------------------------------------------------


# What the fuzzing found (each was a 500 or a page without a message), replayed on every run.
REGRESSIONS: dict[str, list[dict]] = {
    # int_or_none() called int() on 5001 digits: Python refuses more than 4300 (ValueError, a 500).
    "/followups/reassign": [{"from_user_id": "9" * 5001, "to_user_id": ""}, {"from_user_id": "2", "to_user_id": "²"}],
    # The name check used SQL lower(), which on SQLite folds ASCII only: a second "Öffentlicher Dienst"
    # passed it and hit the unique index (IntegrityError, a 500). Same for stages, partners, objections.
    "/admin/industries": [{"name": "Öffentlicher Dienst"}],
    # An e-mail address longer than the column: PostgreSQL refused the failed-login record (DataError, a 500).
    "/login": [{"email": "a" * 300 + "@example.org", "password": "falsch"}],
    # The guessability check gave zxcvbn 100 characters; it refuses more than 72 (ValueError, a 500).
    "/password/reset/<token>": [{"new_password": "x" * 80, "confirm_password": "x" * 80}],
    "/profile/password": [{"current_password": "x", "new_password": "x" * 80, "confirm_password": "x" * 80}],
    # 400 digits: WTForms' NumberRange calls math.isnan(), which cannot make a float of it (OverflowError).
    "/placements/new": [{"subsidy_percent": "9" * 400, "start_date": "2026-01-01", "placement_type": "trial"}],
    # "²" passed str.isdigit() and int() failed with an English message on the page; 400 digits overflowed.
    "/reports/quota/settings": [{"workforce_size": "²"}, {"outside_count": "9" * 400}, {"goal_year": "9" * 5001}],
    # Blanks passed InputRequired, the time field made None of them and the view failed on it.
    "/followups/settings": [{"digest_enabled": "y", "digest_time": " "}],
    # A search text over 50 000 bytes: SQLite refuses the LIKE pattern (OperationalError, a 500).
    "/employers/<int:employer_id>/referrals/new": [{"referrer_name": "x" * 60_000}],
}


@pytest.fixture
def world(app, make_user):
    admin = make_user(Role.ADMIN, email="admin@example.org", name="Anna Admin")
    return build_world(admin)


ADMIN_RULE = next(rule for rule in POST_RULES if rule.rule == "/employers/new")


def _client_for(app: Flask, rule: Rule, world) -> object:
    """A browser for `rule`: anonymous, halfway through a two-factor login, as the 2FA user, or as the admin."""
    client = app.test_client()
    if rule.rule == "/login/two-factor" or rule.rule in TWO_FACTOR_USER:
        if world.two_factor is None:
            world.two_factor = enrol_two_factor_user()
        email, codes = world.two_factor
        response = client.post(
            "/login", data={"email": email, "password": TEST_PASSWORD, "csrf_token": _token(client, "/login")}
        )
        assert response.status_code == 302, response.status_code
        if rule.rule in TWO_FACTOR_USER:
            token = _token(client, "/login/two-factor")
            response = client.post("/login/two-factor", data={"code": codes.pop(), "csrf_token": token})
            assert response.status_code == 302, response.status_code
    elif rule.rule not in ANONYMOUS:
        assert login(client, world.admin_email).status_code == 302
    return client


def _token(client, url: str) -> str:
    return csrf_token_from(client.get(url).get_data(as_text=True))


# Actions that change what the other forms of their blueprint work on (archive, decline, logout …) go last,
# the anonymous forms after them (their failed logins throttle the address the other browsers log in from).
LIFECYCLE = re.compile(
    r"/(archive|restore|erase|deactivate|reactivate|decline|stage|revoke|done|cancel|close|take-down|fill|end|"
    r"phase|commit|discard|undo|logout|reset|disable|dismiss|thanks|remove|primary|snooze|regenerate|cooperation)\b"
)


def _order(rule: Rule) -> tuple[bool, bool, str]:
    return rule.rule in ANONYMOUS, bool(LIFECYCLE.search(rule.rule)), rule.rule


# One test per blueprint: its forms share one world (on PostgreSQL a world costs more than a form's examples).
BLUEPRINTS = sorted({rule.endpoint.partition(".")[0] for rule in POST_RULES})


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_forms_survive_hostile_input(app, world, blueprint):
    rules = sorted((rule for rule in POST_RULES if rule.endpoint.partition(".")[0] == blueprint), key=_order)
    clients = {rule.rule: _client_for(app, rule, world) for rule in rules}  # every login before any fuzzing
    for rule in rules:
        fuzz_form(app, world, rule, clients[rule.rule])


def fuzz_form(app: Flask, world, rule: Rule, client) -> None:
    """Hostile examples for the form posting to `rule` (its URL is in every failure message)."""
    form, page_url = find_form(app, client, rule, world.ids)
    url = form.action  # with its query string, e.g. ?year=2026

    csrf = {f.name: f.value for f in form.fields if f.name == "csrf_token"}
    database = DataWatch(app)

    @given(data=form_data(form), htmx=st.booleans())
    @fuzz_settings()
    def check(data: dict, htmx: bool) -> None:
        nonlocal client
        if rule.rule == "/logout":
            with database.watch():
                client = _client_for(app, rule, world)
        data = {**csrf, **data}  # the regression examples below name only the fields that mattered
        headers = {"HX-Request": "true"} if htmx else {}
        with server_errors(app) as traces, database.watch():
            response = client.post(url, data=data, headers=headers)
        body = response.get_data(as_text=True)
        assert response.status_code < 500, f"{response.status_code} for {url}:\n{last_trace(traces)}"
        diff = database.diff
        if response.status_code >= 400:
            if not (response.status_code == 413 and _too_big(data)):
                problems = rejection_problems(body, response.mimetype)
                assert not problems, (url, response.status_code, problems, body[-1500:])
            assert not diff, f"rejected with {response.status_code} but wrote {list(diff)}"
            return
        for table, column, value in written_strings(diff):
            assert "\x00" not in value, f"NUL stored in {table}.{column}"
        stored = {(column, value) for _table, column, value in written_strings(diff)}
        for name, value in _texts(data, form):
            # Stored as typed, trimmed and without NUL; single-line fields may also join runs of blanks.
            columns = {" ".join(value.split()) for column, value in stored if column == name}
            typed = " ".join(clean(value).split())
            if columns and typed:
                assert typed in columns, f"{name!r} typed {value[:80]!r}, stored {[c[:80] for c in columns]}"
        if response.status_code in (301, 302, 303):
            location = response.headers["Location"]
            target = urlsplit(location)
            assert target.netloc in ("", "localhost"), f"redirect off the site: {location}"
            with database.watch():  # a page may record its reading (the data-protection report does)
                follow = client.get(location)
            assert follow.status_code < 500, f"{follow.status_code} on {location} after {url}"
        with database.watch():
            again = client.get(page_url)
        assert again.status_code < 500, f"{again.status_code} on {page_url} after {url}"

    for data in REGRESSIONS.get(rule.rule, []):
        check = example(data=data, htmx=False)(check)
    check()


# --- what was stored renders everywhere -------------------------------------------------------------

# Text fields with a format of their own (a hostile string there is simply rejected, which tells nothing).
FORMATTED = re.compile(
    r"mail|phone|mobile|postcode|website|url|date|time|code|ref|password|hours|amount|percent|year|q$"
)
# Forms that end what the others need (the employer declined, the contact erased, two employers merged): last.
LAST = ("/employers/<int:employer_id>/decline", "/gdpr/contacts/<int:contact_id>/erase", "/merge/<int:a>/<int:b>")
MIN_ACCEPTED = 20  # the forms that stored the text; fewer means the test lost its reach


def _free_text_fields(form: HtmlForm) -> list[str]:
    return [
        f.name
        for f in form.fields
        if f.kind in ("text", "textarea", "search") and not FORMATTED.search(f.name) and f.name != "next"
    ]


def test_hostile_text_stored_through_the_forms_renders_on_every_page(app, world):
    """Hostile text typed into every free-text field that takes it, then every page and download opens."""
    client = _client_for(app, ADMIN_RULE, world)
    rules = [r for r in POST_RULES if r.rule not in ANONYMOUS | TWO_FACTOR_USER | {"/logout"} and r.rule not in LAST]
    rules += [r for r in POST_RULES if r.rule in LAST]
    forms = [(rule, find_form(app, client, rule, world.ids)[0]) for rule in rules]
    forms = [(rule, form, names) for rule, form in forms if (names := _free_text_fields(form))]
    pages = SITE.every_page(app, client, world.ids)

    @given(typed=st.text(UNICODE | CONTROL_CHARS, min_size=1, max_size=24).filter(lambda t: clean(t) != ""))
    @example(typed="Rot\x1b[31m\x0cBäcker")  # ESC and form feed: the XLSX exports failed (openpyxl refused them)
    @fuzz_settings(max_examples=2)
    def check(typed: str) -> None:
        accepted = 0
        with server_errors(app) as traces:
            for rule, form, names in forms:
                data = {
                    f.name: (f.value or (f.options[0] if f.options else "")) for f in form.fields if f.kind != "file"
                }
                data.update({name: typed for name in names})
                response = client.post(form.action, data=data)
                assert response.status_code < 500, f"{response.status_code} for {rule.rule}:\n{last_trace(traces)}"
                accepted += response.status_code < 400
            for url in pages:
                response = client.get(url)
                response.close()  # downloads (favicon, exports) are streamed files
                assert response.status_code < 500, f"{response.status_code} on {url}:\n{last_trace(traces)}"
        assert accepted >= MIN_ACCEPTED, accepted
        stored = [value for _t, _c, value in written_strings(changes({}, snapshot()))]
        assert any(" ".join(clean(typed).split()) in " ".join(value.split()) for value in stored), (
            "the text was not stored"
        )

    check()


def test_an_invitation_sent_from_an_outdated_duoday_page_says_why(app, world):
    """Found by the fuzzing: once every host was asked, the form and its message were hidden (a bare 422)."""
    client = _client_for(app, ADMIN_RULE, world)
    form, _page = find_form(app, client, next(r for r in POST_RULES if r.rule == "/duoday/invite"), world.ids)
    token = next(f.value for f in form.fields if f.name == "csrf_token")
    data = {"csrf_token": token, "due_date": "2099-01-01", "employer_id": str(world.ids["b"])}
    assert client.post(form.action, data=data).status_code == 302  # the host is asked: the form goes away
    response = client.post(form.action, data={"csrf_token": token, "due_date": "2099-01-01"})
    assert response.status_code == 422
    assert "Bitte wählen Sie mindestens einen Arbeitgeber." in response.get_data(as_text=True)


def test_moving_a_follow_up_done_in_another_tab_says_why(app, world):
    """Found by the fuzzing: a wrong date for a closed follow-up was a 422 whose message was hidden."""
    client = _client_for(app, ADMIN_RULE, world)
    token = _token(client, "/followups/")
    url = f"/followups/{world.ids['followup_id']}"
    htmx = {"HX-Request": "true"}
    assert client.post(f"{url}/done", data={"csrf_token": token}, headers=htmx).status_code == 200
    response = client.post(f"{url}/snooze", data={"csrf_token": token, "to_date": "31.02.2026"}, headers=htmx)
    assert response.status_code == 422
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert not rejection_problems(response.get_data(as_text=True), response.mimetype)
