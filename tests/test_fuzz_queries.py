"""Query strings of every page and download survive hostile values: filters, page=, sort=, q= never give a 500.

The parameter names come from the page itself (its GET filter forms and the links it carries) plus the
names the app reads everywhere (page, sort, q …); hypothesis sends them with hostile values, repeated,
or not at all. A GET never changes data (exports only add their security event).
"""

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.helpers import login
from tests.hostile import (
    ATTEMPT_TABLES,
    GET_RULES,
    SITE,
    build_world,
    fill,
    fillable,
    fuzz_settings,
    hostile_text,
    html_forms,
    last_trace,
    rejection_problems,
    server_errors,
    written_tables,
)

# A failing example with a 100 kB string is worth printing; hypothesis's warning about it would hide the failure.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

# Names the app reads on many pages; the page's own filter forms and links add the rest.
COMMON = ["page", "per_page", "sort", "dir", "q", "next", "year", "start", "end", "show", "scope", "status", "type"]
HREF = re.compile(r'href="(/[^"#]*\?[^"#]*)"')


def parameter_names(html: str, page_url: str) -> dict[str, list[str]]:
    """Names the page sends itself (filter forms, links) with the values it offers."""
    from html import unescape

    names: dict[str, list[str]] = {name: [] for name in COMMON}
    for form in html_forms(html, page_url, "get"):
        for form_field in form.fields:
            names.setdefault(form_field.name, []).extend([form_field.value, *form_field.options])
    for link in map(unescape, HREF.findall(html)):
        if urlsplit(link).path == urlsplit(page_url).path:
            for name, value in parse_qsl(urlsplit(link).query, keep_blank_values=True):
                names.setdefault(name, []).append(value)
    return names


@st.composite
def query(draw, names: dict[str, list[str]]) -> list[tuple[str, str]]:
    chosen = draw(st.lists(st.sampled_from(sorted(names)), min_size=1, max_size=6))
    pairs = []
    for name in chosen:
        offered = [v for v in names[name] if v]
        value = draw(st.one_of(hostile_text(), st.sampled_from(offered)) if offered else hostile_text())
        pairs.append((name, value))
    return pairs


@pytest.fixture
def world(app, make_user):
    from crm.auth.models import Role

    return build_world(make_user(Role.ADMIN, email="admin@example.org", name="Anna Admin"))


# Reads that are recorded on purpose: the data-protection copy of a person's data (Art. 15) is audited.
RECORDED_READS = {
    "/gdpr/contacts/<int:contact_id>/export.json": {"audit_entries"},
    "/gdpr/contacts/<int:contact_id>/report": {"audit_entries"},
}
REGRESSIONS: dict[str, list[list[tuple[str, str]]]] = {
    # A search text over 50 000 bytes: SQLite refuses the LIKE pattern (OperationalError, a 500).
    "/duoday/events/<int:event_id>": [[("q", "x" * 60_000)]],
}


# One test per blueprint: a GET changes nothing, so its pages share one world (a world costs more than a page).
BLUEPRINTS = sorted({rule.endpoint.partition(".")[0] for rule in GET_RULES})


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_query_strings_survive_hostile_values(app, world, blueprint):
    client = app.test_client()
    assert login(client, world.admin_email).status_code == 302
    rules = [rule for rule in GET_RULES if rule.endpoint.partition(".")[0] == blueprint]
    assert rules
    for rule in rules:
        fuzz_query_string(app, client, world, rule)


def fuzz_query_string(app, client, world, rule) -> None:
    """Hostile query strings on one page (the URL is in every failure message)."""
    if fillable(rule.rule, world.ids):
        url = fill(rule.rule, world.ids)
    else:  # e.g. /reports/<key>/<table>.<fmt>: a link some page carries
        SITE.crawl(app, client, world.ids)
        url = SITE.page_of(rule.rule, world.ids)
        assert url is not None, f"no page links to {rule.rule}"
        url = url.partition("?")[0]
    first = client.get(url)
    html = first.get_data(as_text=True) if first.mimetype == "text/html" else ""
    first.close()
    assert first.status_code < 500
    names = parameter_names(html, url)

    @given(pairs=query(names))
    @fuzz_settings()
    def check(pairs: list[tuple[str, str]]) -> None:
        target = f"{url}?{urlencode(pairs)}"
        with server_errors(app) as traces, written_tables(app) as written:
            response = client.get(target)
            response.close()
        assert response.status_code < 500, f"{response.status_code} on {target[:300]}:\n{last_trace(traces)}"
        if response.status_code >= 400 and response.mimetype == "text/html":
            problems = rejection_problems(response.get_data(as_text=True), response.mimetype)
            assert not problems, (response.status_code, problems)
        unexpected = written - ATTEMPT_TABLES - RECORDED_READS.get(rule.rule, set())
        assert not unexpected, f"GET {target[:300]} wrote to {unexpected}"

    for pairs in REGRESSIONS.get(rule.rule, []):
        check = example(pairs=pairs)(check)
    check()
