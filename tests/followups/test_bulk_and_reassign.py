"""Bulk follow-ups for a filtered employer list, and reassigning a deactivated user's follow-ups."""

import re

import pytest
from sqlalchemy import func, select

from crm.auth.models import Role
from crm.extensions import db
from crm.followups.models import FollowUp
from tests.helpers import csrf_token_from, form_token


def text_of(response) -> str:
    return response.get_data(as_text=True)


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(FollowUp))


@pytest.fixture
def listing(login_as, create_employer, clock):
    """Five employers in "talks" (one of Carla's), two leads and one do-not-contact, all at one site."""
    client = login_as(Role.ACQUISITION, name="Anna Akquise")
    carla = login_as(Role.COACH, name="Carla Coach").user
    for i in range(4):
        create_employer(f"Gespräch {i}", owner=client.user, stage_key="talks", district="Altona")
    create_employer("Carlas Firma", owner=carla, stage_key="talks", district="Altona")
    create_employer("Lead 1", owner=client.user, stage_key="lead", district="Altona")
    create_employer("Lead 2", owner=client.user, stage_key="lead", district="Eimsbüttel")
    create_employer("Gesperrt", owner=client.user, stage_key="do_not_contact", district="Altona")
    client.carla = carla
    return client


def start(client, **filters):
    csrf = form_token(client, "/followups/")
    return client.post("/followups/bulk", data={"csrf_token": csrf, **filters})


def test_the_bulk_page_shows_how_many_employers_the_filter_matches(listing):
    response = start(listing, district="Altona")
    html = text_of(response)
    assert response.status_code == 200
    assert "Die gefilterte Liste hat 7 Arbeitgeber." in html
    assert "1 davon darf nicht kontaktiert werden und bekommt keine Wiedervorlage." in html
    assert 'name="district" value="Altona"' in html


def test_confirm_then_create_one_follow_up_per_employer_for_each_owner(listing):
    html = text_of(start(listing, stage="talks"))
    confirm = listing.post(
        "/followups/bulk",
        data={
            "csrf_token": csrf_token_from(html),
            "stage": "talks",
            "step": "confirm",
            "title": "Einladung zum DuoDay",
            "due_date": "2026-04-20",
            "priority": "normal",
            "assigned_to_id": "",
        },
    )
    page = text_of(confirm)
    assert "5 Wiedervorlagen anlegen?" in page and "Ja, 5 Wiedervorlagen anlegen" in page
    assert count() == 0
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    assert data["confirmed_count"] == "5" and data["stage"] == "talks"
    done = listing.post("/followups/bulk", data=data)
    assert done.status_code == 302 and done.headers["Location"] == "/employers?stage=talks"
    rows = db.session.scalars(select(FollowUp)).all()
    assert len(rows) == 5 and {r.title for r in rows} == {"Einladung zum DuoDay"}
    assert {r.employer.name: r.assigned_to.name for r in rows}["Carlas Firma"] == "Carla Coach"
    assert "5 Wiedervorlagen sind angelegt." in text_of(listing.get("/followups/"))


def test_a_changed_list_asks_again_before_creating(listing, create_employer):
    html = text_of(start(listing, stage="talks"))
    data = {
        "csrf_token": csrf_token_from(html),
        "stage": "talks",
        "step": "create",
        "confirmed_count": "5",
        "title": "Anrufen",
        "due_date": "2026-04-20",
        "priority": "normal",
    }
    create_employer("Neu dazu", owner=listing.user, stage_key="talks")
    response = listing.post("/followups/bulk", data=data)
    assert response.status_code == 200 and "Die Liste hat sich inzwischen geändert." in text_of(response)
    assert "6 Wiedervorlagen anlegen?" in text_of(response) and count() == 0


def test_bulk_to_one_person(listing):
    html = text_of(start(listing, owner="me", stage="lead"))
    data = {
        "csrf_token": csrf_token_from(html),
        "owner": "me",
        "stage": "lead",
        "step": "create",
        "confirmed_count": "2",
        "title": "Recherche",
        "due_date": "2026-04-20",
        "priority": "high",
        "assigned_to_id": str(listing.carla.id),
    }
    assert listing.post("/followups/bulk", data=data).status_code == 302
    assert {f.assigned_to_id for f in db.session.scalars(select(FollowUp))} == {listing.carla.id}


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"title": ""}, "Bitte geben Sie ein, was zu tun ist"), ({"due_date": "bald"}, "Bitte geben Sie ein Datum ein")],
)
def test_bulk_bad_input_keeps_the_filters_and_the_typed_text(listing, changes, message):
    html = text_of(start(listing, stage="talks"))
    data = {
        "csrf_token": csrf_token_from(html),
        "stage": "talks",
        "step": "confirm",
        "title": "Anrufen",
        "due_date": "2026-04-20",
        "note": "Bitte freundlich",
    } | changes
    response = listing.post("/followups/bulk", data=data)
    page = text_of(response)
    assert response.status_code == 422 and message in page and "Bitte freundlich" in page
    assert 'name="stage" value="talks"' in page and count() == 0


