"""Writing follow-ups, job postings and activities through /api/v1: UI roles, services, field messages."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.activities.models import Activity, ActivityKind
from crm.activities.services import log_activity
from crm.audit.models import AuditEntry
from crm.db import utcnow
from crm.employers.services import EmployerInput, create_employer
from crm.extensions import db
from crm.followups.models import FollowUp, FollowUpStatus
from crm.followups.services import schedule_followup
from crm.followups.workdays import local_today
from crm.postings.models import JobPosting, PostingStatus, PostingType
from crm.postings.services import PostingInput, create_posting

PROBLEM = "application/problem+json"


@pytest.fixture
def bakery():
    employer = create_employer(data=EmployerInput(name="Bäckerei Müller", postcode="22761", city="Hamburg"))
    db.session.commit()
    return employer


def in_days(days: int) -> str:
    return (local_today() + timedelta(days=days)).isoformat()


def a_followup(employer, user) -> FollowUp:
    followup = schedule_followup(employer=employer, title="Zurückrufen", due_date=local_today(), created_by=user)
    db.session.commit()
    return followup


def a_posting(employer) -> JobPosting:
    data = PostingInput(title="Küchenhilfe", posting_type=PostingType.INDIVIDUAL, status=PostingStatus.OPEN)
    posting = create_posting(employer=employer, data=data, actor=None)
    db.session.commit()
    return posting


def an_activity(employer, user) -> Activity:
    activity = log_activity(employer=employer, kind=ActivityKind.CALL, user=user, subject="Erstgespräch")
    db.session.commit()
    return activity


# --- roles and scopes -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [("admin", 201), ("acquisition", 201), ("coach", 201), ("viewer", 403)])
def test_follow_ups_are_created_and_changed_by_the_ui_roles(api_as, bakery, make_user, role, status):
    api = api_as(role)
    response = api.post(
        "/api/v1/followups", {"employer_id": bakery.id, "title": "Angebot nachfassen", "due_date": in_days(3)}
    )
    assert response.status_code == status
    if role == "viewer":
        followup = a_followup(bakery, make_user("acquisition"))
        assert response.mimetype == PROBLEM
        assert api.patch(f"/api/v1/followups/{followup.id}", {"title": "X"}).status_code == 403
    else:
        created = response.json
        assert created["assigned_to_id"] == api.user.id and created["status"] == "open"
        changed = api.patch(f"/api/v1/followups/{created['id']}", {"title": "Vertrag schicken", "priority": "high"})
        assert changed.status_code == 200 and changed.json["title"] == "Vertrag schicken"
        assert changed.json["priority"] == "high" and changed.json["due_date"] == in_days(3)


@pytest.mark.parametrize(("role", "status"), [("admin", 201), ("acquisition", 201), ("coach", 403), ("viewer", 403)])
def test_postings_are_created_and_changed_by_editors_only(api_as, bakery, role, status):
    api = api_as(role)
    response = api.post(
        "/api/v1/postings", {"employer_id": bakery.id, "title": "Lagerhilfe", "posting_type": "individual"}
    )
    assert response.status_code == status
    posting_id = response.json["id"] if status == 201 else a_posting(bakery).id
    changed = api.patch(f"/api/v1/postings/{posting_id}", {"places": 2, "hours_per_week": 19.5})
    assert changed.status_code == (200 if status == 201 else 403)
    if status == 201:
        assert response.json["status"] == "open" and response.json["places"] == 1
        assert changed.json["places"] == 2 and changed.json["hours_per_week"] == 19.5
        assert changed.json["title"] == "Lagerhilfe"


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("acquisition", 200), ("coach", 200), ("viewer", 403)])
def test_activities_are_changed_by_the_ui_roles(api_as, bakery, make_user, role, status):
    activity = an_activity(bakery, make_user("coach"))
    api = api_as(role)
    response = api.patch(f"/api/v1/activities/{activity.id}", {"subject": "Rückruf", "kind": "visit"})
    assert response.status_code == status
    if status == 200:
        assert response.json["subject"] == "Rückruf" and response.json["kind"] == "visit"
        assert response.json["occurred_at"] == activity.occurred_at.isoformat()


def test_read_tokens_cannot_write_the_new_resources(api_as, bakery):
    api = api_as("admin", scope="read")
    followup, posting, activity = a_followup(bakery, api.user), a_posting(bakery), an_activity(bakery, api.user)
    calls = [
        api.post("/api/v1/followups", {"employer_id": bakery.id, "title": "X", "due_date": in_days(1)}),
        api.patch(f"/api/v1/followups/{followup.id}", {"title": "X"}),
        api.post("/api/v1/postings", {"employer_id": bakery.id, "title": "X", "posting_type": "individual"}),
        api.patch(f"/api/v1/postings/{posting.id}", {"title": "X"}),
        api.patch(f"/api/v1/activities/{activity.id}", {"subject": "X"}),
    ]
    assert [response.status_code for response in calls] == [403] * 5
    assert calls[0].json["title"] == "Dieses Token darf nur lesen."


# --- domain rules and messages ----------------------------------------------------------------------------


def test_follow_up_errors_are_german_field_messages(api_as, bakery, make_user):
    api = api_as("acquisition")
    missing = api.post("/api/v1/followups", {"title": "X"})
    assert missing.status_code == 422 and missing.mimetype == PROBLEM
    assert set(missing.json["errors"]) == {"employer_id", "due_date"}
    bad = api.post(
        "/api/v1/followups",
        {"employer_id": bakery.id, "title": "X", "due_date": "12.05.2026", "due_time": "25:00", "assigned_to_id": 999},
    )
    assert bad.status_code == 422
    assert set(bad.json["errors"]) == {"due_date", "due_time", "assigned_to_id"}
    viewer = make_user("viewer")
    refused = api.post(
        "/api/v1/followups",
        {"employer_id": bakery.id, "title": "X", "due_date": in_days(1), "assigned_to_id": viewer.id},
    )
    assert refused.status_code == 422
    assert "Lesezugriff" in refused.json["errors"]["assigned_to_id"][0]
    too_late = api.post("/api/v1/followups", {"employer_id": bakery.id, "title": "X", "due_date": "9999-01-01"})
    assert too_late.status_code == 422 and "due_date" in too_late.json["errors"]
    assert db.session.scalar(select(FollowUp.id)) is None


def test_follow_up_update_detects_stale_versions_and_closed_follow_ups(api_as, bakery):
    api = api_as("coach")
    followup = a_followup(bakery, api.user)
    stale = api.patch(f"/api/v1/followups/{followup.id}", {"title": "Neu", "version": followup.version + 5})
    assert stale.status_code == 409 and stale.mimetype == PROBLEM
    ok = api.patch(
        f"/api/v1/followups/{followup.id}",
        {"note": "Chefin ab 14 Uhr", "due_time": "14:30", "version": followup.version},
    )
    assert ok.status_code == 200 and ok.json["due_time"] == "14:30:00" and ok.json["version"] == followup.version + 1
    db.session.expire_all()
    followup = db.session.get(FollowUp, followup.id)
    followup.status = FollowUpStatus.DONE
    db.session.commit()
    closed = api.patch(f"/api/v1/followups/{followup.id}", {"title": "Noch einmal"})
    assert closed.status_code == 422 and "status" in closed.json["errors"]


def test_posting_errors_are_the_forms_german_messages(api_as, bakery):
    api = api_as("acquisition")
    response = api.post(
        "/api/v1/postings",
        {"employer_id": bakery.id, "title": "X", "posting_type": "individual", "places": 0, "hours_per_week": 80},
    )
    assert response.status_code == 422
    assert response.json["errors"]["places"] == ["Bitte geben Sie eine Zahl zwischen 1 und 99 ein."]
    assert set(response.json["errors"]) == {"places", "hours_per_week"}
    poster = api.post(
        "/api/v1/postings",
        {
            "employer_id": bakery.id,
            "title": "X",
            "posting_type": "individual",
            "board_site_id": None,
            "displayed_until": in_days(9),
        },
    )
    assert poster.status_code == 422 and "board_site_id" in poster.json["errors"]
    filled = api.post(
        "/api/v1/postings", {"employer_id": bakery.id, "title": "X", "posting_type": "individual", "status": "filled"}
    )
    assert filled.status_code == 422 and "status" in filled.json["errors"]
    assert db.session.scalar(select(JobPosting.id)) is None


def test_activity_update_keeps_the_rules_of_the_page(api_as, bakery):
    api = api_as("coach")
    activity = an_activity(bakery, api.user)
    future = (utcnow() + timedelta(days=5)).isoformat()
    response = api.patch(f"/api/v1/activities/{activity.id}", {"occurred_at": future, "subject": "  "})
    assert response.status_code == 422 and set(response.json["errors"]) == {"subject"}
    response = api.patch(f"/api/v1/activities/{activity.id}", {"occurred_at": future})
    assert response.status_code == 422 and "occurred_at" in response.json["errors"]
    response = api.patch(f"/api/v1/activities/{activity.id}", {"occurred_at": "0001-01-01T00:00:00+01:00"})
    assert response.status_code == 422 and "occurred_at" in response.json["errors"]
    assert api.patch("/api/v1/activities/999999", {"subject": "X"}).status_code == 404


def test_api_changes_are_in_the_audit_trail(api_as, bakery):
    api = api_as("admin")
    created = api.post("/api/v1/followups", {"employer_id": bakery.id, "title": "Angebot", "due_date": in_days(2)}).json
    api.patch(f"/api/v1/followups/{created['id']}", {"title": "Angebot schicken"})
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_id == created["id"])).all()
    followup_entries = [entry for entry in entries if "follow" in entry.entity_type.lower()]
    assert len(followup_entries) >= 2


def test_openapi_document_lists_the_new_write_operations(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"get", "post"} <= set(paths["/followups"]) and {"get", "post"} <= set(paths["/postings"])
    assert "patch" in paths["/followups/{id}"] and "patch" in paths["/postings/{id}"]
    assert "patch" in paths["/activities/{id}"]
