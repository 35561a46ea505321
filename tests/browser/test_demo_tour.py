"""A tour through the demo data as `make run` shows it: every main page renders, passes axe, and is
photographed (CRM_SCREENSHOT_DIR=static/img/screenshots refreshes the README's pictures)."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from crm.demo import DEMO_PASSWORD, load_demo_data
from crm.employers.models import Employer
from crm.extensions import db
from tests.browser.conftest import log_in, run_axe, screenshot

PAGES = [
    ("dashboard", "/"),
    ("employers", "/employers"),
    ("pipeline", "/pipeline"),
    ("followups", "/followups/"),
    ("postings", "/postings/"),
    ("duoday", "/duoday/"),
    ("reports", "/reports/"),
    ("objections-matrix", "/insights/objections"),
]


@pytest.fixture
def demo_page(new_page):
    load_demo_data()
    page = new_page()
    log_in(page, "akquise@example.org", DEMO_PASSWORD)
    return page


def test_demo_tour_renders_every_main_page_accessibly(demo_page):
    page = demo_page
    for name, path in PAGES:
        response = page.goto(path)
        assert response.status == 200, path
        expect(page.locator("h1").first).to_be_visible()
        assert run_axe(page) == [], path
        screenshot(page, name, full_page=False)


def test_demo_employer_briefing_on_desktop_and_phone(demo_page, new_page):
    employer = db.session.scalars(
        select(Employer)
        .where(Employer.archived_at.is_(None), Employer.last_contact_at.is_not(None))
        .order_by(Employer.last_contact_at.desc())
    ).first()
    page = demo_page
    page.goto(f"/employers/{employer.id}")
    expect(page.get_by_role("heading", name=employer.name)).to_be_visible()
    assert run_axe(page) == []
    screenshot(page, "employer-briefing", full_page=False)
    phone = new_page(viewport={"width": 390, "height": 844})
    log_in(phone, "coach@example.org", DEMO_PASSWORD)
    phone.goto(f"/employers/{employer.id}")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "employer-briefing-phone", full_page=False)
