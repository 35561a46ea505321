"""Employers as a user meets them: create with an error then success, duplicate warning, pipeline moves, print."""

import re

from playwright.sync_api import expect
from sqlalchemy import func, select

from crm.auth.models import Role
from crm.employers.models import Employer
from crm.employers.services import EmployerInput, create_employer, stage_by_key
from crm.extensions import db
from tests.browser.conftest import run_axe, screenshot


def _employer(name: str, *, stage: str = "lead", **fields) -> Employer:
    fields.setdefault("city", "Hamburg")
    employer = create_employer(data=EmployerInput(name=name, **fields), stage=stage_by_key(stage))
    db.session.commit()
    return employer


def _column(page, stage_name: str):
    return page.locator("section.pipeline-column", has=page.get_by_role("heading", name=re.compile(stage_name)))


def test_create_employer_with_a_validation_error_then_success(page_as):
    page = page_as(Role.ACQUISITION)
    page.goto("/employers/new")
    expect(page.get_by_role("heading", name="Neuer Arbeitgeber")).to_be_visible()
    page.get_by_label("Name", exact=True).fill("Gartenwerk Ottensen")
    page.get_by_label("Postleitzahl").fill("2276")
    page.get_by_label("Website").fill("www.gartenwerk.example.org")
    page.get_by_label("Schlagwörter").fill("draußen, Saison")
    page.get_by_role("button", name="Arbeitgeber anlegen").click()

    postcode = page.get_by_label("Postleitzahl")
    expect(page.locator("#postcode-error")).to_have_text(
        "Bitte geben Sie eine fünfstellige Postleitzahl ein, z. B. 22761."
    )
    expect(postcode).to_have_attribute("aria-invalid", "true")
    expect(postcode).to_be_focused()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Gartenwerk Ottensen")
    expect(page.get_by_label("Website")).to_have_value("www.gartenwerk.example.org")
    screenshot(page, "employer-new-errors")
    assert run_axe(page) == []

    postcode.fill("22765")
    page.get_by_role("button", name="Arbeitgeber anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gartenwerk Ottensen")
    expect(page.get_by_text("Gartenwerk Ottensen wurde angelegt.")).to_be_visible()
    expect(page.get_by_role("link", name="www.gartenwerk.example.org")).to_have_attribute(
        "href", "https://www.gartenwerk.example.org"
    )
    screenshot(page, "employer-detail")
    assert run_axe(page) == []


def test_duplicate_warning_then_create_anyway(page_as):
    existing = _employer("Bäckerei Müller GmbH", postcode="22761")
    page = page_as(Role.ACQUISITION)
    page.goto("/employers/new")
    page.get_by_label("Name", exact=True).fill("Baeckerei Mueller")
    page.get_by_label("Postleitzahl").fill("22761")
    page.get_by_role("button", name="Arbeitgeber anlegen").click()

    warning = page.locator("#duplicates")
    expect(warning).to_contain_text("Diesen Arbeitgeber gibt es vielleicht schon")
    expect(warning.get_by_role("link", name=re.compile("Bäckerei Müller GmbH"))).to_have_attribute(
        "href", f"/employers/{existing.id}"
    )
    expect(page.get_by_label("Name", exact=True)).to_have_value("Baeckerei Mueller")
    screenshot(page, "employer-duplicate-warning")

    warning.get_by_role("button", name="Trotzdem anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Baeckerei Mueller")
    assert db.session.scalar(select(func.count(Employer.id))) == 2


