"""The foundation as a user meets it: log in, German dashboard, log out; accessibility; privacy."""

from playwright.sync_api import expect

from tests.browser.conftest import log_in, run_axe, screenshot


def test_login_dashboard_logout(page, make_user):
    user = make_user("coach", name="Miriam Coach")
    page.goto("/")
    assert "/login" in page.url
    expect(page.get_by_role("heading", name="Inklusiv-CRM – Anmelden")).to_be_visible()
    log_in(page, user.email)
    expect(page.get_by_role("heading", name="Willkommen, Miriam Coach")).to_be_visible()
    expect(page.get_by_role("navigation", name="Hauptnavigation")).to_be_visible()
    screenshot(page, "dashboard")
    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_text("Sie wurden abgemeldet.")).to_be_visible()
    page.goto("/")
    assert "/login" in page.url


def test_wrong_password_shows_german_message_and_keeps_email(page, make_user):
    user = make_user()
    page.goto("/login")
    page.get_by_label("E-Mail-Adresse").fill(user.email)
    page.get_by_label("Passwort").fill("falsches-passwort-123")
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("alert")).to_contain_text("E-Mail-Adresse oder Passwort ist nicht korrekt")
    expect(page.get_by_label("E-Mail-Adresse")).to_have_value(user.email)


def test_empty_login_shows_field_messages_and_focuses_the_first(page):
    page.goto("/login")
    page.get_by_role("button", name="Anmelden").click()
    email = page.get_by_label("E-Mail-Adresse")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#email-error")).to_have_text("Bitte geben Sie Ihre E-Mail-Adresse ein.")
    expect(email).to_be_focused()


def test_login_page_has_no_wcag_violations(page):
    page.goto("/login")
    assert run_axe(page) == []
    screenshot(page, "login")


def test_dashboard_has_no_wcag_violations(page_as):
    page = page_as("admin")
    assert run_axe(page) == []


def test_keyboard_user_reaches_content_through_the_skip_link(page_as):
    page = page_as("acquisition")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Zum Inhalt springen")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")


def test_pages_make_no_request_outside_the_app(page_as):
    """The page fixture fails the test on any request to another origin (fonts, CDNs, trackers)."""
    page = page_as("admin")
    for path in ("/", "/admin/users", "/profile", "/audit/"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
    assert page.problems.foreign_requests == []


def test_phone_layout_has_no_horizontal_scroll(page_as):
    page = page_as("coach", viewport={"width": 390, "height": 844})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    screenshot(page, "dashboard-phone")


def test_language_switch_to_english(page_as):
    page = page_as("viewer")
    page.get_by_label("Sprache").select_option("en")
    page.get_by_role("button", name="Wechseln").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_admin_navigation_fits_one_row_at_1280_pixels(page_as, create_employer):
    """Every entry, the follow-up badge and "Abmelden" on one line (they used to wrap at 1280 px)."""
    from datetime import timedelta

    from crm.db import utcnow
    from crm.extensions import db
    from crm.followups.services import schedule_followup

    page = page_as("admin", name="Anna Admin")
    schedule_followup(
        employer=create_employer(),
        title="Rückruf",
        due_date=utcnow().date() - timedelta(days=2),
        created_by=None,
        assigned_to=page.user,
    )
    db.session.commit()
    page.goto("/")
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    items = nav.locator(".nav-link").all()
    assert len(items) >= 10
    boxes = [item.bounding_box() for item in items]
    assert len({round(box["y"]) for box in boxes}) == 1, boxes
    assert max(box["x"] + box["width"] for box in boxes) <= 1280
    expect(nav.locator(".badge").first).to_have_text("1 überfällige Wiedervorlage")
