"""/api/v1 survives hostile requests: never a 500, errors as problem+json with German field messages, no partial write.

test_schemathesis.py sends requests that are valid by the OpenAPI document; this sends the ones a broken
or hostile client sends: every field with values of any JSON type (huge integers, NaN, nested objects),
hostile strings (tests/hostile.py), impossible dates, unknown fields, bodies that are not JSON objects or
are megabytes long, and hostile query strings on the lists. The operations and fields are read from
the OpenAPI document, so a new operation is fuzzed without a change here.
"""

import json

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from crm.api.models import TokenScope
from crm.api.spec import openapi_document
from crm.api.tokens import create_token
from crm.auth.models import Role
from crm.extensions import db
from tests.helpers import login
from tests.hostile import (
    ATTEMPT_TABLES,
    CONTROL_CHARS,
    FUZZ_EXAMPLES,
    INVALID_DATES,
    UNICODE,
    DataWatch,
    build_world,
    clean,
    fuzz_settings,
    german,
    hostile_text,
    last_trace,
    server_errors,
    written_strings,
)

# A failing example with a 100 kB string is worth printing; hypothesis's warning about it would hide the failure.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

DOCUMENT = openapi_document()
API_EXAMPLES = 3 * FUZZ_EXAMPLES  # a JSON request is cheaper than a page
PROBLEM = "application/problem+json"
# The token's "last used" stamp is written on every request, accepted or not.
NOT_DATA = ATTEMPT_TABLES | {"api_tokens"}
# Where the browser shows what the API wrote: it must still render.
PAGES = {
    "employers": "/employers/{id}",
    "contacts": "/contacts/{id}/edit",
    "activities": "/activities/{id}/edit",
    "followups": "/followups/{id}/edit",
    "postings": "/postings/{id}",
}
WORLD_IDS = {"employers": "employer_id", "contacts": "contact_id", "activities": "activity_id"}
WORLD_IDS |= {"followups": "followup_id", "postings": "posting_id"}


def _resolve(schema: dict) -> dict:
    if "$ref" in schema:
        return DOCUMENT["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _operations() -> list[tuple[str, str, dict]]:
    """(method, path, operation) of every operation in the document."""
    return [
        (method.upper(), path, operation)
        for path, operations in DOCUMENT["paths"].items()
        for method, operation in operations.items()
        if method in ("get", "post", "patch", "put", "delete")
    ]


WRITES = [(m, p, o) for m, p, o in _operations() if "requestBody" in o]
READS = [(m, p, o) for m, p, o in _operations() if m == "GET"]

# --- hostile JSON -----------------------------------------------------------------------------------

BIG_NUMBERS = [2**31, -(2**31) - 1, 2**63, -(2**63), 10**30, 10**400, -1, 0]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(BIG_NUMBERS),
    st.floats(),  # also NaN and ±Infinity: Python's JSON reader accepts them
    hostile_text(),
)
ANY_JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


def plausible(schema: dict, ids: list[int]) -> st.SearchStrategy:
    """A value the field could hold (so requests get past the type check into the services)."""
    kind = schema.get("type")
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if kind == "integer":
        return st.sampled_from(ids) | st.integers(schema.get("minimum", -5), schema.get("maximum", 10**6))
    if kind == "number":
        return st.floats(schema.get("minimum", -100), schema.get("maximum", 100)) | st.integers(0, 100)
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        return st.lists(st.text(UNICODE | CONTROL_CHARS, min_size=1, max_size=20), max_size=4)
    if schema.get("format") == "date":
        return st.dates().map(str) | st.sampled_from(INVALID_DATES)
    if schema.get("format") == "date-time":
        return st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()) | st.sampled_from(INVALID_DATES)
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True) | hostile_text()
    # Text that fits the field, with control characters, scripts and emoji in it.
    return st.text(UNICODE | CONTROL_CHARS, min_size=1, max_size=min(schema.get("maxLength", 60), 60))


