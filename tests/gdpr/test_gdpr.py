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


def _every_text_in_the_database() -> str:
    """All string and JSON values of every row of every table, as the database stores them."""
    from sqlalchemy import JSON, String, Text, cast

    parts = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
        if table.name == "employer_search" or not columns:
            continue
        for row in db.session.execute(select(*(cast(c, Text) for c in columns))):
            parts.extend(value for value in row if value)
    return "\n".join(parts)


def test_erasure_scrubs_the_name_from_every_domain_and_their_history(app, make_user):
    from datetime import date

    from crm.followups.services import schedule_followup, update_followup
    from crm.mail import enqueue_mail
    from crm.placements.models import PlacementType
    from crm.placements.services import PlacementInput, create_placement
    from crm.postings.models import PostingType
    from crm.postings.services import PostingInput, create_posting
    from crm.referrals.services import record_referral

    admin = make_user("admin")
    employer = create_employer(
        data=EmployerInput(name="Gartenbau Özdemir", postcode="22763", notes="Chefin: Aylin Özdemir")
    )
    other = create_employer(data=EmployerInput(name="Bäckerei Yilmaz", postcode="22765"))
    aylin = create_contact(employer=employer, last_name="Özdemir", first_name="Aylin", email="aylin@example.org")
    colleague = create_contact(
        employer=employer, last_name="Özdemir", first_name="Deniz", notes="Vertritt Aylin Özdemir"
    )
    db.session.add(
        Activity(employer=employer, kind=ActivityKind.VISIT, subject="Besuch bei Gartenbau Özdemir mit Frau Özdemir")
    )
    db.session.add(Activity(employer=other, kind=ActivityKind.CALL, subject="Herr Özdemir von nebenan"))
    followup = schedule_followup(
        employer=employer,
        title="Rückruf Frau Özdemir",
        due_date=utcnow().date() + timedelta(days=3),
        created_by=admin,
        note="an aylin@example.org",
    )
    db.session.flush()
    # The old note now lives only in the follow-up's audit entry.
    update_followup(
        followup=followup,
        title="Rückruf",
        due_date=utcnow().date() + timedelta(days=4),
        assigned_to=admin,
        contact=None,
        due_time=None,
        note="Neue Notiz",
        priority=followup.priority,
        repeat_every=None,
        repeat_unit=None,
    )
    record_referral(
        referred=other,
        referred_on=date(2026, 1, 5),
        actor=admin,
        referrer_employer=employer,
        contact=aylin,
        note="Empfohlen von Aylin Özdemir",
    )
    create_placement(
        employer=employer,
        data=PlacementInput(
            participant_ref="TN-17",
            start_date=date(2026, 2, 1),
            placement_type=PlacementType.TASTER,
            mentor_name="Aylin Özdemir",
        ),
        actor=admin,
    )
    create_posting(
        employer=employer,
        data=PostingInput(
            title="Helfer/in Garten", posting_type=PostingType.INDIVIDUAL, description="Fragen an Frau Özdemir"
        ),
        actor=admin,
    )
    enqueue_mail(
        dedupe_key="digest:1",
        kind="digest",
        recipient="a@example.org",
        subject="Ihre Wiedervorlagen",
        body_text="Gartenbau Özdemir: Rückruf Frau Özdemir",
        body_html="<p>Gartenbau Özdemir: Rückruf Frau Özdemir</p>",
    )
    enqueue_mail(
        dedupe_key="digest:2",
        kind="digest",
        recipient="b@example.org",
        subject="Ihre Wiedervorlagen",
        body_text="Bäckerei Yilmaz: Herr Özdemir anrufen",
    )
    db.session.commit()

    erase_contact(contact=aylin, reason="Antrag vom 12.03.2025", actor=admin)
    db.session.commit()

    everything = _every_text_in_the_database()
    assert "aylin" not in everything.lower(), [line for line in everything.splitlines() if "ylin" in line]
    # Frau Özdemir is gone from the employer's texts; the company's name, her colleague and strangers stay.
    assert "Besuch bei Gartenbau Özdemir mit Frau [Kontakt gelöscht]" in everything
    assert "Rückruf Frau [Kontakt gelöscht]" in everything
    assert "Fragen an Frau [Kontakt gelöscht]" in everything
    assert "Herr Özdemir von nebenan" in everything and "Bäckerei Yilmaz: Herr Özdemir anrufen" in everything
    db.session.expire_all()
    assert db.session.get(Contact, colleague.id).full_name.endswith("Özdemir")
    assert db.session.get(type(employer), employer.id).name == "Gartenbau Özdemir"
    assert "Özdemir" not in json.dumps(db.session.get(type(employer), employer.id).notes or "")
