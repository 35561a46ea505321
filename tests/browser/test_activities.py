"""Activities as a user meets them: quick log on the employer page, the timeline filter, the phone view."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from crm.db import utcnow
from crm.employers.models import Stage, StageChange
from crm.extensions import db
from tests.browser.conftest import SCREENSHOT_DIR, run_axe, screenshot


@pytest.fixture
def employer(create_employer, create_contact, create_activity, make_user):
    """An employer in talks with two contacts, a stage change and a short history."""
    employer = create_employer("Elbbäckerei Hansen", stage_key="talks", phone="040 3890110")
    create_contact(
        employer,
        "Hansen",
        first_name="Katrin",
        function="Inhaberin",
        phone="040 3890112",
        email="k.hansen@example.org",
        is_primary=True,
    )
    create_contact(employer, "Aydın", first_name="Deniz", function="Backstubenleitung", mobile="0171 2345678")
    create_contact(employer, "Brandt", first_name="Julia", function="ehemalige Filialleitung", has_left=True)
    stages = {s.key: s for s in db.session.scalars(select(Stage))}
    user = make_user("acquisition", name="Jonas Akquise")
    now = utcnow()
    db.session.add(
        StageChange(
            employer_id=employer.id,
            from_stage=stages["lead"],
            to_stage=stages["talks"],
            changed_at=now - timedelta(days=12),
            changed_by_id=user.id,
        )
    )
    db.session.commit()
    create_activity(
        employer,
        "Erstanruf: Angebot vorgestellt",
        user=user,
        occurred_at=now - timedelta(days=20),
        summary="Offen für einfache Tätigkeiten in der Backstube.",
    )
    create_activity(
        employer,
        "Kennenlerngespräch im Betrieb",
        user=user,
        occurred_at=now - timedelta(days=5),
        summary="Betrieb besichtigt; Sorge wegen Anleitungsaufwand.",
        outcome="Tätigkeitsprofil erstellen",
    )
    return employer


def test_log_an_activity_from_the_employer_page_after_a_validation_error(page_as, employer):
    page = page_as("coach", name="Miriam Coach")
    page.goto(f"/employers/{employer.id}")
    panel = page.locator("#panel-recent-activities")
    panel.get_by_text("Kontakt erfassen").click()
    page.get_by_label("Art", exact=True).select_option(label="Besuch")
    page.get_by_label("Ansprechpartner*in", exact=True).select_option(label="Deniz Aydın (Backstubenleitung)")
    page.get_by_label("Zusammenfassung", exact=True).fill(
        "Backstube gezeigt, Arbeitsplatz an der Teigmaschine angesehen."
    )
    page.get_by_role("button", name="Kontakt speichern").click()

    # The form comes back in place with the message at the field; nothing typed is lost.
    subject = page.get_by_label("Betreff", exact=True)
    expect(page.locator("#activity-subject-error")).to_contain_text("Bitte geben Sie einen Betreff ein")
    expect(subject).to_have_attribute("aria-invalid", "true")
    expect(subject).to_be_focused()
    expect(page.get_by_label("Zusammenfassung", exact=True)).to_have_value(
        "Backstube gezeigt, Arbeitsplatz an der Teigmaschine angesehen."
    )
    expect(page.get_by_label("Art", exact=True)).to_have_value("visit")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    panel.screenshot(path=str(SCREENSHOT_DIR / "quicklog-with-error.png"))

    subject.fill("Besuch in der Backstube")
    page.get_by_role("button", name="Kontakt speichern").click()

    status = page.locator("#quicklog-status")
    expect(status).to_have_text("Der Kontakt „Besuch in der Backstube“ wurde gespeichert.")
    expect(status).to_be_focused()
    expect(panel.locator(".recent-list > li").first).to_contain_text("Besuch in der Backstube")
    expect(panel.locator(".recent-list > li").first).to_contain_text("Miriam Coach")
    expect(panel.locator(".recent-list > li")).to_have_count(3)
    first_entry = page.locator("#timeline-entries .timeline-entry").first
    expect(first_entry).to_contain_text("Besuch in der Backstube")
    expect(first_entry).to_contain_text("mit Deniz Aydın")
    assert run_axe(page) == []
    screenshot(page, "employer-page-after-quicklog")


def test_quick_log_works_without_the_htmx_round_trip_as_a_full_page(page_as, employer):
    page = page_as("acquisition")
    page.goto(f"/employers/{employer.id}/activities/new")
    page.get_by_label("Betreff", exact=True).fill("Rückruf wegen Vertrag")
    page.get_by_label("Datum und Uhrzeit", exact=True).fill("2026-01-15T09:30")
    page.get_by_role("button", name="Kontakt speichern").click()
    page.wait_for_url(f"**/employers/{employer.id}#panel-recent-activities")
    expect(page.get_by_text("Der Kontakt „Rückruf wegen Vertrag“ wurde gespeichert.")).to_be_visible()
    expect(page.locator("#timeline-entries")).to_contain_text("15.01.26, 09:30")


def test_filter_the_timeline_and_keep_the_state_in_the_url(page_as, employer):
    page = page_as("viewer")
    page.goto(f"/employers/{employer.id}")
    entries = page.locator("#timeline-entries")
    expect(entries).to_contain_text("Kennenlerngespräch im Betrieb")
    expect(entries).to_contain_text("Von „Recherche“ zu „Im Gespräch“")

    page.get_by_label("Kontakte", exact=True).uncheck()
    expect(entries).not_to_contain_text("Kennenlerngespräch im Betrieb")
    expect(entries).to_contain_text("Von „Recherche“ zu „Im Gespräch“")
    # Other domains add kinds too: the URL names all kinds still ticked, and not activities.
    page.wait_for_url(lambda url: f"/employers/{employer.id}?kind=stage_change" in url and "kind=activity" not in url)
    filtered_url = page.url

    page.reload()  # the state lives in the URL
    expect(page.get_by_label("Kontakte", exact=True)).not_to_be_checked()
    expect(page.locator("#timeline-entries")).not_to_contain_text("Kennenlerngespräch im Betrieb")

    page.get_by_label("Kontakte", exact=True).check()
    expect(page.locator("#timeline-entries")).to_contain_text("Kennenlerngespräch im Betrieb")
    page.wait_for_url(lambda url: url.endswith(f"/employers/{employer.id}"))
    page.go_back()
    page.wait_for_url(filtered_url)


def test_timeline_pages_with_htmx_and_moves_focus(page_as, employer, create_activity):
    for i in range(25):
        create_activity(employer, f"Notiz {i:02d}", occurred_at=utcnow() - timedelta(days=60 + i))
    page = page_as("coach")
    page.goto(f"/employers/{employer.id}/timeline")
    page.get_by_role("link", name="Ältere Einträge").click()
    page.wait_for_url(f"**/employers/{employer.id}/timeline?page=2")
    expect(page.locator("#timeline-entries")).to_be_focused()
    expect(page.locator("#timeline-entries")).to_contain_text("Notiz 24")
    expect(page.get_by_text("Seite 2")).to_be_visible()


def test_timeline_and_contacts_fit_a_phone(page_as, employer):
    page = page_as("coach", viewport={"width": 390, "height": 844})
    page.goto(f"/employers/{employer.id}/timeline")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "timeline-phone")
    page.goto(f"/employers/{employer.id}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "employer-page-phone")
    assert run_axe(page) == []


def test_contact_form_shows_errors_in_german(page_as, employer):
    page = page_as("coach")
    page.goto(f"/employers/{employer.id}/contacts/new")
    page.get_by_label("Telefon", exact=True).fill("bitte Zentrale")
    page.get_by_label("E-Mail", exact=True).fill("kein-at-zeichen")
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator("#last_name-error")).to_have_text("Bitte geben Sie den Nachnamen ein.")
    expect(page.locator("#phone-error")).to_contain_text("mindestens 6 Ziffern")
    expect(page.locator("#email-error")).to_contain_text("gültige E-Mail-Adresse")
    expect(page.get_by_label("Telefon", exact=True)).to_have_value("bitte Zentrale")
    assert run_axe(page) == []
    screenshot(page, "contact-form-errors")
