"""Two-factor login as a user meets it: set up on the profile page, log in with the app's code; the admin log."""

from datetime import UTC, datetime

import pyotp
import time_machine
from playwright.sync_api import expect

from crm.auth.models import Role
from tests.browser.conftest import run_axe, screenshot
from tests.helpers import TEST_PASSWORD


def test_set_up_on_the_profile_page_then_log_in_with_a_code(page_as, new_page):
    # The clock runs on from now; it is moved on once so that the login needs the next code.
    with time_machine.travel(datetime.now(UTC), tick=True) as clock:
        page = page_as(Role.COACH)
        page.goto("/profile")
        page.get_by_role("link", name="Zwei-Faktor-Anmeldung verwalten").click()
        expect(page.get_by_role("heading", name="Zwei-Faktor-Anmeldung", exact=True)).to_be_visible()
        assert run_axe(page) == []
        page.get_by_role("link", name="Zwei-Faktor-Anmeldung einrichten").click()

        qr = page.get_by_role("img", name="QR-Code für die Authenticator-App", exact=False)
        expect(qr).to_be_visible()
        assert qr.get_attribute("src").startswith("data:image/svg+xml")
        assert qr.evaluate("img => img.naturalWidth") > 100  # the browser drew it (CSP allows data: images)
        secret = page.locator("#totp-secret").inner_text().replace(" ", "")
        assert run_axe(page) == []
        screenshot(page, "two-factor-setup")

        page.get_by_label("Code aus der App").fill("000000")
        page.get_by_role("button", name="Zwei-Faktor-Anmeldung einschalten").click()
        expect(page.locator("#code-error")).to_contain_text("Der Code stimmt nicht.")
        assert run_axe(page) == []
        page.get_by_label("Code aus der App").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Zwei-Faktor-Anmeldung einschalten").click()

        expect(page.get_by_role("heading", name="Ihre Wiederherstellungscodes")).to_be_visible()
        codes = page.locator("ol.recovery-codes code")
        expect(codes).to_have_count(10)
        assert run_axe(page) == []
        page.get_by_role("link", name="Ich habe die Codes aufbewahrt – weiter").click()
        expect(page.get_by_text("Unbenutzte Wiederherstellungscodes: 10 von 10.")).to_be_visible()
        page.get_by_role("button", name="Abmelden").click()

        clock.shift(30)
        login = new_page()
        login.goto("/login?next=/followups")
        login.get_by_label("E-Mail-Adresse").fill(page.user.email)
        login.get_by_label("Passwort").fill(TEST_PASSWORD)
        login.get_by_role("button", name="Anmelden").click()
        login.wait_for_url("**/login/two-factor")
        expect(login.get_by_role("heading", name="Inklusiv-CRM – Zwei-Faktor-Anmeldung")).to_be_visible()
        expect(login.get_by_label("Sicherheitscode")).to_be_focused()
        assert run_axe(login) == []
        login.get_by_label("Sicherheitscode").fill("123456")
        login.get_by_role("button", name="Bestätigen").click()
        expect(login.locator("#code-error")).to_have_text("Der Code stimmt nicht oder wurde bereits verwendet.")
        assert run_axe(login) == []
        login.get_by_label("Sicherheitscode").fill(pyotp.TOTP(secret).now())
        login.get_by_role("button", name="Bestätigen").click()
        login.wait_for_url("**/followups/")
        expect(login.get_by_role("navigation", name="Hauptnavigation")).to_be_visible()


def test_the_security_events_page_for_admins(page_as):
    page = page_as(Role.ADMIN)
    page.goto("/admin/users")
    page.get_by_role("navigation", name="Verwaltungsseiten").get_by_role("link", name="Sicherheitsereignisse").click()
    expect(page.get_by_role("heading", name="Sicherheitsereignisse")).to_be_visible()
    expect(page.get_by_role("cell", name="Anmeldung", exact=True).first).to_be_visible()
    page.get_by_label("Ereignis").select_option("login_succeeded")
    page.get_by_role("button", name="Filtern").click()
    assert "kind=login_succeeded" in page.url
    assert run_axe(page) == []
    phone = page.set_viewport_size({"width": 390, "height": 844})
    assert phone is None and run_axe(page) == []
