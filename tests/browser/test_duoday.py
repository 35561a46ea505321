"""DuoDay as a coach meets it: plan a host, record the day's outcome, turn it into a placement."""

import re
from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from crm.extensions import db
from crm.placements.models import Placement
from tests.browser.conftest import run_axe, screenshot
from tests.placements.factories import make_event, today


def test_plan_a_participation_and_turn_its_outcome_into_a_placement(page_as, create_employer):
    employer = create_employer("Elbbäckerei Hansen", district="Altona")
    event = make_event(region="Hamburg", event_date=date(today().year + 1, 5, 20))
    page = page_as("coach", name="Miriam Coach")

    page.goto(f"/duoday/events/{event.id}")
    page.get_by_label("Arbeitgeber nach Namen suchen").fill("Elbbä")
    page.get_by_role("button", name="Arbeitgeber finden").click()
    page.get_by_role("link", name="Elbbäckerei Hansen als Gastbetrieb planen").click()

    expect(page.get_by_text("Nur Kürzel oder interne Kennung – keine Namen, keine Gesundheitsdaten")).to_be_visible()
    page.get_by_label("Teilnehmende*r (Kennung oder Initialen)").fill("Katrin Hansen")
    page.get_by_label("Tätigkeitsbereich").fill("Verkauf")
    page.get_by_role("button", name="Speichern").click()
    # A name is refused at the field; what was typed stays.
    expect(page.locator("#participant_ref-error")).to_contain_text("keinen Namen")
    expect(page.get_by_label("Tätigkeitsbereich")).to_have_value("Verkauf")
    page.get_by_label("Teilnehmende*r (Kennung oder Initialen)").fill("HB-04")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("cell", name="HB-04")).to_be_visible()
    screenshot(page, "duoday-event")

    # After the day: it took place and led to a taster internship.
    page.locator("tr", has_text="HB-04").get_by_role("link", name=re.compile(r"^Bearbeiten")).click()
    page.get_by_label("Status").select_option(label="Stattgefunden")
    page.get_by_label("Ergebnis").select_option(label="Schnupperpraktikum angeboten")
    page.get_by_label("Rückmeldung").fill("Sehr freundliches Team, Wiederholung erwünscht.")
    page.get_by_role("button", name="Speichern").click()
    page.get_by_role("link", name="Als Vermittlung erfassen").click()

    expect(page.get_by_label("Teilnehmende*r (Kennung oder Initialen)")).to_have_value("HB-04")
    expect(page.get_by_label("Art der Vermittlung")).to_have_value("taster")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("heading", name="Vermittlung HB-04")).to_be_visible()
    expect(page.get_by_text("Erste Vermittlung bei diesem Arbeitgeber")).to_be_visible()
    placement = db.session.scalar(select(Placement))
    assert placement.participation_id is not None and placement.employer_id == employer.id

    page.goto(f"/duoday/?year={event.year}")
    expect(page.get_by_text("aus einem DuoDay erfasste Vermittlungen")).to_be_visible()
    assert run_axe(page) == []
    screenshot(page, "duoday-overview")


def test_the_overview_fits_a_phone(page_as):
    make_event(region="Hamburg", year=today().year)
    page = page_as("viewer", viewport={"width": 390, "height": 844})
    page.goto("/duoday/")
    expect(page.get_by_role("heading", name=f"DuoDay {today().year}")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "duoday-phone")
