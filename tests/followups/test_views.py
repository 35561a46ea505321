"""Follow-up pages per role: the list, one-click done and snooze (htmx and plain), forms, bulk, reassign."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.auth.models import Role
from crm.extensions import db
from crm.followups.models import FollowUp, FollowUpSnooze, FollowUpStatus
from tests.followups.conftest import TODAY
from tests.helpers import count_queries, csrf_token_from, form_token

ROLES = ("admin", "acquisition", "coach", "viewer")
HTMX = {"HX-Request": "true"}


def text_of(response) -> str:
    return response.get_data(as_text=True)


def token(client) -> str:
    return form_token(client, "/followups/")


@pytest.fixture
def mine(login_as, create_employer, make_followup, clock):
    """An acquisition user with an overdue, a today and a later follow-up."""
    client = login_as(Role.ACQUISITION, name="Anna Akquise")
    employer = create_employer("Bäckerei Müller", owner=client.user, stage_key="talks")
    client.employer = employer
    client.overdue = make_followup(employer, days=-2, title="Rückruf Probearbeit")
    client.today = make_followup(employer, days=0, title="Angebot schicken")
    client.later = make_followup(employer, days=20, title="Sommerfest einladen")
    return client


@pytest.mark.parametrize("role", ROLES)
def test_every_role_may_open_the_follow_up_page(login_as, role, clock):
    assert login_as(role).get("/followups/").status_code == 200


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get("/followups/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_my_follow_ups_are_grouped_overdue_today_and_later(mine):
    html = text_of(mine.get("/followups/"))
    overdue = html.index('id="group-overdue"')
    today = html.index('id="group-today"')
    later = html.index('id="group-later"')
    assert overdue < html.index("Rückruf Probearbeit") < today < html.index("Angebot schicken") < later
    assert html.index("Sommerfest einladen") > later
    assert "Überfällig" in html and "Heute" in html and "Später" in html


def test_the_navigation_shows_my_overdue_count(mine):
    html = text_of(mine.get("/followups/"))
    assert re.search(
        r'href="/followups/"[^>]*>Wiedervorlagen <span class="badge[^"]*">1<span class="visually-hidden"> überfällige Wiedervorlage<',
        html,
    )


def test_others_follow_ups_are_not_in_my_list(mine, login_as):
    coach = login_as(Role.COACH)
    assert "Rückruf Probearbeit" not in text_of(coach.get("/followups/"))
    assert "Rückruf Probearbeit" not in text_of(coach.get("/followups/?scope=team"))  # no team view for coaches


def test_admins_and_leads_see_the_team_filtered_by_user_and_site(
    mine, login_as, make_user, create_employer, make_followup
):
    from crm.sites.models import Site

    north = Site(name="Nord")
    db.session.add(north)
    other = make_user(Role.COACH, name="Carla Coach")
    make_followup(create_employer("Hotel Nord", owner=other, site=north), title="Hotel anrufen")
    db.session.commit()
    for role in (Role.ADMIN, Role.VIEWER):
        client = login_as(role)
        html = text_of(client.get("/followups/?scope=team"))
        assert "Rückruf Probearbeit" in html and "Hotel anrufen" in html
        by_user = text_of(client.get(f"/followups/?scope=team&user={other.id}"))
        assert "Hotel anrufen" in by_user and "Rückruf Probearbeit" not in by_user
        by_site = text_of(client.get(f"/followups/?scope=team&site={north.id}"))
        assert "Hotel anrufen" in by_site and "Rückruf Probearbeit" not in by_site
    assert "Hotel anrufen" in text_of(login_as(Role.VIEWER).get("/followups/"))  # leads start in the team view


def test_the_page_issues_a_constant_number_of_queries(app, mine, make_followup, create_employer, create_contact):
    def queries() -> int:
        with count_queries(app) as statements:
            assert mine.get("/followups/").status_code == 200
        return len(statements)

    make_followup(mine.employer, days=3)  # every group has rows: each costs one query
    few = queries()
    for i in range(12):
        employer = create_employer(f"Firma {i}", owner=mine.user, stage_key="talks")
        contact = create_contact(employer, f"Person {i}", phone="040 1")
        for days in (-3, 0, 2, 40):
            make_followup(employer, days=days, contact=contact)
    assert queries() == few


def test_done_without_javascript_redirects_back_with_a_message(mine):
    response = mine.post(f"/followups/{mine.later.id}/done", data={"csrf_token": token(mine), "next": "/followups/"})
    assert response.status_code == 302
    db.session.expire_all()
    assert mine.later.status == FollowUpStatus.DONE and mine.later.done_by_id == mine.user.id


def test_done_offers_the_cadence_date_when_nothing_follows(mine):
    for followup in (mine.overdue, mine.today):
        db.session.delete(followup)
    db.session.commit()
    response = mine.post(f"/followups/{mine.later.id}/done", data={"csrf_token": token(mine), "next": "/followups/"})
    location = response.headers["Location"]
    assert location.startswith("/followups/new?") and "due_date=2026-04-13" in location  # talks: 14 days
    page = text_of(mine.get(location))
    assert 'value="2026-04-13"' in page and "Sommerfest einladen" in page


def test_done_with_htmx_swaps_the_item_and_offers_the_next_date(mine):
    for followup in (mine.overdue, mine.today):
        db.session.delete(followup)
    db.session.commit()
    response = mine.post(
        f"/followups/{mine.later.id}/done", data={"csrf_token": token(mine), "ctx": "list"}, headers=HTMX
    )
    html = text_of(response)
    assert response.status_code == 200 and html.startswith(f'<li id="followup-{mine.later.id}"')
    assert "Erledigt: „Sommerfest einladen“." in html
    assert "Für 13.04.2026 anlegen" in html
    assert "<html" not in html


def test_done_twice_says_so_instead_of_failing(mine):
    csrf = token(mine)
    mine.post(f"/followups/{mine.today.id}/done", data={"csrf_token": csrf})
    again = mine.post(f"/followups/{mine.today.id}/done", data={"csrf_token": csrf}, headers=HTMX)
    assert again.status_code == 200 and "schon erledigt oder abgesagt" in text_of(again)


@pytest.mark.parametrize(("days", "expected"), [("1", TODAY + timedelta(days=1)), ("7", TODAY + timedelta(days=7))])
def test_snooze_by_a_day_or_a_week_counts_from_today_for_overdue_items(mine, days, expected):
    response = mine.post(
        f"/followups/{mine.overdue.id}/snooze",
        data={"csrf_token": token(mine), "days": days, "ctx": "list"},
        headers=HTMX,
    )
    assert response.status_code == 200 and "Verschoben auf" in text_of(response)
    db.session.expire_all()
    assert mine.overdue.due_date == expected
    snooze = db.session.scalar(select(FollowUpSnooze))
    assert (snooze.from_date, snooze.to_date, snooze.snoozed_by_id) == (
        TODAY - timedelta(days=2),
        expected,
        mine.user.id,
    )


def test_snooze_to_a_picked_date_without_javascript(mine):
    response = mine.post(
        f"/followups/{mine.today.id}/snooze",
        data={"csrf_token": token(mine), "to_date": "24.04.2026", "next": "/followups/"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/followups/"
    db.session.expire_all()
    assert mine.today.due_date.isoformat() == "2026-04-24"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-03-01", "Bitte wählen Sie heute oder ein späteres Datum."),
        ("31.02.2026", "Bitte geben Sie ein Datum ein, z. B. 12.05.2026."),
        ("", "Bitte geben Sie ein Datum ein, z. B. 06.04.2026."),
    ],
)
def test_a_bad_snooze_date_comes_back_with_a_german_message(mine, value, message):
    url = f"/followups/{mine.today.id}/snooze"
    htmx = mine.post(url, data={"csrf_token": token(mine), "to_date": value}, headers=HTMX)
    assert htmx.status_code == 422 and message in text_of(htmx) and 'aria-invalid="true"' in text_of(htmx)
    plain = mine.post(url, data={"csrf_token": token(mine), "to_date": value})
    assert plain.status_code == 422 and message in text_of(plain)
    db.session.expire_all()
    assert mine.today.due_date == TODAY


@pytest.mark.parametrize("action", ["done", "snooze", "cancel"])
def test_actions_without_csrf_token_are_refused(mine, action):
    assert mine.post(f"/followups/{mine.today.id}/{action}", data={"days": "1"}).status_code == 400
    db.session.expire_all()
    assert mine.today.status == FollowUpStatus.OPEN and mine.today.due_date == TODAY


@pytest.mark.parametrize("action", ["done", "snooze", "cancel", "edit"])
def test_viewers_cannot_change_follow_ups(mine, login_as, action):
    viewer = login_as(Role.VIEWER)
    assert (
        viewer.post(f"/followups/{mine.today.id}/{action}", data={"csrf_token": token(viewer), "days": "1"}).status_code
        == 403
    )


@pytest.mark.parametrize("role", ["admin", "coach"])
def test_coaches_and_admins_may_complete_follow_ups(mine, login_as, role):
    other = login_as(role)
    assert other.post(f"/followups/{mine.today.id}/done", data={"csrf_token": token(other)}).status_code == 302


def test_unknown_follow_up_is_404(mine):
    assert mine.post("/followups/999999/done", data={"csrf_token": token(mine)}).status_code == 404
    assert mine.get("/followups/999999/edit").status_code == 404


# --- create and edit ---------------------------------------------------------------------------------


def test_create_a_follow_up_with_all_fields(mine, create_contact):
    contact = create_contact(mine.employer, "Schröder", first_name="Jürgen")
    url = f"/followups/new?employer_id={mine.employer.id}"
    response = mine.post(
        url,
        data={
            "csrf_token": form_token(mine, url),
            "employer_id": mine.employer.id,
            "title": "Probearbeit besprechen",
            "due_date": "2026-04-02",
            "due_time": "09:30",
            "assigned_to_id": "",
            "contact_id": contact.id,
            "priority": "high",
            "note": "Mit Küche",
            "repeat_every": "3",
            "repeat_unit": "months",
        },
    )
    assert response.status_code == 302 and f"/employers/{mine.employer.id}" in response.headers["Location"]
    followup = db.session.scalar(select(FollowUp).where(FollowUp.title == "Probearbeit besprechen"))
    assert followup.assigned_to_id == mine.user.id and followup.contact_id == contact.id
    assert (followup.due_time.hour, followup.priority.value, followup.repeat_every) == (9, "high", 3)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "Bitte geben Sie ein, was zu tun ist"),
        ({"due_date": "morgen"}, "Bitte geben Sie ein Datum ein, z. B. 12.05.2026."),
        ({"due_time": "25:99"}, "Bitte geben Sie eine Uhrzeit ein, z. B. 07:30."),
        ({"repeat_every": "2"}, "Bitte geben Sie Zahl und Einheit an"),
        ({"repeat_every": "0", "repeat_unit": "days"}, "Bitte geben Sie eine Zahl zwischen 1 und 730 ein."),
    ],
)
def test_bad_input_comes_back_at_the_field_with_everything_typed(mine, changes, message):
    url = f"/followups/new?employer_id={mine.employer.id}"
    data = {
        "csrf_token": form_token(mine, url),
        "employer_id": mine.employer.id,
        "title": "Besuch planen",
        "due_date": "2026-04-02",
        "note": "Notiz bleibt erhalten",
    } | changes
    response = mine.post(url, data=data)
    html = text_of(response)
    assert response.status_code == 422 and message in html
    assert "Notiz bleibt erhalten" in html and 'aria-invalid="true"' in html
    for value in changes.values():
        if value:
            assert f'value="{value}"' in html


def test_no_follow_up_for_a_do_not_contact_employer(mine, create_employer):
    blocked = create_employer("Nein GmbH", owner=mine.user, stage_key="do_not_contact")
    page = mine.get(f"/followups/new?employer_id={blocked.id}")
    assert "Nicht kontaktieren" in text_of(page) and "Es können keine Wiedervorlagen angelegt werden" in text_of(page)
    response = mine.post(
        "/followups/new",
        data={"csrf_token": token(mine), "employer_id": blocked.id, "title": "x", "due_date": "2026-04-02"},
    )
    assert response.status_code == 422
    assert db.session.scalar(select(FollowUp.id).where(FollowUp.employer_id == blocked.id)) is None


def test_create_needs_a_known_employer_and_a_logging_role(mine, login_as):
    assert mine.get("/followups/new").status_code == 404
    assert mine.get("/followups/new?employer_id=99999").status_code == 404
    viewer = login_as(Role.VIEWER)
    assert viewer.get(f"/followups/new?employer_id={mine.employer.id}").status_code == 403
    coach = login_as(Role.COACH)
    assert coach.get(f"/followups/new?employer_id={mine.employer.id}").status_code == 200


def test_edit_changes_a_follow_up_and_keeps_its_history(mine):
    url = f"/followups/{mine.today.id}/edit"
    page = text_of(mine.get(url))
    assert 'value="Angebot schicken"' in page
    response = mine.post(
        url,
        data={
            "csrf_token": csrf_token_from(page),
            "title": "Angebot per Post",
            "due_date": "2026-04-01",
            "assigned_to_id": str(mine.user.id),
            "priority": "normal",
            "repeat_unit": "",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (mine.today.title, mine.today.due_date.isoformat()) == ("Angebot per Post", "2026-04-01")
    assert "Änderungsverlauf" in text_of(mine.get(url)) or "Angebot per Post" in text_of(mine.get(url))


def test_cancel_keeps_the_follow_up_in_the_history(mine):
    url = f"/followups/{mine.later.id}/cancel"
    assert mine.get(url).status_code == 200
    response = mine.post(url, data={"csrf_token": form_token(mine, url), "reason": "Termin fand schon statt"})
    assert response.status_code == 302
    db.session.expire_all()
    assert mine.later.status == FollowUpStatus.CANCELLED and mine.later.cancel_reason == "Termin fand schon statt"


PAGES = {
    # path template -> roles allowed (others get 403)
    "/followups/": {"admin", "acquisition", "coach", "viewer"},
    "/followups/?scope=team": {"admin", "acquisition", "coach", "viewer"},
    "/followups/?show=overdue": {"admin", "acquisition", "coach", "viewer"},
    "/followups/new?employer_id={employer}": {"admin", "acquisition", "coach"},
    "/followups/{followup}/edit": {"admin", "acquisition", "coach"},
    "/followups/{followup}/cancel": {"admin", "acquisition", "coach"},
    "/followups/panel/{employer}": {"admin", "acquisition", "coach", "viewer"},
    "/followups/bulk?stage=talks": {"admin", "acquisition"},
    "/followups/reassign": {"admin"},
}


@pytest.mark.parametrize("role", ROLES)
def test_every_page_per_role(mine, login_as, role):
    client = login_as(role)
    for template, allowed in PAGES.items():
        url = template.format(employer=mine.employer.id, followup=mine.today.id)
        response = client.get(url)
        assert response.status_code == (200 if role in allowed else 403), (url, response.status_code)


def test_a_too_long_cancel_reason_comes_back_at_the_field(mine):
    url = f"/followups/{mine.later.id}/cancel"
    response = mine.post(url, data={"csrf_token": form_token(mine, url), "reason": "x" * 301})
    assert response.status_code == 422 and "Bitte verwenden Sie höchstens 300 Zeichen." in text_of(response)
    db.session.expire_all()
    assert mine.later.status == FollowUpStatus.OPEN
