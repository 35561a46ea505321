"""Stored XSS in a real browser: with a payload in every text field, key pages run none of it.

The payload calls `xss()`; an init script defines it to count calls. With the page's CSP bypassed, escaping
alone has to keep the count at zero (and the payload must be on the page as text). With the CSP in force, a
script or event handler that got into the page anyway is refused: the CSP is the second wall.
"""

from collections.abc import Iterator

import pytest

from tests.browser.conftest import log_in
from tests.stored_xss import FULL, World, fill_payloads, seed_world

COUNT_CALLS = "window.__xss = 0; window.xss = () => { window.__xss += 1; };"
DOM_PAYLOAD = """() => ({
    calls: window.__xss,
    images: document.querySelectorAll('img[src="x"]').length,
    handlers: [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
    scripts: [...document.scripts].filter(s => s.textContent.includes('xss')).length,
})"""


@pytest.fixture
def world(app) -> World:
    seeded = seed_world()
    fill_payloads(seeded.fields)
    return seeded


def _context(browser, live_server: str, *, bypass_csp: bool):
    context = browser.new_context(
        base_url=live_server, locale="de-DE", timezone_id="Europe/Berlin", bypass_csp=bypass_csp
    )
    context.set_default_timeout(10_000)
    context.add_init_script(COUNT_CALLS)
    return context


@pytest.fixture
def contexts(browser, live_server) -> Iterator[list]:
    opened: list = []
    yield opened
    for context in opened:
        context.close()


def _pages(world: World) -> list[str]:
    ids = world.ids
    return [
        "/",
        "/employers",
        f"/employers/{ids['employer_id']}",
        f"/employers/{ids['employer_id']}/print",
        f"/employers/{ids['employer_id']}/timeline",
        f"/employers/{ids['employer_id']}/benefits/sheet",
        "/pipeline",
        "/followups/",
        f"/postings/{ids['posting_id']}",
        f"/postings/{ids['posting_id']}/poster",
        f"/placements/{ids['placement_id']}",
        f"/duoday/events/{ids['event_id']}",
        "/reports/activity",
        "/insights/objections",
        f"/import/{world.imports['previewed']}/preview",
        f"/gdpr/contacts/{ids['contact_id']}",
        "/audit/",
        "/admin/security-events/",
        "/admin/users",
    ]


def test_no_stored_payload_runs_when_only_escaping_stands_in_the_way(browser, live_server, world, contexts):
    context = _context(browser, live_server, bypass_csp=True)
    contexts.append(context)
    page = context.new_page()
    dialogs: list[str] = []
    errors: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, world.admin_email)
    shown_as_text = 0
    for url in _pages(world):
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        page.wait_for_load_state("load")
        found = page.evaluate(DOM_PAYLOAD)
        assert found == {"calls": 0, "images": 0, "handlers": 0, "scripts": 0}, (url, found)
        shown_as_text += page.evaluate("(p) => document.body.innerText.includes(p)", FULL)
    assert not dialogs and not errors, (dialogs, errors)
    assert shown_as_text >= len(_pages(world)) // 2, "the payload is not on the pages as text"


def test_the_csp_refuses_scripts_that_got_into_a_page(browser, live_server, world, contexts):
    context = _context(browser, live_server, bypass_csp=False)
    contexts.append(context)
    page = context.new_page()
    log_in(page, world.admin_email)
    page.goto(f"/employers/{world.ids['employer_id']}")
    violations = page.evaluate(
        """() => new Promise(resolve => {
            const seen = [];
            document.addEventListener('securitypolicyviolation', e => seen.push(e.violatedDirective));
            const script = document.createElement('script');
            script.textContent = 'window.xss()';
            document.body.append(script);
            document.body.insertAdjacentHTML('beforeend', '<img id="probe" src="/no-such-image" onerror="window.xss()">');
            document.getElementById('probe').addEventListener('error', () => setTimeout(() => resolve(seen), 200));
        })"""
    )
    assert page.evaluate("window.__xss") == 0
    assert len(violations) == 2 and all(v.startswith("script-src") for v in violations), violations
