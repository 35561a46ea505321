"""Browser fixtures: a real server on the test database and Debian's Chromium driven by Playwright.

No browser is downloaded: Playwright launches /usr/bin/chromium. Without it the browser tests skip
with a visible reason locally, and fail in CI (CI=true).
"""

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from crm.auth.models import Role
from tests.helpers import TEST_PASSWORD

CHROMIUM = Path(os.environ.get("CRM_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
SCREENSHOT_DIR = Path(os.environ.get("CRM_SCREENSHOT_DIR", "test-results/screenshots"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark everything in this folder as a browser test; skip locally when Chromium is missing."""
    here = Path(__file__).parent
    missing = not CHROMIUM.exists()
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            if missing and os.environ.get("CI") != "true":
                item.add_marker(pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}: apt-get install chromium"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """Serve the test app on a free loopback port in a thread; yields the base URL."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    port = _free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is required in CI but missing at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


class PageProblems:
    """Console errors, CSP violations, failed and off-site requests seen by one page."""

    def __init__(self, base_url: str) -> None:
        self.origin = urlsplit(base_url).netloc
        self.console_errors: list[str] = []
        self.foreign_requests: list[str] = []
        self.failed_requests: list[str] = []
        self.server_errors: list[str] = []

    def _on_console(self, message) -> None:
        # A 4xx document is expected (422 for a form with errors, 403, 404); it is not a page problem.
        if message.type == "error" and "responded with a status of 4" not in message.text:
            self.console_errors.append(message.text)

    def attach(self, page) -> None:
        page.on("console", self._on_console)
        page.on("response", lambda response: response.status >= 500 and self.server_errors.append(response.url))
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        page.on("request", self._on_request)
        page.on("requestfailed", lambda request: self.failed_requests.append(request.url))

    def _on_request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.netloc != self.origin:
            self.foreign_requests.append(request.url)


@pytest.fixture
def new_page(browser, live_server) -> Iterator[Callable]:
    """Factory for fresh pages (own cookies) that fail the test on console errors or foreign requests."""
    contexts = []
    problems: list[PageProblems] = []

    def factory(*, viewport: dict | None = None):
        context = browser.new_context(
            base_url=live_server,
            locale="de-DE",
            timezone_id="Europe/Berlin",
            viewport=viewport or {"width": 1280, "height": 900},
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        watcher = PageProblems(live_server)
        watcher.attach(page)
        problems.append(watcher)
        page.problems = watcher
        return page

    yield factory
    for context in contexts:
        context.close()
    for watcher in problems:
        assert not watcher.foreign_requests, f"requests left the app: {watcher.foreign_requests}"
        assert not watcher.server_errors, f"server errors: {watcher.server_errors}"
        assert not watcher.console_errors, f"browser console errors: {watcher.console_errors}"


@pytest.fixture
def page(new_page):
    """A fresh, anonymous page."""
    return new_page()


def log_in(page, email: str, password: str = TEST_PASSWORD) -> None:
    """Log in through the real login form."""
    page.goto("/login")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.fixture
def page_as(new_page, make_user) -> Callable:
    """Return a page logged in as a new user of `role` (the user is on `page.user`)."""

    def factory(role: Role | str = Role.ACQUISITION, *, viewport: dict | None = None, **user_kwargs):
        user = make_user(role, **user_kwargs)
        page = new_page(viewport=viewport)
        log_in(page, user.email)
        page.user = user
        return page

    return factory


def run_axe(page) -> list[dict]:
    """Run axe-core (vendored) for WCAG 2.1 A/AA on the current page; return the violations."""
    page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                            nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
        }"""
    )
    return result


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot under test-results/screenshots (kept as a CI artefact and for looking at pages)."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
