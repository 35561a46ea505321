import pytest
from sqlalchemy import select

from crm.api.models import ApiToken
from crm.audit.models import AuditEntry
from crm.contacts.services import create_contact
from crm.employers.models import Employer
from crm.employers.services import EmployerInput, create_employer
from crm.extensions import db
from tests.helpers import csrf_token_from


@pytest.fixture
def bakery():
    employer = create_employer(data=EmployerInput(name="Bäckerei Müller", postcode="22761", city="Hamburg"))
    create_contact(employer=employer, last_name="Schäfer", first_name="Ute")
    db.session.commit()
    return employer


def test_requests_without_token_get_401_problem(client, bakery):
    for headers in ({}, {"Authorization": "Bearer crm_wrong"}, {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/employers", headers=headers)
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
        assert response.json["title"] == "API-Token fehlt oder ist ungültig."


def test_session_cookie_alone_does_not_authenticate_the_api(login_as, bakery):
    client = login_as("admin")
    assert client.get("/api/v1/employers").status_code == 401
    assert client.post("/api/v1/employers", json={"name": "X"}).status_code == 401


def test_openapi_document_is_public_and_lists_the_operations(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["openapi"].startswith("3.0")
    assert {"/employers", "/employers/{id}", "/contacts", "/contacts/{id}", "/activities"} <= set(spec["paths"])


@pytest.mark.parametrize("role", ["admin", "acquisition", "coach", "viewer"])
def test_every_role_reads(api_as, bakery, role):
    api = api_as(role, "read")
    page = api.get("/api/v1/employers").json
    assert page["total"] == 1 and page["items"][0]["name"] == "Bäckerei Müller"
    assert api.get(f"/api/v1/employers/{bakery.id}").json["stage_key"] == "lead"
    assert api.get(f"/api/v1/contacts?employer_id={bakery.id}").json["items"][0]["last_name"] == "Schäfer"
    assert api.get("/api/v1/activities").status_code == 200


@pytest.mark.parametrize(("role", "status"), [("admin", 201), ("acquisition", 201), ("coach", 403), ("viewer", 403)])
def test_creating_employers_follows_the_ui_roles(api_as, role, status):
    response = api_as(role).post(
        "/api/v1/employers", {"name": "Tischlerei Holz", "postcode": "01067", "tags": ["Holz"]}
    )
    assert response.status_code == status
    if status == 201:
        assert response.json["postcode"] == "01067" and response.json["tags"] == ["Holz"]
    else:
        assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize(("role", "status"), [("admin", 201), ("acquisition", 201), ("coach", 201), ("viewer", 403)])
def test_logging_activities_and_contacts_follows_the_ui_roles(api_as, bakery, role, status):
    api = api_as(role)
    response = api.post("/api/v1/activities", {"employer_id": bakery.id, "kind": "call", "subject": "Anruf"})
    assert response.status_code == status
    response = api.post("/api/v1/contacts", {"employer_id": bakery.id, "last_name": "Neu"})
    assert response.status_code == status


def test_read_token_cannot_write(api_as):
    response = api_as("admin", "read").post("/api/v1/employers", {"name": "X"})
    assert response.status_code == 403
    assert response.json["title"] == "Dieses Token darf nur lesen."


def test_invalid_fields_give_german_messages_per_field(api_as):
    response = api_as("admin").post("/api/v1/employers", {"name": "X", "postcode": "2276", "email": "kein"})
    assert response.status_code == 422
    errors = response.json["errors"]
    assert errors["postcode"] == ["Bitte geben Sie eine fünfstellige Postleitzahl ein, z. B. 22761."]
    assert "email" in errors
    response = api_as("admin").post("/api/v1/employers", {"name": 5, "unknown": 1})
    assert set(response.json["errors"]) == {"name", "unknown"}


def test_non_json_body_is_415_and_bad_json_400(api_as):
    api = api_as("admin")
    response = api.client.post("/api/v1/employers", data="name=x", headers=api._headers())
    assert response.status_code == 415
    response = api.client.post(
        "/api/v1/employers", data="[1", headers={**api._headers(), "Content-Type": "application/json"}
    )
    assert response.status_code == 400


def test_patch_changes_fields_and_detects_stale_version(api_as, bakery):
    api = api_as("acquisition")
    response = api.patch(f"/api/v1/employers/{bakery.id}", {"phone": "040 123456", "version": bakery.version})
    assert response.status_code == 200, response.json
    assert response.json["phone"] == "040 123456" and response.json["city"] == "Hamburg"
    response = api.patch(f"/api/v1/employers/{bakery.id}", {"phone": "040 999999", "version": bakery.version})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Employer, bakery.id).phone == "040 123456"
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "employers")).all()
    assert any(e.user_id == api.user.id and e.action == "update" for e in entries)


