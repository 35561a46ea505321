"""The benefits calculator and the printed "Ihre Vorteile" sheet: one A4 page, plain and clear."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOT_DIR, run_axe, screenshot


def test_calculate_and_print_the_benefits_sheet_on_one_page(page_as, create_employer):
    employer = create_employer("Logistik Nord GmbH", city="Hamburg")
    page = page_as("acquisition")
    page.goto(f"/employers/{employer.id}")
    page.get_by_role("link", name="Vorteilsrechner öffnen").click()
    page.get_by_label("Arbeitsplätze (Jahresdurchschnitt)").fill("-4")
    page.get_by_role("button", name="Berechnen").click()
    expect(page.locator("#workplaces-error")).to_contain_text("Bitte geben Sie eine ganze Zahl ab 0 ein")
    page.get_by_label("Arbeitsplätze (Jahresdurchschnitt)").fill("120")
    page.get_by_label("Davon mit schwerbehinderten Menschen besetzt").fill("2")
    page.get_by_label("Arbeitsanteil von Werkstattaufträgen pro Jahr (€)").fill("8000")
    page.get_by_label("Monatliche Lohnkosten einer Stelle (€)").fill("2600")
    page.get_by_role("button", name="Berechnen").click()
    expect(page.locator("main")).to_contain_text("Abgabe pro Jahr")
    expect(page.locator("main")).to_contain_text("19.440,00")  # 6 places, 4 unfilled × 405 € × 12 (quota 1.67 %)
    assert run_axe(page) == []
    screenshot(page, "benefits-calculator")

    page.get_by_role("link", name="Blatt „Ihre Vorteile“ drucken").click()
    expect(page.get_by_role("heading", name="Ihre Vorteile", level=1)).to_be_visible()
    expect(page.locator(".sheet-sources")).to_contain_text("SGB IX § 223")
    expect(page.locator(".sheet-sources")).to_contain_text(re.compile(r"Stand der Zahlen: \d\d\.\d\d\.\d{4}"))
    assert run_axe(page) == []
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    screenshot(page, "benefits-sheet-print")
    pdf = page.pdf(format="A4", print_background=False)
    (SCREENSHOT_DIR / "benefits-sheet.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 1, f"the sheet needs {pages} A4 pages"


def test_benefits_pages_work_on_a_phone(page_as, create_employer):
    employer = create_employer("Gärtnerei Grün")
    page = page_as("coach", viewport={"width": 390, "height": 844})
    page.goto(f"/employers/{employer.id}/benefits?workplaces=45&employed=1&order_labour=3000&wage_cost=2200")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "benefits-phone")


def test_legal_facts_admin_page_is_accessible(page_as):
    page = page_as("admin")
    page.goto("/benefits/facts")
    expect(page.get_by_role("heading", name="Rechtliche Kennzahlen")).to_be_visible()
    expect(page.locator("table")).to_contain_text("zu prüfen")
    assert run_axe(page) == []
    screenshot(page, "benefits-facts")