def body(schema: dict, ids: list[int]) -> st.SearchStrategy:
    """A JSON object: plausible values only (nasty text that fits), or with hostile values and unknown names."""
    schema = _resolve(schema)
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))

    def fields(hostile: bool) -> st.SearchStrategy:
        def value(name: str) -> st.SearchStrategy:
            fitting = plausible(properties[name], ids)
            return st.one_of(fitting, fitting, fitting, ANY_JSON) if hostile else fitting

        return st.fixed_dictionaries(
            {name: value(name) for name in required},
            optional={name: value(name) for name in properties if name not in required},
        )

    extra = st.dictionaries(st.text(max_size=10), ANY_JSON, min_size=1, max_size=2)
    mixed = st.builds(lambda known, unknown: {**unknown, **known}, fields(True), st.just({}) | extra)
    return fields(False) | mixed


RAW_BODIES = st.sampled_from(
    [
        (b"{", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b'"Text"', "application/json"),
        (b"null", "application/json"),
        (b"NaN", "application/json"),
        (b'{"name": "\xff\xfe"}', "application/json"),  # not UTF-8
        (b'{"name": "A"}', "text/plain"),
        (b"name=A", "application/x-www-form-urlencoded"),
        (json.dumps({"name": "x" * 3_000_000}).encode(), "application/json"),
        (b"[" * 5000 + b"]" * 5000, "application/json"),  # deeply nested
    ]
)


def request_body(schema: dict, ids: list[int]) -> st.SearchStrategy:
    """Mostly JSON objects; one in eight a body that is no JSON object at all."""
    objects = body(schema, ids)
    return st.integers(0, 7).flatmap(lambda n: RAW_BODIES if n == 0 else objects)


# --- checks -----------------------------------------------------------------------------------------


def problem_messages(response) -> list[str]:
    """The problem's title and field messages; fails when the answer is no problem+json."""
    assert response.mimetype == PROBLEM, (
        response.status_code,
        response.mimetype,
        response.get_data(as_text=True)[:300],
    )
    problem = response.get_json()
    assert problem["status"] == response.status_code and problem["title"], problem
    messages = [problem["title"]]
    for field, field_messages in problem.get("errors", {}).items():
        assert isinstance(field, str) and field_messages and all(isinstance(m, str) for m in field_messages), problem
        messages += field_messages
    if response.status_code == 422:
        assert problem.get("errors"), f"422 without field messages: {problem}"
    return messages


def _dumps(payload) -> bytes:
    return json.dumps(payload, allow_nan=True).encode()


@pytest.fixture
def world(app, make_user):
    return build_world(make_user(Role.ADMIN, email="admin@example.org", name="Anna Admin"))


@pytest.fixture
def clients(app, world):
    """An API token of the world's admin, and a browser logged in as the admin (to open the pages)."""
    from sqlalchemy import select

    from crm.auth.models import User

    admin = db.session.scalar(select(User).where(User.email == world.admin_email))
    _token, secret = create_token(user=admin, name="Fuzz-API", scope=TokenScope.WRITE)
    db.session.commit()
    browser = app.test_client()
    assert login(browser, world.admin_email).status_code == 302
    return {"Authorization": f"Bearer {secret}"}, browser


# What the fuzzing found, replayed on every run (operation label → request bodies).
REGRESSIONS: dict[str, list] = {
    # Employer id 0 passed the "required" check (0 is not missing) and reached the service as None: a 500.
    "POST /activities": [{"kind": "call", "employer_id": 0, "subject": "0"}],
    # Nested deeper than Python's JSON reader goes: RecursionError, a 500, on every write operation.
    "POST /employers": [(b"[" * 5000 + b"]" * 5000, "application/json")],
}


