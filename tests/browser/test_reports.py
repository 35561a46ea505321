"""Dashboard and reports as management and staff meet them: figures, charts, tables, downloads, quota settings."""

import pytest
from playwright.sync_api import expect

from crm.reports.pages import REPORTS
from tests.browser.conftest import log_in, run_axe, screenshot
from tests.reports.conftest import dataset, quota  # noqa: F401  (the hand-built data set)

PERIOD = "?start=2026-01-01&end=2026-06-30"
PHONE = {"width": 390, "height": 844}


def _no_sideways_scrolling(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.browser
def test_every_report_shows_chart_table_and_downloads_on_desktop_and_phone(page_as, dataset, quota):  # noqa: F811
    desktop = page_as("viewer", name="Maren Leitung")
    phone = page_as("viewer", viewport=PHONE, name="Maren Mobil")
    for spec in REPORTS:
        for page, device in ((desktop, "desktop"), (phone, "phone")):
            page.goto(f"/reports/{spec.key}{PERIOD}")
            expect(page.get_by_role("heading", level=1)).to_have_text(str(spec.title))
            expect(page.locator("svg[role=img]").first).to_be_visible()
            expect(page.locator("table.report-data").first).to_be_visible()
            expect(page.get_by_role("link", name="CSV").first).to_be_visible()
            _no_sideways_scrolling(page)
            screenshot(page, f"report-{spec.key}-{device}")
        assert run_axe(desktop) == [], spec.key


@pytest.mark.browser
def test_funnel_filter_and_download(page_as, dataset):  # noqa: F811
    page = page_as("acquisition")
    page.goto("/reports/funnel")
    page.get_by_label("Von").fill("2026-01-01")
    page.get_by_label("Bis").fill("2026-06-30")
    page.get_by_label("Standort").select_option(label="Altona")
    page.get_by_role("button", name="Anzeigen").click()
    expect(page).to_have_url(f"/reports/funnel?start=2026-01-01&end=2026-06-30&site={dataset.altona.id}")
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Kooperation"))
    expect(row.get_by_role("cell").first).to_have_text("1")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV Phasen").click()
    text = download.value.path().read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Akquisestatus;Jetzt im Status;Erreicht")
    row.get_by_role("link", name="Kooperation").click()
    expect(page).to_have_url(f"/employers?stage=cooperation&site={dataset.altona.id}")


@pytest.mark.browser
def test_dashboard_figures_lead_to_their_lists(new_page, dataset):  # noqa: F811
    page = new_page()
    log_in(page, dataset.anna.email)
    page.goto("/")
    expect(page.get_by_role("heading", name="Mein Tag")).to_be_visible()
    expect(page.get_by_role("heading", name="Das ganze Team")).to_be_visible()
    assert run_axe(page) == []
    screenshot(page, "dashboard-desktop")
    page.get_by_role("link", name="Meine überfälligen Wiedervorlagen").click()
    expect(page).to_have_url("/followups/?show=overdue")
    page.goto("/")
    page.get_by_role("link", name="Kooperation 1").first.click()
    expect(page).to_have_url("/employers?owner=me&stage=cooperation")
    expect(page.get_by_role("link", name="Alpha", exact=True)).to_be_visible()

    phone = new_page(viewport=PHONE)
    log_in(phone, dataset.anna.email)
    phone.goto("/")
    _no_sideways_scrolling(phone)
    screenshot(phone, "dashboard-phone")


@pytest.mark.browser
def test_admin_sets_the_quota_goal_and_sees_the_path(page_as, dataset):  # noqa: F811
    page = page_as("admin")
    page.goto("/reports/quota")
    expect(page.get_by_text("noch nicht festgelegt")).to_be_visible()
    page.get_by_role("link", name="Einstellungen").click()
    page.get_by_label("Beschäftigte der Werkstatt insgesamt").fill("0")
    page.get_by_label("Ausgangsquote (%)").fill("10")
    page.get_by_label("Gemessen am").fill("2026-01-01")
    page.get_by_label("Ziel (%)").fill("40,0")
    page.get_by_label("Ziel erreichen bis Ende des Jahres").fill("2027")
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator("#workforce_size-error")).to_have_text(
        "Bitte geben Sie eine Zahl zwischen 1 und 100.000 ein, z. B. 420."
    )
    expect(page.get_by_label("Ziel (%)")).to_have_value("40,0")
    page.get_by_label("Beschäftigte der Werkstatt insgesamt").fill("10")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("Die Einstellungen zur Quote sind gespeichert.")).to_be_visible()
    figure = page.locator(".report-figure").filter(has_text="Aktueller Anteil")
    expect(figure).to_contain_text("20 %")
    expect(page.locator("svg[role=img] title").first).to_have_text("Außenarbeitsquote: Weg zum Ziel")
    screenshot(page, "report-quota-after-settings")
