"""Follow-ups as a user meets them: planned while logging a call, snoozed and done in place, on a phone too."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from crm.db import utcnow
from crm.extensions import db
from crm.followups.models import FollowUp, FollowUpStatus
from crm.followups.services import schedule_followup
from crm.followups.workdays import local_today
from tests.browser.conftest import SCREENSHOT_DIR, run_axe, screenshot


@pytest.fixture
def employer(create_employer, create_contact):
    employer = create_employer("Elbbäckerei Hansen", stage_key="talks", phone="040 3890110")
    create_contact(employer, "Hansen", first_name="Katrin", function="Inhaberin", phone="040 3890112", is_primary=True)
    return employer


def test_plan_a_follow_up_while_logging_a_call_then_snooze_it_and_mark_it_done(page_as, employer):
    page = page_as("acquisition", name="Jonas Akquise")
    employer.owner_id = page.user.id
    db.session.commit()
    today = local_today()
    planned = today + timedelta(days=3)

    page.goto(f"/employers/{employer.id}")
    panel = page.locator("#panel-recent-activities")
    panel.get_by_text("Kontakt erfassen").click()
    panel.get_by_label("Betreff", exact=True).fill("Telefonat mit Frau Hansen")
    fields = panel.locator("fieldset.next-followup")
    expect(fields).to_contain_text("Nächste Wiedervorlage")
    fields.get_by_label("Nächste Wiedervorlage am").fill(planned.isoformat())
    fields.get_by_label("Was ist zu tun?").fill("Probearbeit in der Backstube besprechen")
    panel.get_by_role("button", name="Kontakt speichern").click()
    expect(page.locator("#quicklog-status")).to_contain_text("Telefonat mit Frau Hansen")
    # The follow-up panel on the same page reloads itself after the quick log.
    expect(page.locator("#panel-followups")).to_contain_text("Probearbeit in der Backstube besprechen")

    followup = db.session.scalar(select(FollowUp))
    assert followup.due_date == planned and followup.assigned_to_id == page.user.id
    assert followup.activity_id is not None

    page.goto("/followups/")
    item = page.locator(f"#followup-{followup.id}")
    expect(item).to_contain_text("Probearbeit in der Backstube besprechen")
    expect(item).to_contain_text("Elbbäckerei Hansen")
    item.get_by_role("button", name="+1 Woche").click()
    item = page.locator(f"#followup-{followup.id}")
    expect(item.locator(".followup-status")).to_contain_text("Verschoben auf")
    expect(item.locator(".followup-status")).to_be_focused()
    db.session.expire_all()
    assert followup.due_date == planned + timedelta(days=7)

    item.get_by_text("Datum wählen").click()
    item.get_by_label("Neues Datum").fill((today - timedelta(days=2)).isoformat())
    item.get_by_role("button", name="Verschieben").click()
    item = page.locator(f"#followup-{followup.id}")
    expect(item.locator(".invalid-feedback")).to_contain_text("Bitte wählen Sie heute oder ein späteres Datum.")
    expect(item.get_by_label("Neues Datum")).to_be_focused()

    item.get_by_role("button", name="Erledigt").click()
    item = page.locator(f"#followup-{followup.id}")
    expect(item.locator(".followup-status")).to_contain_text("Erledigt: „Probearbeit in der Backstube besprechen“.")
    # Nothing follows: the stage's contact rhythm (Im Gespräch: 14 days) is offered as the next date.
    offer = (today + timedelta(days=14)).strftime("%d.%m.%Y")
    expect(item.get_by_role("button", name=f"Für {offer} anlegen")).to_be_visible()
    db.session.expire_all()
    assert followup.status == FollowUpStatus.DONE
    item.get_by_role("button", name=f"Für {offer} anlegen").click()
    expect(page.locator(".alert-success")).to_contain_text("ist angelegt")
    assert db.session.scalar(
        select(FollowUp).where(FollowUp.status == FollowUpStatus.OPEN)
    ).due_date == today + timedelta(days=14)


def test_the_follow_up_page_on_desktop_and_phone(page_as, employer, create_employer, create_contact):
    page = page_as("acquisition", name="Jonas Akquise")
    today = local_today()
    others = [
        create_employer("Hotel Elbblick", stage_key="offer", phone="040 555 0100"),
        create_employer("Gärtnerei Grünspan", stage_key="cooperation"),
        create_employer("Kita Sonnenschein", stage_key="first_contact"),
    ]
    contact = create_contact(others[0], "Yılmaz", first_name="Derya", function="Hausdame", phone="040 555 0101")
    for index, (target, days, title) in enumerate(
        [
            (employer, -4, "Angebot für den Außenarbeitsplatz nachfassen"),
            (others[0], -1, "Rückruf wegen Probearbeit im Housekeeping"),
            (others[1], 0, "Besuch am Arbeitsplatz"),
            (others[2], 0, "Einladung zum DuoDay schicken"),
            (employer, 2, "Stellenbeschreibung anfordern"),
            (others[1], 30, "Kontakt halten: kurzer Anruf"),
        ]
    ):
        schedule_followup(
            employer=target,
            title=title,
            due_date=today + timedelta(days=days),
            created_by=page.user,
            assigned_to=page.user,
            contact=contact if target is others[0] else None,
            note="Frau Yılmaz ist vormittags erreichbar." if index == 1 else None,
        )
    silent = create_employer("Wäscherei Weiß", stage_key="talks", last_contact_at=utcnow() - timedelta(days=40))
    silent.owner_id = page.user.id
    db.session.commit()

    page.goto("/followups/")
    expect(page.get_by_role("heading", name="Überfällig 2")).to_be_visible()
    expect(page.locator("#due-contact-heading")).to_contain_text("Kontakt fällig")
    expect(page.get_by_role("link", name="Wäscherei Weiß", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Wiedervorlagen 2 überfällige Wiedervorlagen")).to_be_visible()
    violations = run_axe(page)
    assert violations == [], violations
    screenshot(page, "followups-desktop")

    phone = page_as("acquisition", viewport={"width": 390, "height": 844}, name="Phone User")
    for followup in db.session.scalars(select(FollowUp)):
        followup.assigned_to_id = phone.user.id
    silent.owner_id = phone.user.id
    db.session.commit()
    phone.goto("/followups/")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page scrolls sideways on a phone: {width}px"
    screenshot(phone, "followups-phone")
    assert (SCREENSHOT_DIR / "followups-phone.png").exists()


def test_the_digest_html_looks_right(new_page, make_user, employer, smtp_server):
    from crm.followups.jobs import queue_due_digests
    from crm.mail import deliver_due_messages

    user = make_user("acquisition", name="Jonas Akquise")
    today = local_today()
    employer.owner_id = user.id
    db.session.commit()
    schedule_followup(
        employer=employer, title="Rückruf wegen Probearbeit", due_date=today - timedelta(days=2), created_by=user
    )
    schedule_followup(employer=employer, title="Angebot nachfassen", due_date=today, created_by=user)
    db.session.commit()
    queue_due_digests(ignore_time=True, any_day=True)
    deliver_due_messages()
    [message] = smtp_server.messages
    # A blank page outside the app (the app's CSP forbids the inline styles an e-mail needs).
    page = new_page(viewport={"width": 700, "height": 900})
    page.set_content(message.get_body(("html",)).get_content())
    expect(page.get_by_role("link", name="Elbbäckerei Hansen").first).to_be_visible()
    expect(page.get_by_text("Überfällig (1)")).to_be_visible()
    screenshot(page, "followups-digest-email")


def test_a_refused_htmx_click_shows_the_servers_message_instead_of_doing_nothing(page_as, employer):
    page = page_as("acquisition", name="Jonas Akquise")
    followup = schedule_followup(
        employer=employer, title="Rückruf wegen Praktikum", due_date=local_today(), created_by=page.user
    )
    db.session.commit()
    page.goto("/followups/")
    # As after the session ended in another tab: the page's form tokens are no longer valid.
    page.evaluate(
        """() => {
        document.body.setAttribute('hx-headers', JSON.stringify({'X-CSRFToken': 'abgelaufen'}));
        document.querySelectorAll("input[name='csrf_token']").forEach((input) => { input.value = 'abgelaufen'; });
    }"""
    )
    page.locator(f"#followup-{followup.id}").get_by_role("button", name="Erledigt").click()

    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("Das Formular ist abgelaufen")
    db.session.expire_all()
    assert db.session.get(FollowUp, followup.id).status == FollowUpStatus.OPEN
    # htmx itself logs the refused request on the console; that is the expected one here.
    page.problems.console_errors[:] = [e for e in page.problems.console_errors if "400" not in e]
