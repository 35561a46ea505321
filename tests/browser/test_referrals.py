"""Referrals as acquisition staff meet them: create a recommended employer from the referrer's page and see
the tree on both pages; the thank-you suggestion once the referred employer cooperates; accessibility."""

from playwright.sync_api import expect
from sqlalchemy import select

from crm.employers.models import Employer
from crm.extensions import db
from tests.browser.conftest import run_axe, screenshot


def test_create_referred_employer_and_see_the_tree(page_as, create_employer, create_contact):
    referrer = create_employer("Kita Sonnenschein", stage_key="cooperation", city="Hamburg")
    create_contact(referrer, "Meier", first_name="Sabine", function="Leitung", is_primary=True)
    page = page_as("acquisition")
    page.goto(f"/employers/{referrer.id}")
    page.get_by_role("link", name="Neuer Arbeitgeber, empfohlen von Kita Sonnenschein").click()
    page.get_by_role("button", name="Arbeitgeber anlegen").click()
    expect(page.locator("#name-error")).to_have_text("Bitte geben Sie den Namen ein.")
    page.get_by_label("Name des empfohlenen Arbeitgebers").fill("Kita Regenbogen")
    page.get_by_label("Postleitzahl").fill("22761")
    page.get_by_label("Empfohlen von (Ansprechpartner*in)").select_option(label="Sabine Meier")
    page.get_by_label("Notiz").fill("Leiterinnen kennen sich vom Stadtteilfest")
    screenshot(page, "referrals-new")
    page.get_by_role("button", name="Arbeitgeber anlegen").click()
    expect(page.get_by_role("heading", name="Kita Regenbogen", level=1)).to_be_visible()
    panel = page.locator("#panel-referrals")
    expect(panel).to_contain_text("Empfohlen von")
    expect(panel.get_by_role("link", name="Kita Sonnenschein")).to_be_visible()
    expect(panel).to_contain_text("Sabine Meier")
    referred = db.session.scalar(select(Employer).where(Employer.name == "Kita Regenbogen"))
    assert referred.source.value == "referral"

    page.goto(f"/employers/{referrer.id}")
    panel = page.locator("#panel-referrals")
    expect(panel.get_by_role("link", name="Kita Regenbogen")).to_be_visible()
    expect(panel).to_contain_text("Recherche")
    panel.scroll_into_view_if_needed()
    screenshot(page, "referrals-tree", full_page=False)

    page.goto("/insights/referrals")
    expect(page.locator("table")).to_contain_text("Kita Sonnenschein")
    assert run_axe(page) == []
    screenshot(page, "referrals-insights")


def test_thank_you_follow_up_is_suggested_and_created_with_one_click(page_as, create_employer):
    from datetime import date

    from crm.referrals.services import record_referral

    referrer = create_employer("Hotel Hafen")
    referred = create_employer("Café Eck", stage_key="cooperation")
    record_referral(referred=referred, referred_on=date.today(), actor=None, referrer_employer=referrer)
    db.session.commit()
    page = page_as("coach")
    page.goto(f"/employers/{referrer.id}")
    banner = page.locator(".thanks-banner")
    expect(banner).to_contain_text("Café Eck, empfohlen von Hotel Hafen, kooperiert jetzt mit uns.")
    assert run_axe(page) == []
    banner.get_by_role("button", name="Dankeschön-Wiedervorlage anlegen").click()
    expect(page.get_by_role("status")).to_contain_text("Hotel Hafen für die Empfehlung von Café Eck danken")
    expect(page.locator(".thanks-banner")).to_have_count(0)


def test_referral_forms_have_no_wcag_violations(page_as, create_employer):
    employer = create_employer("Tischlerei Holzkopf")
    create_employer("Tischlerei Holzbein")
    create_employer("Tischlerei Holzwurm")
    page = page_as("admin")
    for url in (
        "/referrals/new",
        f"/referrals/new?referrer={employer.id}",
        f"/employers/{employer.id}/providers",
        "/referrals/partners",
    ):
        page.goto(url)
        assert run_axe(page) == [], url
    page.goto(f"/employers/{employer.id}/referrals/new")
    page.get_by_label("Empfehlender Arbeitgeber").fill("tischlerei")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("Welchen Arbeitgeber meinen Sie?")).to_be_visible()
    assert run_axe(page) == []
    screenshot(page, "referrals-recommended-by-choice")
