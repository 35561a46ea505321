"""Import as a user meets it: upload the messy Excel CSV, check the columns, decide the duplicate, see the result."""

from playwright.sync_api import expect
from sqlalchemy import func, select

from crm.auth.models import Role
from crm.employers.models import Employer
from crm.employers.services import EmployerInput, create_employer
from crm.extensions import db
from tests.browser.conftest import run_axe, screenshot
from tests.imports.conftest import DATA


def test_import_messy_file_with_duplicate_decision(page_as):
    bakery = create_employer(data=EmployerInput(name="Bäckerei Müller GmbH", postcode="22767", city="Hamburg"))
    db.session.commit()
    page = page_as(Role.ADMIN)
    page.goto("/import/")
    expect(page.get_by_role("heading", name="Arbeitgeber importieren")).to_be_visible()
    assert run_axe(page) == []

    page.get_by_label("Datei (CSV oder Excel)").set_input_files(str(DATA / "messy_excel_cp1252.csv"))
    page.get_by_role("button", name="Hochladen und Spalten wählen").click()

    expect(page.get_by_role("heading", name="Spalten wählen")).to_be_visible()
    # Guessed from the German headings; the user checks one and leaves it.
    expect(page.get_by_label("Name des Arbeitgebers")).to_have_value("0")
    expect(page.get_by_label("Postleitzahl")).to_have_value("3")
    expect(page.get_by_label("Ansprechpartner*in: Nachname")).to_have_value("9")
    screenshot(page, "import-mapping")
    assert run_axe(page) == []
    page.get_by_role("button", name="Zeilen prüfen").click()

    expect(page.get_by_role("heading", name="Import prüfen")).to_be_visible()
    expect(page.get_by_text("„22a76“ ist keine fünfstellige Postleitzahl.")).to_be_visible()
    expect(page.get_by_text("Name des Arbeitgebers fehlt.")).to_be_visible()
    expect(page.get_by_role("link", name="Bäckerei Müller GmbH")).to_be_visible()
    screenshot(page, "import-preview")
    assert run_axe(page) == []
    page.get_by_label("Entscheidung für Zeile 2").select_option("update")
    page.get_by_role("button", name="Jetzt importieren").click()

    expect(
        page.get_by_text("Import abgeschlossen: 3 neu, 1 aktualisiert, 1 übersprungen, 3 Zeilen mit Fehlern.")
    ).to_be_visible()
    screenshot(page, "import-result")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Employer)) == 4
    assert db.session.get(Employer, bakery.id).phone == "040 123456"

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Import rückgängig machen").click()
    expect(page.get_by_text("Der Import wurde rückgängig gemacht")).to_be_visible()
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Employer)) == 1


def test_import_pages_fit_a_phone(page_as):
    page = page_as(Role.ACQUISITION, viewport={"width": 390, "height": 844})
    page.goto("/import/")
    page.get_by_label("Datei (CSV oder Excel)").set_input_files(str(DATA / "messy_excel_utf8_bom.csv"))
    page.get_by_role("button", name="Hochladen und Spalten wählen").click()
    expect(page.get_by_role("heading", name="Spalten wählen")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "import-mapping-phone")


def test_token_merge_and_data_protection_pages_pass_axe(page_as):
    from crm.contacts.services import create_contact

    a = create_employer(data=EmployerInput(name="Bäckerei Müller", postcode="22761"))
    b = create_employer(data=EmployerInput(name="Baeckerei Mueller GmbH", postcode="22761", city="Hamburg"))
    person = create_contact(employer=a, last_name="Schäfer", first_name="Ute")
    db.session.commit()
    page = page_as(Role.ADMIN)
    page.goto("/api/tokens")
    page.get_by_label("Name").fill("Excel-Auswertung")
    page.get_by_role("button", name="Token anlegen").click()
    expect(page.get_by_label("Nur lesen")).to_be_checked()
    expect(page.locator("#new-token")).to_contain_text("crm_")
    assert run_axe(page) == []
    screenshot(page, "api-tokens")
    for url in (f"/merge/?a={a.id}", f"/merge/{a.id}/{b.id}", f"/gdpr/contacts/{person.id}", "/gdpr/review"):
        page.goto(url)
        assert run_axe(page) == [], url
    screenshot(page, "gdpr-review")