def test_a_list_with_only_blocked_employers_is_refused(listing):
    html = text_of(start(listing, stage="do_not_contact"))
    response = listing.post(
        "/followups/bulk",
        data={
            "csrf_token": csrf_token_from(html),
            "stage": "do_not_contact",
            "step": "confirm",
            "title": "x",
            "due_date": "2026-04-20",
        },
    )
    assert response.status_code == 422 and "Für keinen Arbeitgeber dieser Liste" in text_of(response)


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("acquisition", 200), ("coach", 403), ("viewer", 403)])
def test_bulk_is_for_admins_and_acquisition(login_as, role, status, clock):
    client = login_as(role)
    assert client.get("/followups/bulk").status_code == status
    assert start(client).status_code == status


def test_bulk_without_csrf_is_refused(listing):
    assert listing.post("/followups/bulk", data={"stage": "talks"}).status_code == 400


def test_the_bulk_button_carries_the_list_filters(app, listing):
    from flask import render_template_string

    with app.test_request_context("/employers?stage=talks&district=Altona&page=3&sort=name"):
        from flask_login import login_user

        login_user(listing.user)
        html = render_template_string('{% include "followups/_bulk_button.html" %}')
    assert 'name="stage" value="talks"' in html and 'name="district" value="Altona"' in html
    assert 'name="page"' not in html and 'name="sort"' not in html


# --- reassigning ---------------------------------------------------------------------------------


@pytest.fixture
def orphans(login_as, make_user, create_employer, make_followup, clock):
    admin = login_as(Role.ADMIN)
    owner = make_user(Role.ACQUISITION, name="Olaf Owner")
    leaving = make_user(Role.COACH, name="Lea Leaving")
    employer = create_employer("Hotel Hafen", owner=owner)
    admin.followups = [make_followup(employer, days=d, assigned_to=leaving, created_by=leaving) for d in (-3, 4)]
    leaving.active = False
    db.session.commit()
    admin.owner, admin.leaving = owner, leaving
    return admin


def test_open_follow_ups_of_deactivated_users_are_listed_for_reassignment(orphans):
    html = text_of(orphans.get("/followups/reassign"))
    assert "Lea Leaving" in html and "Hotel Hafen" in html and "2 offen" in html
    notice = text_of(orphans.get("/followups/"))
    assert "2 offene Wiedervorlagen gehören deaktivierten Personen." in notice


def test_reassign_to_each_owner(orphans):
    csrf = form_token(orphans, "/followups/reassign")
    response = orphans.post(
        "/followups/reassign", data={"csrf_token": csrf, "from_user_id": orphans.leaving.id, "to_user_id": ""}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert {f.assigned_to_id for f in orphans.followups} == {orphans.owner.id}
    assert "Keine deaktivierte Person hat offene Wiedervorlagen." in text_of(orphans.get("/followups/reassign"))


def test_reassign_to_a_chosen_person(orphans, make_user):
    colleague = make_user(Role.ACQUISITION, name="Kim Kollegin")
    csrf = form_token(orphans, "/followups/reassign")
    orphans.post(
        "/followups/reassign", data={"csrf_token": csrf, "from_user_id": orphans.leaving.id, "to_user_id": colleague.id}
    )
    db.session.expire_all()
    assert {f.assigned_to_id for f in orphans.followups} == {colleague.id}


def test_reassign_to_an_owner_who_left_too_shows_the_error_at_the_field(orphans):
    orphans.owner.active = False
    db.session.commit()
    csrf = form_token(orphans, "/followups/reassign")
    response = orphans.post(
        "/followups/reassign", data={"csrf_token": csrf, "from_user_id": orphans.leaving.id, "to_user_id": ""}
    )
    html = text_of(response)
    assert response.status_code == 422 and 'aria-invalid="true"' in html
    assert "Hotel Hafen hat keine aktive verantwortliche Person: Bitte wählen Sie jemanden aus." in html


@pytest.mark.parametrize(("role", "status"), [("acquisition", 403), ("coach", 403), ("viewer", 403)])
def test_only_admins_reassign(login_as, role, status, clock):
    client = login_as(role)
    assert client.get("/followups/reassign").status_code == status
    csrf = form_token(client, "/followups/")
    assert client.post("/followups/reassign", data={"csrf_token": csrf, "from_user_id": "1"}).status_code == status