def test_employer_filters_like_the_list(api_as, bakery):
    create_employer(data=EmployerInput(name="Gärtnerei Grün", postcode="22763", district="Ottensen"))
    db.session.commit()
    api = api_as("viewer", "read")
    assert [e["name"] for e in api.get("/api/v1/employers?q=bäckerei").json["items"]] == ["Bäckerei Müller"]
    assert [e["name"] for e in api.get("/api/v1/employers?district=Ottensen").json["items"]] == ["Gärtnerei Grün"]
    assert api.get("/api/v1/employers?per_page=1&page=2").json["items"][0]["name"] == "Gärtnerei Grün"
    assert api.get("/api/v1/employers?stage=nope").json["total"] == 0
    assert api.get("/api/v1/employers?owner=someone").status_code == 422
    assert api.get("/api/v1/employers?per_page=1000").status_code == 422


def test_unknown_ids_are_404_problems(api_as):
    response = api_as("viewer", "read").get("/api/v1/employers/999")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_revoked_token_stops_working(api_as, app):
    api = api_as("viewer", "read")
    assert api.get("/api/v1/employers").status_code == 200
    token = db.session.scalar(select(ApiToken))
    token.revoked_at = token.created_at
    db.session.commit()
    assert api.get("/api/v1/employers").status_code == 401


@pytest.mark.parametrize("role", ["admin", "acquisition", "coach", "viewer"])
def test_token_page_creates_shows_once_and_revokes(login_as, role):
    client = login_as(role)
    page = client.get("/api/tokens")
    assert page.status_code == 200
    response = client.post(
        "/api/tokens",
        data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), "name": "Excel", "scope": "read"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="new-token">crm_' in html
    token = db.session.scalar(select(ApiToken))
    secret = html.split('id="new-token">')[1].split("<")[0]
    assert token.token_hash != secret and secret not in token.token_hash
    assert client.get("/api/tokens").get_data(as_text=True).count("crm_") == 1  # the prefix only
    response = client.post(f"/api/tokens/{token.id}/revoke", data={"csrf_token": csrf_token_from(html)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is not None


def test_token_form_needs_a_name(login_as):
    client = login_as("viewer")
    token = csrf_token_from(client.get("/api/tokens").get_data(as_text=True))
    response = client.post("/api/tokens", data={"csrf_token": token, "name": "", "scope": "write"})
    assert response.status_code == 422
    assert "Bitte geben Sie dem Token einen Namen" in response.get_data(as_text=True)


def test_token_page_post_without_csrf_is_rejected(login_as):
    assert login_as("viewer").post("/api/tokens", data={"name": "x", "scope": "read"}).status_code == 400


def test_other_users_token_cannot_be_revoked(login_as, api_as):
    api_as("viewer", "read")
    token = db.session.scalar(select(ApiToken))
    client = login_as("admin")
    csrf = csrf_token_from(client.get("/api/tokens").get_data(as_text=True))
    assert client.post(f"/api/tokens/{token.id}/revoke", data={"csrf_token": csrf}).status_code == 404
