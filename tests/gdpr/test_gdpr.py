import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.activities.models import Activity, ActivityKind
from crm.audit.models import AuditEntry
from crm.contacts.models import Contact
from crm.contacts.services import create_contact, update_contact
from crm.db import utcnow
from crm.employers.services import EmployerInput, create_employer
from crm.extensions import db
from crm.gdpr.services import ERASED_NAME, GdprError, erase_contact, review_query
from tests.helpers import csrf_token_from


@pytest.fixture
def person():
    employer = create_employer(data=EmployerInput(name="Gärtnerei Grün", postcode="22763"))
    contact = create_contact(
        employer=employer,
        last_name="Özdemir",
        first_name="Aylin",
        email="aylin@example.org",
        phone="040 123456",
        data_source="Visitenkarte Messe 2024",
    )
    db.session.flush()
    update_contact(contact=contact, expected_version=contact.version, changes={"function": "Inhaberin"})
    db.session.add(
        Activity(
            employer=employer,
            contact=contact,
            kind=ActivityKind.CALL,
            subject="Anruf bei Aylin Özdemir",
            summary="Frau Özdemir sucht Unterstützung; aylin@example.org",
        )
    )
    db.session.add(Activity(employer=employer, kind=ActivityKind.NOTE, subject="Betrieb hat Rampe"))
    db.session.commit()
    return contact


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("acquisition", 403), ("coach", 403), ("viewer", 403)])
def test_gdpr_pages_are_admin_only(login_as, person, role, status):
    client = login_as(role)
    for url in (
        f"/gdpr/contacts/{person.id}",
        f"/gdpr/contacts/{person.id}/report",
        f"/gdpr/contacts/{person.id}/export.json",
        "/gdpr/review",
    ):
        assert client.get(url).status_code == status, url


def test_art15_json_export_contains_everything_and_is_logged(login_as, person):
    client = login_as("admin")
    response = client.get(f"/gdpr/contacts/{person.id}/export.json")
    data = json.loads(response.get_data(as_text=True))
    assert data["contact"]["last_name"] == "Özdemir" and data["contact"]["email"] == "aylin@example.org"
    assert data["employer"]["name"] == "Gärtnerei Grün"
    assert data["related_records"]["activities"][0]["subject"] == "Anruf bei Aylin Özdemir"
    assert [e["action"] for e in data["change_history"]][:2] == ["create", "update"]
    assert "attachment" in response.headers["Content-Disposition"]
    db.session.expire_all()
    logged = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "gdpr_export")).all()
    assert [(e.entity_id, e.user_id) for e in logged] == [(person.id, client.user.id)]


def test_printable_report_shows_the_data(login_as, person):
    html = login_as("admin").get(f"/gdpr/contacts/{person.id}/report").get_data(as_text=True)
    assert "Visitenkarte Messe 2024" in html and "aylin@example.org" in html


def test_erasure_anonymises_and_keeps_history_readable(app, person, make_user):
    admin = make_user("admin")
    erase_contact(contact=person, reason="Antrag vom 12.03.2025", actor=admin)
    db.session.commit()
    contact = db.session.get(Contact, person.id)
    assert contact.full_name == ERASED_NAME
    assert (contact.email, contact.phone, contact.data_source, contact.function) == (None, None, None, None)
    assert contact.is_archived and contact.has_left
    call = db.session.scalar(select(Activity).where(Activity.contact_id == contact.id))
    assert call.contact.full_name == ERASED_NAME
    assert "Özdemir" not in call.subject and "Özdemir" not in call.summary and "aylin@" not in call.summary
    assert "[Kontakt gelöscht]" in call.subject
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "contacts")).all()
    dumped = json.dumps([e.changes for e in entries], ensure_ascii=False)
    assert "Özdemir" not in dumped and "Aylin" not in dumped and "aylin@example.org" not in dumped
    assert any(e.action == "erase" and e.changes == {"reason": "Antrag vom 12.03.2025"} for e in entries)
    with pytest.raises(GdprError):
        erase_contact(contact=contact, reason="nochmal", actor=admin)


def test_erase_form_needs_reason_and_confirmation(login_as, person):
    client = login_as("admin")
    page = client.get(f"/gdpr/contacts/{person.id}").get_data(as_text=True)
    response = client.post(
        f"/gdpr/contacts/{person.id}/erase", data={"csrf_token": csrf_token_from(page), "reason": ""}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Bitte geben Sie den Grund für die Löschung an" in html
    assert "Bitte bestätigen Sie, dass die Löschung nicht rückgängig gemacht werden kann." in html
    db.session.expire_all()
    assert db.session.get(Contact, person.id).last_name == "Özdemir"


def test_erase_via_page_then_employer_shows_deleted_contact(login_as, person):
    client = login_as("admin")
    page = client.get(f"/gdpr/contacts/{person.id}").get_data(as_text=True)
    response = client.post(
        f"/gdpr/contacts/{person.id}/erase",
        data={"csrf_token": csrf_token_from(page), "reason": "Antrag per E-Mail", "confirm": "y"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/employers/{person.employer_id}")
    db.session.expire_all()
    assert db.session.get(Contact, person.id).last_name == ERASED_NAME


def test_erase_without_csrf_is_rejected(login_as, person):
    response = login_as("admin").post(f"/gdpr/contacts/{person.id}/erase", data={"reason": "x", "confirm": "y"})
    assert response.status_code == 400


def test_review_lists_contacts_without_recent_activity(app, login_as, person):
    employer = person.employer
    old = create_contact(employer=employer, last_name="Altmann")
    old.created_at = utcnow() - timedelta(days=5 * 365)
    db.session.add(
        Activity(
            employer=employer,
            contact=old,
            kind=ActivityKind.CALL,
            subject="Alt",
            occurred_at=utcnow() - timedelta(days=4 * 365),
        )
    )
    db.session.commit()
    assert [c.last_name for c in db.session.scalars(review_query(years=3))] == ["Altmann"]
    assert list(db.session.scalars(review_query(years=5))) == []
    html = login_as("admin").get("/gdpr/review?years=3").get_data(as_text=True)
    assert "Altmann" in html and "Özdemir" not in html
    assert login_as("admin").get("/gdpr/review?years=abc").status_code == 200
