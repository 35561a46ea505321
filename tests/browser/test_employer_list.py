"""The employer list in a real browser: search and filters update the results in place, the URL
follows, the page works without JavaScript, on a phone, with a keyboard, and exports CSV."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from crm.db import utcnow
from crm.extensions import db
from tests.browser.conftest import log_in, run_axe, screenshot
from tests.employers.test_search import add_activity, add_contact, add_employer


@pytest.fixture
def firms(app):
    bakery = add_employer("Bäckerei Müller GmbH", stage="talks", district="Ottensen")
    add_employer("Bäckerei Schröder", stage="lead", district="Altona-Nord")
    garden = add_employer("Gärtnerei Blumenthal", stage="talks", district="Ottensen")
    add_contact(garden, "Petersen", first_name="Hanna")
    add_activity(bakery, "Erstgespräch", summary="Praktikum in der Backstube besprochen")
    add_employer("Hotel Elbblick", stage="cooperation", district="Altona-Nord", last_contact_at=utcnow())
    db.session.commit()


def expect_names(page, names: list[str]) -> None:
    """Wait until the result rows show exactly these employers, in this order."""
    expect(page.locator("#employer-results tbody tr a.fw-semibold")).to_have_text(names)


def test_search_and_filters_change_the_result_count_in_place(page_as, firms):
    page = page_as("acquisition")
    page.goto("/employers")
    count = page.locator("#employer-count")
    expect(count).to_have_text("4 Arbeitgeber")

    page.get_by_label("Suche", exact=True).fill("bäck")
    expect(count).to_have_text("2 Arbeitgeber")
    expect_names(page, ["Bäckerei Müller GmbH", "Bäckerei Schröder"])
    expect(page).to_have_url("/employers?q=b%C3%A4ck")

    page.get_by_label("Akquisestatus").select_option(label="Im Gespräch")
    expect(count).to_have_text("1 Arbeitgeber")
    expect_names(page, ["Bäckerei Müller GmbH"])
    assert "stage=talks" in page.url
    expect(page.get_by_role("link", name="Als CSV exportieren (1 Arbeitgeber)")).to_have_attribute(
        "href", "/employers/export.csv?q=b%C3%A4ck&stage=talks"
    )

    # Contact names and activity texts are searched too.
    page.get_by_label("Akquisestatus").select_option(label="Alle Phasen")
    page.get_by_label("Suche", exact=True).fill("hanna")
    expect(count).to_have_text("1 Arbeitgeber")
    expect_names(page, ["Gärtnerei Blumenthal"])
    page.get_by_label("Suche", exact=True).fill("backstube")
    expect(count).to_have_text("1 Arbeitgeber")
    expect_names(page, ["Bäckerei Müller GmbH"])
    screenshot(page, "employer-list-search")

    # The state lives in the URL: a reload (or a shared link) shows the same list.
    page.reload()
    expect(page.get_by_label("Suche", exact=True)).to_have_value("backstube")
    expect(count).to_have_text("1 Arbeitgeber")

    page.get_by_role("link", name="Filter zurücksetzen").first.click()
    expect(count).to_have_text("4 Arbeitgeber")


def test_more_filters_and_sorting_through_the_table_head(page_as, firms):
    page = page_as("viewer")
    page.goto("/employers")
    page.get_by_text("Weitere Filter").click()
    page.get_by_label("Stadtteil").select_option("Altona-Nord")
    expect(page.locator("#employer-count")).to_have_text("2 Arbeitgeber")
    expect_names(page, ["Bäckerei Schröder", "Hotel Elbblick"])

    page.get_by_role("link", name="Name").click()  # sorted by name already: the click reverses
    expect(page.locator("th[aria-sort='descending']")).to_have_count(1)
    expect_names(page, ["Hotel Elbblick", "Bäckerei Schröder"])
    expect(page.get_by_label("Reihenfolge")).to_have_value("desc")  # the form follows the table head
    assert "dir=desc" in page.url and "district=Altona-Nord" in page.url

    page.get_by_label("Kein Kontakt seit mehr als … Tagen").fill("30")
    page.get_by_label("Kein Kontakt seit mehr als … Tagen").press("Enter")
    expect(page.locator("#employer-count")).to_have_text("1 Arbeitgeber")
    expect_names(page, ["Bäckerei Schröder"])


def test_list_works_without_javascript(browser, live_server, make_user, firms):
    user = make_user("coach")
    context = browser.new_context(base_url=live_server, locale="de-DE", java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, user.email)
        page.goto("/employers")
        page.get_by_label("Suche", exact=True).fill("bäck")
        page.get_by_role("button", name="Anwenden").click()
        expect(page.locator("#employer-count")).to_have_text("2 Arbeitgeber")
        assert page.url.endswith("/employers?q=b%C3%A4ck")  # the empty fields are dropped from the URL
    finally:
        context.close()


def test_list_on_a_phone_stacks_without_sideways_scrolling(page_as, firms):
    page = page_as("coach", viewport={"width": 390, "height": 844})
    page.goto("/employers")
    expect(page.locator("#employer-count")).to_have_text("4 Arbeitgeber")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(page.locator("td[data-label='Stadtteil']").first).to_be_visible()
    screenshot(page, "employer-list-phone", full_page=False)


def test_list_page_has_no_wcag_violations(page_as, firms):
    page = page_as("admin")
    page.goto("/employers")
    assert run_axe(page) == []
    screenshot(page, "employer-list")


def test_csv_export_downloads_the_filtered_rows(page_as, firms):
    page = page_as("viewer")
    page.goto("/employers?q=bäck")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Als CSV exportieren (2 Arbeitgeber)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("arbeitgeber-") and download.suggested_filename.endswith(".csv")
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    text = content.decode("utf-8-sig")
    assert text.count("\r\n") == 3 and "Bäckerei Müller GmbH" in text and "Gärtnerei" not in text