def test_move_a_pipeline_card_with_the_keyboard_control(page_as):
    employer = _employer("Hotel Elbblick", district="Altona")
    page = page_as(Role.ACQUISITION)
    page.goto("/pipeline")
    card = page.locator(f"#employer-{employer.id}")
    expect(_column(page, "Recherche").locator(f"#employer-{employer.id}")).to_be_visible()

    # Keyboard only: open the card's move control, choose the stage, press the button.
    summary = card.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    select = card.get_by_label("In Phase verschieben")
    expect(select).to_be_visible()
    expect(card.get_by_label(re.compile("^Grund"))).to_be_hidden()  # only needed for some stages
    select.focus()
    select.select_option(label="Im Gespräch")
    page.keyboard.press("Tab")
    expect(card.get_by_role("button", name=re.compile("Verschieben"))).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_text("Hotel Elbblick wurde von „Recherche“ nach „Im Gespräch“ verschoben.")).to_be_visible()
    expect(_column(page, "Im Gespräch").locator(f"#employer-{employer.id}")).to_be_visible()
    screenshot(page, "pipeline", full_page=False)
    assert run_axe(page) == []


def test_declining_from_the_card_needs_a_reason(page_as):
    employer = _employer("Fahrradkurier Sternschanze")
    page = page_as(Role.ACQUISITION)
    page.goto("/pipeline")
    card = page.locator(f"#employer-{employer.id}")
    card.locator("summary").click()
    card.get_by_label("In Phase verschieben").select_option(label="Abgelehnt (Grund erforderlich)")
    reason = card.get_by_label(re.compile("^Grund"))
    expect(reason).to_be_visible()  # appears once the stage needs it
    card.get_by_role("button", name=re.compile("Verschieben")).click()

    expect(page.get_by_text("Bitte geben Sie einen Grund für die Phase „Abgelehnt“ an")).to_be_visible()
    page.get_by_label(re.compile("^Grund")).fill("Zu gefährlich im Straßenverkehr")
    page.get_by_role("button", name=re.compile("Verschieben")).click()
    expect(_column(page, "Abgelehnt").locator(f"#employer-{employer.id}")).to_be_visible()


def test_drag_a_card_to_declined_asks_for_the_reason(page_as):
    employer = _employer("Copyshop Uni-Viertel")
    page = page_as(Role.ACQUISITION)
    page.goto("/pipeline")
    card = page.locator(f"#employer-{employer.id}")
    card.drag_to(_column(page, "Abgelehnt"))
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Grund").fill("Kein Bedarf in diesem Jahr")
    dialog.get_by_role("button", name="Verschieben").click()
    expect(_column(page, "Abgelehnt").locator(f"#employer-{employer.id}")).to_be_visible()
    expect(page.locator("#pipeline-status")).to_contain_text("Copyshop Uni-Viertel")
    db.session.expire_all()
    assert db.session.get(Employer, employer.id).stage.key == "declined"


def test_print_view_fits_one_page_and_has_a_print_button(page_as):
    employer = _employer(
        "Hotel Fischmarkt Altona",
        stage="offer",
        street="Große Elbstraße 64",
        postcode="22767",
        phone="040 30998800",
        transport_notes="S1/S3 Königstraße, 5 Minuten Fußweg",
    )
    page = page_as(Role.COACH)
    page.goto(f"/employers/{employer.id}")
    page.get_by_role("link", name="Druckansicht").click()
    expect(page.get_by_role("button", name="Drucken")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hotel Fischmarkt Altona")
    page.evaluate("window.print = () => { window.__printed = true; }")
    page.get_by_role("button", name="Drucken").click()
    assert page.evaluate("window.__printed") is True

    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Drucken")).to_be_hidden()
    screenshot(page, "employer-print")
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page(?![a-z])", pdf)) == 1, "the print view must fit one A4 page"


def test_employer_page_on_a_phone_has_no_sideways_scrolling(page_as):
    employer = _employer(
        "Autohaus Elbvororte",
        stage="do_not_contact",
        phone="040 8009900",
        email="info@autohaus.example.org",
        website="https://www.autohaus-elbvororte.example.org",
    )
    page = page_as(Role.COACH, viewport={"width": 390, "height": 844})
    page.goto(f"/employers/{employer.id}")
    expect(page.locator("#dnc-banner")).to_contain_text("Nicht kontaktieren")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "employer-phone", full_page=False)
    page.goto("/pipeline")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
