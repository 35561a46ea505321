"""The start page: personal and team figures, each linking to the list behind it; roles; query count."""

import re

import pytest

from crm.auth.models import Role
from crm.extensions import db
from tests.helpers import count_queries, login


def _client_for(app, user):
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    return client


def _figure(page: str, href: str) -> str:
    """The text of the link to `href` (tags stripped)."""
    match = re.search(r'<a href="' + re.escape(href) + r'">(.*?)</a>', page, re.S)
    assert match, href
    return re.sub(r"<[^>]+>", " ", match.group(1)).split()


def test_dashboard_shows_my_followups_activities_and_employers(app, dataset, frozen_today):
    page = _client_for(app, dataset.anna).get("/").get_data(as_text=True)
    assert "Mein Tag" in page
    assert _figure(page, "/followups/?show=overdue")[0] == "2"
    assert _figure(page, "/followups/?show=today")[0] == "1"
    assert "Nachfassen" in page and "Angebot schicken" in page and "Anrufen" in page
    assert "Später" not in page  # due next month
    recent = page.split("Meine letzten Kontakte", 1)[1].split("</ul>", 1)[0]
    assert [m for m in re.findall(r"(?:call|email) (\d{4}-\d\d-\d\d)", recent)] == [
        "2026-01-25",
        "2026-01-20",
        "2026-01-12",
        "2025-12-20",
    ]
    assert _figure(page, "/employers?owner=me&amp;stage=cooperation") == ["Kooperation", "1"]
    assert _figure(page, "/employers?owner=me&amp;stage=declined") == ["Abgelehnt", "1"]
    assert "/employers?owner=me&amp;stage=lead" not in page  # none of mine there


def test_dashboard_team_figures_link_to_their_lists(app, dataset, frozen_today, login_as):
    page = login_as(Role.VIEWER).get("/").get_data(as_text=True)
    assert "Mein Tag" not in page  # the viewer (management) sees the team figures only
    assert _figure(page, "/employers?stage=lead") == ["Recherche", "1"]
    assert _figure(page, "/employers?stage=first_contact") == ["Erstkontakt", "1"]
    assert _figure(page, "/employers?stage=talks") == ["Im", "Gespräch", "0"]
    assert _figure(page, "/employers?stage=cooperation")[:2] == ["Kooperation", "2"]
    assert _figure(page, "/postings/?status=open")[0] == "1"
    kiel = re.search(r'href="(/duoday/events/\d+)">Kiel, 10\.09\.2026</a>', page)
    assert kiel, "the next DuoDay is Kiel's"
    assert _figure(page, kiel.group(1))[0] in ("Kiel,", "2")
    assert re.search(
        r'<a href="' + kiel.group(1) + r'">2</a> <span class="dash-figure-label">bestätigte Teilnahmen', page
    )
    coops = page.split("Neue Kooperationen in diesem Monat", 1)[1]
    assert re.search(r'<a href="/employers\?stage=cooperation">1<span', coops)
    assert f'href="/employers/{dataset.employers["delta"].id}">Delta</a>' in coops
    assert "Alpha</a>" not in coops  # Alpha became a cooperation in March


@pytest.mark.parametrize("role", list(Role))
def test_every_role_opens_the_dashboard_on_an_empty_database(login_as, role):
    response = login_as(role).get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Noch kein DuoDay geplant." in page
    assert ("Nichts fällig." in page) == (role != Role.VIEWER)


def test_dashboard_runs_a_fixed_number_of_queries(app, dataset, frozen_today):
    from crm.employers.models import Employer, Stage
    from crm.followups.models import FollowUp

    client = _client_for(app, dataset.anna)
    client.get("/")
    with count_queries(app) as first:
        client.get("/")
    lead = db.session.scalar(db.select(Stage).where(Stage.key == "lead"))
    for n in range(6):
        employer = Employer(name=f"Neu {n}", normalized_name=f"neu {n}", stage=lead, owner=dataset.anna)
        db.session.add(employer)
        db.session.add(FollowUp(employer=employer, assigned_to_id=dataset.anna.id, title="x", due_date=frozen_today))
    db.session.commit()
    with count_queries(app) as second:
        client.get("/")
    assert len(first) == len(second)
    assert len(first) <= 16, first
