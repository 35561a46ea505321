"""Placements as a coach meets them: record one with an open safety item and see the follow-up."""

from playwright.sync_api import expect
from sqlalchemy import select

from crm.extensions import db
from crm.followups.models import FollowUp
from tests.browser.conftest import run_axe, screenshot


def test_record_a_placement_with_an_open_safety_item_and_see_the_follow_up(page_as, create_employer, live_server):
    employer = create_employer("Gartenwerk Ottensen", stage_key="trial")
    page = page_as("coach", name="Miriam Coach")
    page.goto(f"/employers/{employer.id}")
    page.locator("#panel-placements").get_by_role("link", name="Vermittlung erfassen").click()

    page.get_by_label("Teilnehmende*r (Kennung oder Initialen)").fill("GO-12")
    page.get_by_label("Art der Vermittlung").select_option(label="Beschäftigungserprobung")
    page.get_by_label("Jobcoach").select_option(label="Miriam Coach")
    page.get_by_label("Pate/Patin im Betrieb").fill("Herr Petersen (Vorarbeiter)")
    page.get_by_label("Sicherheitsunterweisung durch den Betrieb erfolgt").check()
    page.get_by_label("Arbeitsmedizinische Vorsorge vereinbart").check()
    # Protective equipment and the risk assessment stay open.
    page.get_by_role("button", name="Speichern").click()

    expect(page.get_by_role("heading", name="Vermittlung GO-12")).to_be_visible()
    expect(page.locator(".check-open")).to_have_count(2)
    expect(page.locator(".followup-note")).to_contain_text("Arbeitssicherheit GO-12: 2 Punkte offen")
    expect(page.locator(".followup-note")).to_contain_text("Miriam Coach")
    assert run_axe(page) == []
    screenshot(page, "placement-detail")

    followup = db.session.scalar(select(FollowUp).where(FollowUp.employer_id == employer.id))
    assert followup is not None and "Schutzausrüstung vereinbart" in followup.note

    # The employer page shows the placement and its open item; the follow-up list shows the reminder.
    page.goto(f"/employers/{employer.id}")
    panel = page.locator("#panel-placements")
    expect(panel).to_contain_text("GO-12")
    expect(panel).to_contain_text("2 Sicherheitspunkte offen")
    page.goto("/followups")
    if page.url.endswith("/followups") or "/followups" in page.url:
        expect(page.get_by_text("Arbeitssicherheit GO-12: 2 Punkte offen").first).to_be_visible()

    # Settling the checklist closes the follow-up.
    page.goto(f"/employers/{employer.id}")
    page.locator("#panel-placements").get_by_role("link", name="GO-12").click()
    page.get_by_role("link", name="Bearbeiten").click()
    page.get_by_label("Schutzausrüstung vereinbart").check()
    page.get_by_label("Gefährdungsbeurteilung erstellt am").fill("2026-01-15")
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator(".check-open")).to_have_count(0)
    expect(page.locator(".followup-note")).to_have_count(0)


def test_the_employer_page_on_a_phone_shows_the_placements(page_as, create_employer):
    from tests.placements.factories import make_placement

    employer = create_employer("Elbbäckerei Hansen")
    make_placement(employer, participant_ref="HB-04")
    page = page_as("coach", viewport={"width": 390, "height": 844})
    page.goto(f"/employers/{employer.id}")
    expect(page.locator("#panel-placements")).to_contain_text("HB-04")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("#panel-placements").scroll_into_view_if_needed()
    screenshot(page, "employer-placements-phone", full_page=False)


def test_the_form_shows_only_the_sections_that_apply_to_the_kind(page_as, create_employer):
    employer = create_employer("Elbbäckerei Hansen")
    page = page_as("coach")
    page.goto(f"/placements/new?employer_id={employer.id}")
    safety, funding = page.locator("[data-section='safety']"), page.locator("[data-section='funding']")
    expect(safety).to_be_visible()
    expect(funding).to_be_visible()
    page.get_by_label("Art der Vermittlung").select_option(label="Beschäftigungserprobung")
    expect(safety).to_be_visible()
    expect(funding).to_be_hidden()
    page.get_by_label("Art der Vermittlung").select_option(label="Budget für Arbeit")
    expect(safety).to_be_hidden()
    expect(funding).to_be_visible()
    page.get_by_label("Teilnehmende*r (Kennung oder Initialen)").fill("BA-1")
    page.get_by_label("Kostenträger").fill("Integrationsamt Hamburg")
    page.get_by_label("Lohnkostenzuschuss in Prozent").fill("75")
    page.get_by_label("Bewilligt bis").fill("2027-10-31")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("Integrationsamt Hamburg", exact=True)).to_be_visible()
    expect(page.locator(".followup-note")).to_contain_text("Verlängerung beantragen")
