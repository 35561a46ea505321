"""Objections as a coach meets them: record one with an argument while logging a visit, see it on the briefing
and its print view, mark it resolved and watch the matrix change; the decline form; accessibility."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import run_axe, screenshot


@pytest.fixture
def employer(create_employer, create_contact):
    employer = create_employer("Hotel Elbblick", stage_key="talks", city="Hamburg")
    create_contact(
        employer, "Petersen", first_name="Anke", function="Personalleitung", phone="040 1234567", is_primary=True
    )
    return employer


def test_record_objection_on_activity_see_briefing_and_print_then_resolve(page_as, employer):
    page = page_as("coach")
    page.goto(f"/employers/{employer.id}/activities/new")
    page.get_by_label("Betreff").fill("Besuch bei Frau Petersen")
    page.get_by_text("Hat der Arbeitgeber einen Einwand genannt?").click()
    page.get_by_label("Einwand", exact=True).select_option(label="Betreuungsaufwand")
    page.get_by_label("Verwendetes Argument").select_option(label="Jobcoaching ohne zeitliche Begrenzung")
    page.get_by_label("Was genau hat der Arbeitgeber gesagt?").fill("Wer leitet die Person an?")
    page.get_by_role("button", name="Kontakt speichern").click()
    page.wait_for_url(f"**/employers/{employer.id}**")

    panel = page.locator("#panel-objections")
    expect(panel.get_by_role("heading", name="Einwände und Argumente")).to_be_visible()
    expect(panel).to_contain_text("1 offener Einwand")
    expect(panel).to_contain_text("Betreuungsaufwand")
    expect(panel).to_contain_text("Jobcoaching ohne zeitliche Begrenzung")
    expect(panel).to_contain_text("Noch offen")
    assert run_axe(page) == []
    screenshot(page, "objections-briefing")

    page.goto(f"/employers/{employer.id}/print")
    expect(page.get_by_role("heading", name="Offene Einwände")).to_be_visible()
    expect(page.locator(".print-objections")).to_contain_text("Betreuungsaufwand")
    expect(page.locator(".print-objections")).to_contain_text("Jobcoaching ohne zeitliche Begrenzung – Noch offen")
    page.emulate_media(media="print")
    screenshot(page, "objections-print")
    page.emulate_media(media="screen")

    page.goto("/insights/objections")
    matrix = page.locator(".objection-matrix")
    expect(matrix).to_contain_text("0 % gelöst")

    page.goto(f"/employers/{employer.id}")
    result = page.get_by_label("Ergebnis von „Jobcoaching ohne zeitliche Begrenzung“")
    result.select_option(label="Ausgeräumt")
    page.locator("#panel-objections").get_by_role("button", name="Ergebnis speichern").click()
    expect(page.get_by_role("status")).to_contain_text("Ausgeräumt")
    expect(page.locator("#panel-objections")).to_contain_text("Keine offenen Einwände.")

    page.goto("/insights/objections")
    expect(page.locator(".objection-matrix")).to_contain_text("100 % gelöst")
    page.locator(".objection-matrix").get_by_role("link", name="1 Verwendung").click()
    expect(page.get_by_role("heading", name="Einträge")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Hotel Elbblick")
    screenshot(page, "objections-cell-records")


def test_objection_pages_have_no_wcag_violations(page_as, employer, create_employer):
    from sqlalchemy import select

    from crm.extensions import db
    from crm.objections.models import Argument, Objection, Outcome
    from crm.objections.services import record_argument, record_objection

    objections = db.session.scalars(select(Objection).order_by(Objection.position)).all()
    arguments = db.session.scalars(select(Argument).order_by(Argument.position)).all()
    for i in range(12):
        other = create_employer(f"Betrieb {i}")
        record = record_objection(employer=other, objection=objections[i % 4], actor=None)
        record_argument(record=record, argument=arguments[i % 5], outcome=list(Outcome)[i % 4], actor=None)
    db.session.commit()
    page = page_as("admin")
    for url in (
        f"/employers/{employer.id}/objections/new",
        f"/employers/{employer.id}/decline",
        "/insights/objections",
        "/objections/catalogue",
        "/objections/arguments",
    ):
        page.goto(url)
        assert run_axe(page) == [], url
    page.goto("/insights/objections")
    screenshot(page, "objections-insights")


def test_decline_with_objection_shows_the_reapproach_date(page_as, employer):
    page = page_as("acquisition")
    page.goto(f"/employers/{employer.id}")
    page.get_by_role("link", name="Absage erfassen").click()
    page.get_by_role("button", name="Absage erfassen").click()
    expect(page.locator("#objection_id-error")).to_have_text(
        "Bitte wählen Sie einen Einwand oder beschreiben Sie den Grund."
    )
    page.get_by_label("Wichtigster Einwand").select_option(label="Kosten")
    page.get_by_label("Grund in eigenen Worten").fill("Budget erst wieder im Herbst")
    page.get_by_label("Erneut ansprechen").select_option(label="in 12 Monaten")
    page.get_by_role("button", name="Absage erfassen").click()
    page.wait_for_url(f"**/employers/{employer.id}**")
    expect(page.locator("#panel-objections")).to_contain_text("Nicht vor dem")
    expect(page.locator("#panel-objections")).to_contain_text("Grund der Absage")


def test_briefing_on_a_phone_shows_the_objections_without_sideways_scrolling(page_as, employer):
    from sqlalchemy import select

    from crm.extensions import db
    from crm.objections.models import Argument, Objection, Outcome
    from crm.objections.services import record_argument, record_objection

    record = record_objection(
        employer=employer,
        objection=db.session.scalar(select(Objection).where(Objection.name == "Kosten")),
        actor=None,
        note="Was kostet uns das?",
    )
    record_argument(
        record=record,
        argument=db.session.scalar(select(Argument).where(Argument.name == "Finanzielle Vorteile")),
        outcome=Outcome.PARTLY,
        actor=None,
    )
    db.session.commit()
    page = page_as("coach", viewport={"width": 390, "height": 844})
    page.goto(f"/employers/{employer.id}")
    expect(page.locator("#panel-objections")).to_contain_text("Teilweise ausgeräumt")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    page.locator("#panel-objections").scroll_into_view_if_needed()
    screenshot(page, "objections-phone", full_page=False)
