"""The calendar feed (parsed back with icalendar) and the reminder settings on the profile page."""

import re
from datetime import date, datetime, time

import pytest
from icalendar import Calendar
from sqlalchemy import select

from crm.auth.models import Role
from crm.extensions import db
from crm.followups.ical import token_for
from crm.followups.models import ReminderSettings
from crm.followups.services import complete_followup
from tests.followups.conftest import TODAY
from tests.helpers import csrf_token_from, form_token


def text_of(response) -> str:
    return response.get_data(as_text=True)


def feed_path(html: str) -> str:
    match = re.search(r'id="calendar-url"[^>]*value="http://[^/]+(/followups/calendar/[^"]+\.ics)"', html)
    assert match, "no calendar link on the profile page"
    return match.group(1)


@pytest.fixture
def anna(login_as, create_employer, create_contact, make_followup, clock):
    client = login_as(Role.ACQUISITION, name="Anna Akquise")
    employer = create_employer("Bäckerei Müller", owner=client.user, stage_key="talks", phone="040 999")
    contact = create_contact(employer, "Schröder", first_name="Jürgen", phone="040 123 456")
    client.allday = make_followup(employer, days=1, title="Rückruf", contact=contact, note="Wegen Probearbeit")
    client.timed = make_followup(employer, days=2, title="Besuch", due_time=time(14, 30))
    client.done = make_followup(employer, days=0, title="Schon erledigt")
    complete_followup(followup=client.done, by=client.user, today=TODAY)
    db.session.commit()
    return client


def create_link(client) -> str:
    csrf = form_token(client, "/profile")
    assert client.post("/followups/calendar/regenerate", data={"csrf_token": csrf}).status_code == 302
    return feed_path(text_of(client.get("/profile")))


def test_the_profile_offers_a_calendar_link_and_the_feed_parses_back(app, anna, client):
    assert "Kalender-Link erstellen" in text_of(anna.get("/profile"))
    path = create_link(anna)
    response = client.get(path)  # no login: calendar apps fetch it with the secret link only
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["X-WR-CALNAME"]) == "Wiedervorlagen – Anna Akquise"
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"Rückruf – Bäckerei Müller", "Besuch – Bäckerei Müller"}
    allday = events["Rückruf – Bäckerei Müller"]
    assert allday.decoded("DTSTART") == date(2026, 3, 31) and allday.decoded("DTEND") == date(2026, 4, 1)
    assert "Jürgen Schröder, 040 123 456" in str(allday["DESCRIPTION"]) and "Wegen Probearbeit" in str(
        allday["DESCRIPTION"]
    )
    assert str(allday["URL"]).endswith(f"/employers/{anna.allday.employer_id}")
    assert str(allday["UID"]).startswith(f"followup-{anna.allday.id}@")
    timed = events["Besuch – Bäckerei Müller"]
    assert timed.decoded("DTSTART") == datetime(2026, 4, 1, 12, 30, tzinfo=timed.decoded("DTSTART").tzinfo)
    assert timed.decoded("DTSTART").utcoffset().total_seconds() == 0  # 14:30 CEST = 12:30 UTC


def test_a_wrong_or_forged_token_is_404(app, anna, client):
    path = create_link(anna)
    key = path.rsplit("/", 1)[1].removesuffix(".ics").split(".")[0]
    assert client.get(f"/followups/calendar/{key}.{'0' * 32}.ics").status_code == 404
    assert client.get(f"/followups/calendar/{key}.ics").status_code == 404
    assert client.get("/followups/calendar/nothing.ics").status_code == 404


def test_the_database_holds_only_the_key_not_the_secret_link(app, anna):
    path = create_link(anna)
    stored = db.session.scalar(select(ReminderSettings.calendar_key))
    assert stored in path and token_for(stored) in path and path.count(".") == 2
    assert token_for(stored).split(".")[1] not in stored


def test_regenerating_kills_the_old_link_and_revoking_kills_every_link(app, anna, client):
    old = create_link(anna)
    new = create_link(anna)
    assert old != new
    assert client.get(old).status_code == 404 and client.get(new).status_code == 200
    csrf = form_token(anna, "/profile")
    assert anna.post("/followups/calendar/revoke", data={"csrf_token": csrf}).status_code == 302
    assert client.get(new).status_code == 404
    assert "Kalender-Link erstellen" in text_of(anna.get("/profile"))


def test_a_deactivated_users_feed_is_gone(app, anna, client):
    path = create_link(anna)
    anna.user.active = False
    db.session.commit()
    assert client.get(path).status_code == 404


def test_calendar_actions_need_csrf(anna):
    assert anna.post("/followups/calendar/regenerate").status_code == 400
    assert anna.post("/followups/calendar/revoke").status_code == 400
    assert anna.post("/followups/settings", data={"digest_time": "08:00"}).status_code == 400


@pytest.mark.parametrize("role", ["admin", "acquisition", "coach", "viewer"])
def test_every_role_can_save_its_reminder_settings(login_as, role):
    client = login_as(role)
    page = text_of(client.get("/profile"))
    assert "Wiedervorlagen-E-Mail" in page and 'value="07:00"' in page
    response = client.post(
        "/followups/settings", data={"csrf_token": csrf_token_from(page), "digest_enabled": "y", "digest_time": "06:45"}
    )
    assert response.status_code == 302
    settings = db.session.scalar(select(ReminderSettings).where(ReminderSettings.user_id == client.user.id))
    assert settings.digest_enabled and settings.digest_time == time(6, 45)
    assert "um 06:45 Uhr" in text_of(client.get("/profile"))


def test_switching_the_digest_off(login_as):
    client = login_as(Role.COACH)
    csrf = form_token(client, "/profile")
    client.post("/followups/settings", data={"csrf_token": csrf, "digest_time": "07:00"})
    assert db.session.scalar(select(ReminderSettings.digest_enabled)) is False
    assert "Die Wiedervorlagen-E-Mail ist abgeschaltet." in text_of(client.get("/profile"))


@pytest.mark.parametrize("value", ["", "25:00", "halb acht"])
def test_a_bad_time_comes_back_on_the_profile_page_with_a_german_message(login_as, value):
    client = login_as(Role.ACQUISITION)
    csrf = form_token(client, "/profile")
    response = client.post(
        "/followups/settings", data={"csrf_token": csrf, "digest_enabled": "y", "digest_time": value}
    )
    html = text_of(response)
    assert response.status_code == 422
    assert "Bitte geben Sie eine Uhrzeit ein, z. B. 07:30." in html and 'aria-invalid="true"' in html
    if value:
        assert f'value="{value}"' in html
    assert "Passwort ändern" in html  # the whole profile page, not a fragment
    assert db.session.scalar(select(ReminderSettings.id)) is None


def test_anonymous_users_cannot_change_settings(client):
    response = client.post("/followups/settings", data={"digest_time": "08:00"})
    assert response.status_code in (302, 400)
