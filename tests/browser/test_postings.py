"""The notice-board poster: one A4 page, large type, plain German; printable from the browser."""

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from crm.extensions import db
from crm.postings.models import PostingType
from crm.sites.models import Site
from tests.browser.conftest import SCREENSHOT_DIR, run_axe, screenshot
from tests.placements.factories import make_posting, today


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-z])", pdf))


def _posting(create_employer, make_user, **fields):
    contact = make_user("coach", name="Miriam Coach")
    employer = create_employer("Hotel Fischmarkt Altona", district="Altona")
    site = db.session.scalar(select(Site).limit(1))
    return make_posting(
        employer,
        posting_type=PostingType.INDIVIDUAL,
        places=1,
        hours_per_week=25,
        start_date=today() + timedelta(days=40),
        application_deadline=today() + timedelta(days=20),
        contact_user_id=contact.id,
        board_site_id=site.id,
        displayed_until=today() + timedelta(days=20),
        **fields,
    )


def test_print_the_poster_on_one_a4_page(page_as, create_employer, make_user):
    posting = _posting(
        create_employer,
        make_user,
        title="Mitarbeit im Housekeeping",
        poster_text="Sie machen Zimmer schön.\nSie sortieren Wäsche.\nSie arbeiten im Team.",
    )
    page = page_as("acquisition")
    page.goto(f"/postings/{posting.id}")
    page.get_by_role("link", name="Aushang für den Schaukasten").click()
    expect(page.get_by_role("heading", name="Mitarbeit im Housekeeping")).to_be_visible()
    expect(page.get_by_text("Die Firma heißt: Hotel Fischmarkt Altona.")).to_be_visible()
    expect(page.get_by_text("Sprechen Sie mit Miriam Coach.")).to_be_visible()
    assert run_axe(page) == []
    screenshot(page, "poster-screen")
    page.emulate_media(media="print")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    screenshot(page, "poster-print")
    pdf = page.pdf(format="A4", print_background=True, path=str(SCREENSHOT_DIR / "poster.pdf"))
    assert _pdf_pages(pdf) == 1
    # The type is large: the body text is at least 20 pt (about 26 px).
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.poster-facts li')).fontSize)")
    assert size >= 26


def test_even_a_long_poster_stays_on_one_page(page_as, create_employer, make_user):
    posting = _posting(
        create_employer,
        make_user,
        title="Mitarbeit in der Wäscherei und im Housekeeping mit wechselnden Aufgaben in zwei Häusern " * 2,
        poster_text="\n".join(["Sie sortieren Wäsche. Sie falten Handtücher. Sie arbeiten im Team."] * 8)[:600],
        requirements="x" * 3000,
    )
    page = page_as("viewer")
    page.goto(f"/postings/{posting.id}/poster")
    page.emulate_media(media="print")
    assert _pdf_pages(page.pdf(format="A4")) == 1


def test_the_poster_reads_on_a_phone(page_as, create_employer, make_user):
    posting = _posting(create_employer, make_user, title="Küchenhilfe")
    page = page_as("viewer", viewport={"width": 390, "height": 844})
    page.goto(f"/postings/{posting.id}/poster")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "poster-phone")


def test_postings_list_with_filters(page_as, create_employer, make_user):
    _posting(create_employer, make_user, title="Mitarbeit im Housekeeping")
    page = page_as("viewer")
    page.goto("/postings/")
    page.get_by_label("Art der Vermittlung").select_option(label="Außenarbeitsgruppe")
    page.get_by_role("button", name="Filtern").click()
    expect(page.get_by_text("0 Stellenangebote", exact=True)).to_be_visible()
    page.get_by_label("Art der Vermittlung").select_option(label="Ausgelagerter Einzelarbeitsplatz")
    page.get_by_role("button", name="Filtern").click()
    expect(page.get_by_role("link", name="Mitarbeit im Housekeeping")).to_be_visible()
    assert "type=individual" in page.url
    assert run_axe(page) == []