@pytest.mark.parametrize(("method", "path", "operation"), WRITES, ids=[f"{m} {p}" for m, p, _o in WRITES])
def test_write_operation_survives_hostile_bodies(app, world, clients, method, path, operation):
    headers, browser = clients
    resource = path.strip("/").split("/")[0]
    url = "/api/v1" + path.replace("{id}", str(world.ids[WORLD_IDS[resource]]))
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    ids = sorted({v for v in world.ids.values() if isinstance(v, int)}) + [0, 999_999]
    properties = _resolve(schema).get("properties", {})
    free_text = {
        name
        for name, spec in properties.items()
        if spec.get("type") == "string" and not {"enum", "format", "pattern"} & set(spec)
    }

    database = DataWatch(app, NOT_DATA)

    @given(payload=request_body(schema, ids))
    @fuzz_settings(max_examples=API_EXAMPLES)
    def check(payload) -> None:
        raw, content_type = payload if isinstance(payload, tuple) else (_dumps(payload), "application/json")
        with server_errors(app) as traces, database.watch():
            response = app.test_client().open(
                url, method=method, data=raw, headers={**headers, "Content-Type": content_type}
            )
        assert response.status_code < 500, (
            f"{response.status_code} for {method} {url} {payload!r:.300}:\n{last_trace(traces)}"
        )
        diff = database.diff
        if response.status_code >= 400:
            for message in problem_messages(response):
                assert german().is_german(message), f"not German: {message[:200]!r}"
            assert not diff, f"rejected with {response.status_code} but wrote {list(diff)}"
            return
        for table, column, value in written_strings(diff):
            assert "\x00" not in value, f"NUL stored in {table}.{column}"
        stored = response.get_json()
        for name, value in payload.items() if isinstance(payload, dict) else ():
            # Free text comes back as sent, without NUL and surrounding blanks (names also join inner blanks).
            if name in free_text and isinstance(value, str) and clean(value):
                assert " ".join(stored[name].split()) == " ".join(clean(value).split()), (name, value[:80])
        again = app.test_client().get(f"/api/v1/{resource}/{stored['id']}", headers=headers)
        assert again.status_code == 200, again.status_code
        with database.watch():
            page = browser.get(PAGES[resource].format(id=stored["id"]))
        assert page.status_code < 500, f"{page.status_code} on {PAGES[resource]} after {method} {url}"

    for payload in REGRESSIONS.get(f"{method} {path}", []):
        check = example(payload=payload)(check)
    check()


@pytest.mark.parametrize(("method", "path", "operation"), READS, ids=[f"{m} {p}" for m, p, _o in READS])
def test_read_operation_survives_hostile_query_strings(app, world, clients, method, path, operation):
    headers, _browser = clients
    resource = path.strip("/").split("/")[0]
    names = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"] + ["unknown"]

    @given(
        query=st.lists(
            st.tuples(st.sampled_from(names), hostile_text() | st.sampled_from(["1", "me", "true"])), max_size=5
        ),
        item=st.sampled_from([str(world.ids[WORLD_IDS[resource]]), "0", "99999999999", "-1", "²", "1e3"]),
    )
    @fuzz_settings(max_examples=API_EXAMPLES)
    def check(query, item) -> None:
        url = "/api/v1" + path.replace("{id}", item)
        with server_errors(app) as traces:
            response = app.test_client().get(url, query_string=query, headers=headers)
        assert response.status_code < 500, f"{response.status_code} for {url} {query!r:.300}:\n{last_trace(traces)}"
        if response.status_code >= 400:
            for message in problem_messages(response):
                assert german().is_german(message), f"not German: {message[:200]!r}"

    check()


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [("DELETE", "/api/v1/employers/1", 405), ("GET", "/api/v1/followups/-1", 404), ("GET", "/api/v1/nothing", 404)],
)
def test_an_address_or_method_without_a_route_is_a_problem_too(app, clients, method, url, status):
    """Found by the fuzzing: these were the HTML error page, which an API client cannot read."""
    headers, _browser = clients
    response = app.test_client().open(url, method=method, headers=headers)
    assert response.status_code == status and response.mimetype == PROBLEM
    assert german().is_german(response.get_json()["title"])
