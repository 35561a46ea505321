"""Contact services: primary flag, left the company, archive/restore, optimistic locking."""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm.audit.models import AuditEntry
from crm.contacts import services
from crm.contacts.models import Contact, Salutation, tel_uri
from crm.extensions import db


def test_first_contact_becomes_primary_automatically(create_employer):
    employer = create_employer()
    first = services.create_contact(employer=employer, last_name="Schulz")
    second = services.create_contact(employer=employer, last_name="Yilmaz")
    db.session.commit()
    assert first.is_primary
    assert not second.is_primary


def test_only_one_primary_contact_per_employer(create_employer, create_contact):
    employer = create_employer()
    first = create_contact(employer, "Schulz")
    second = create_contact(employer, "Yilmaz", is_primary=True)
    db.session.expire_all()
    assert [c.last_name for c in db.session.scalars(select(Contact).where(Contact.is_primary))] == ["Yilmaz"]
    services.set_primary_contact(contact=db.session.get(Contact, first.id))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Contact, first.id).is_primary
    assert not db.session.get(Contact, second.id).is_primary


def test_primary_flags_of_different_employers_are_independent(create_employer, create_contact):
    a = create_contact(create_employer("Firma A"), "Schulz")
    b = create_contact(create_employer("Firma B"), "Yilmaz")
    assert a.is_primary and b.is_primary


def test_database_refuses_a_second_primary_contact(create_employer, create_contact):
    employer = create_employer()
    create_contact(employer, "Schulz")
    db.session.add(Contact(employer_id=employer.id, last_name="Zweite", is_primary=True))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_person_who_left_cannot_be_primary(create_employer, create_contact):
    employer = create_employer()
    with pytest.raises(services.ContactError) as error:
        services.create_contact(employer=employer, last_name="Alt", has_left=True, is_primary=True)
    assert error.value.field == "is_primary"
    db.session.rollback()


def test_marking_left_clears_primary_and_hides_from_pickers(create_employer, create_contact):
    employer = create_employer()
    contact = create_contact(employer, "Schulz")
    other = create_contact(employer, "Yilmaz")
    services.mark_contact_left(contact=contact)
    db.session.commit()
    assert not contact.is_primary
    assert [c.id for c in services.current_contacts(employer.id)] == [other.id]
    # Kept for the history.
    assert contact in services.employer_contacts(employer.id)


def test_archive_clears_primary_and_restore_brings_contact_back(create_employer, create_contact):
    employer = create_employer()
    contact = create_contact(employer, "Schulz")
    services.archive_contact(contact=contact)
    db.session.commit()
    assert contact.archived_at is not None and not contact.is_primary
    assert services.current_contacts(employer.id) == []
    assert services.employer_contacts(employer.id, archived=True) == [contact]
    services.restore_contact(contact=contact)
    db.session.commit()
    assert contact.archived_at is None
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.entity_type == "contacts").order_by(AuditEntry.id)
    ).all()
    assert "archive" in actions and "restore" in actions


def test_update_saves_changes_and_bumps_version(create_employer, create_contact):
    contact = create_contact(create_employer(), "Schulz")
    version = contact.version
    services.update_contact(
        contact=contact,
        expected_version=version,
        changes={"first_name": "Anna", "salutation": Salutation.MS, "phone": "040 123456"},
    )
    db.session.commit()
    assert contact.first_name == "Anna" and contact.salutation == Salutation.MS
    assert contact.version == version + 1


def test_update_on_a_stale_version_is_refused_and_writes_nothing(create_employer, create_contact):
    contact = create_contact(create_employer(), "Schulz")
    old_version = contact.version
    services.update_contact(contact=contact, expected_version=old_version, changes={"function": "Personalleitung"})
    db.session.commit()
    with pytest.raises(services.StaleContactError):
        services.update_contact(contact=contact, expected_version=old_version, changes={"function": "Filialleitung"})
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Contact, contact.id).function == "Personalleitung"


def test_update_rejects_unknown_fields(create_employer, create_contact):
    contact = create_contact(create_employer(), "Schulz")
    with pytest.raises(TypeError):
        services.update_contact(contact=contact, expected_version=contact.version, changes={"employer_id": 99})


def test_no_contacts_for_archived_employer(create_employer):
    from crm.db import utcnow

    employer = create_employer(archived_at=utcnow())
    with pytest.raises(services.ContactError):
        services.create_contact(employer=employer, last_name="Schulz")


@pytest.mark.parametrize(
    ("typed", "uri"),
    [
        ("+49 (0)40 123456-12", "tel:+494012345612"),
        ("040 / 123 45 6", "tel:040123456"),
        ("(040) 12 34 56", "tel:040123456"),
        ("", None),
    ],
)
def test_tel_uri_is_dialable(typed, uri):
    assert tel_uri(typed) == uri
