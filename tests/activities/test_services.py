"""Activity services: last contact time computed by the database, date and contact rules, warnings."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.activities import services
from crm.activities.models import Activity, ActivityKind
from crm.audit.models import AuditEntry
from crm.contacts.services import mark_contact_left
from crm.db import utcnow
from crm.employers.models import Employer
from crm.extensions import db


def reload(employer: Employer) -> Employer:
    db.session.expire_all()
    return db.session.get(Employer, employer.id)


def test_logging_sets_last_contact_to_the_activity_time(create_employer, make_user):
    employer = create_employer()
    when = utcnow() - timedelta(hours=3)
    activity = services.log_activity(
        employer=employer, kind=ActivityKind.CALL, user=make_user("coach"), subject="Erstes Telefonat", occurred_at=when
    )
    db.session.commit()
    assert activity.id is not None
    assert reload(employer).last_contact_at == when


def test_occurred_at_defaults_to_now(create_employer):
    employer = create_employer()
    before = utcnow()
    activity = services.log_activity(employer=employer, kind=ActivityKind.NOTE, user=None, subject="Notiz")
    assert before <= activity.occurred_at <= utcnow()


def test_logging_an_older_activity_does_not_move_last_contact_backwards(create_employer, create_activity):
    employer = create_employer()
    recent = utcnow() - timedelta(days=1)
    create_activity(employer, "Besuch", occurred_at=recent)
    create_activity(employer, "Nachgetragenes Telefonat", occurred_at=recent - timedelta(days=30))
    assert reload(employer).last_contact_at == recent


def test_archiving_the_latest_activity_recomputes_last_contact(create_employer, create_activity):
    employer = create_employer()
    older = create_activity(employer, "Alt", occurred_at=utcnow() - timedelta(days=10))
    latest = create_activity(employer, "Neu", occurred_at=utcnow() - timedelta(days=1))
    services.archive_activity(activity=latest)
    db.session.commit()
    assert reload(employer).last_contact_at == older.occurred_at
    services.archive_activity(activity=db.session.get(Activity, older.id))
    db.session.commit()
    assert reload(employer).last_contact_at is None


def test_restoring_an_activity_recomputes_last_contact(create_employer, create_activity):
    employer = create_employer()
    activity = create_activity(employer, "Besuch", occurred_at=utcnow() - timedelta(days=2))
    services.archive_activity(activity=activity)
    db.session.commit()
    services.restore_activity(activity=db.session.get(Activity, activity.id))
    db.session.commit()
    assert reload(employer).last_contact_at == activity.occurred_at


def test_editing_the_date_recomputes_last_contact_both_ways(create_employer, create_activity):
    employer = create_employer()
    other = create_activity(employer, "Anderes", occurred_at=utcnow() - timedelta(days=5))
    activity = create_activity(employer, "Telefonat", occurred_at=utcnow() - timedelta(days=1))
    earlier = utcnow() - timedelta(days=20)
    services.update_activity(activity=activity, kind=ActivityKind.CALL, occurred_at=earlier, subject="Telefonat")
    db.session.commit()
    assert reload(employer).last_contact_at == other.occurred_at
    later = utcnow() - timedelta(hours=1)
    activity = db.session.get(Activity, activity.id)
    services.update_activity(activity=activity, kind=ActivityKind.VISIT, occurred_at=later, subject="Besuch")
    db.session.commit()
    assert reload(employer).last_contact_at == later


def test_last_contact_is_per_employer(create_employer, create_activity):
    a, b = create_employer("Firma A"), create_employer("Firma B")
    create_activity(a, "A", occurred_at=utcnow() - timedelta(days=1))
    assert reload(b).last_contact_at is None


def test_logging_neither_bumps_the_employer_version_nor_updated_at(create_employer, create_activity):
    employer = create_employer()
    version, updated = employer.version, employer.updated_at
    create_activity(employer, "Telefonat")
    employer = reload(employer)
    assert employer.version == version
    assert employer.updated_at == updated


def test_date_more_than_a_day_ahead_is_refused(create_employer):
    employer = create_employer()
    with pytest.raises(services.ActivityError) as error:
        services.log_activity(
            employer=employer,
            kind=ActivityKind.VISIT,
            user=None,
            subject="Besuch",
            occurred_at=utcnow() + timedelta(days=1, minutes=5),
        )
    assert error.value.field == "occurred_at"
    assert "mehr als einen Tag in der Zukunft" in error.value.message


def test_date_within_a_day_ahead_is_accepted(create_employer):
    employer = create_employer()
    services.log_activity(
        employer=employer,
        kind=ActivityKind.VISIT,
        user=None,
        subject="Besuch",
        occurred_at=utcnow() + timedelta(hours=20),
    )


def test_naive_datetimes_are_a_programming_error(create_employer):
    from datetime import datetime

    with pytest.raises(ValueError):
        services.log_activity(
            employer=create_employer(), kind=ActivityKind.CALL, user=None, subject="x", occurred_at=datetime(2026, 1, 1)
        )


def test_empty_subject_is_refused(create_employer):
    with pytest.raises(services.ActivityError) as error:
        services.log_activity(employer=create_employer(), kind=ActivityKind.CALL, user=None, subject="  ")
    assert error.value.field == "subject"


def test_contact_of_another_employer_is_refused(create_employer, create_contact):
    employer = create_employer("Firma A")
    stranger = create_contact(create_employer("Firma B"), "Fremd")
    with pytest.raises(services.ActivityError) as error:
        services.log_activity(employer=employer, kind=ActivityKind.CALL, user=None, subject="x", contact=stranger)
    assert error.value.field == "contact_id"


def test_person_who_left_cannot_be_chosen_for_a_new_entry_but_stays_on_old_ones(
    create_employer, create_contact, create_activity
):
    employer = create_employer()
    contact = create_contact(employer, "Schulz")
    activity = create_activity(employer, "Telefonat", contact=contact)
    mark_contact_left(contact=contact)
    db.session.commit()
    with pytest.raises(services.ActivityError):
        services.log_activity(employer=employer, kind=ActivityKind.CALL, user=None, subject="x", contact=contact)
    db.session.rollback()
    activity = db.session.get(Activity, activity.id)
    services.update_activity(
        activity=activity,
        kind=ActivityKind.CALL,
        occurred_at=activity.occurred_at,
        subject="Telefonat (korrigiert)",
        contact=activity.contact,
    )
    db.session.commit()
    assert activity.contact_id == contact.id


def test_archived_employer_gets_no_new_activities(create_employer):
    employer = create_employer(archived_at=utcnow())
    with pytest.raises(services.ActivityError):
        services.log_activity(employer=employer, kind=ActivityKind.NOTE, user=None, subject="x")


def test_archived_entries_cannot_be_edited(create_employer, create_activity):
    activity = create_activity(create_employer(), "Telefonat")
    services.archive_activity(activity=activity)
    with pytest.raises(services.ActivityError):
        services.update_activity(activity=activity, kind=ActivityKind.CALL, occurred_at=utcnow(), subject="x")


def test_do_not_contact_stage_allows_logging_and_warns_except_for_notes(create_employer, create_contact):
    employer = create_employer(stage_key="do_not_contact")
    services.log_activity(employer=employer, kind=ActivityKind.CALL, user=None, subject="Rückruf des Arbeitgebers")
    db.session.commit()
    assert reload(employer).last_contact_at is not None
    employer = reload(employer)
    assert services.contact_warnings(employer, ActivityKind.NOTE, None) == []
    (warning,) = services.contact_warnings(employer, ActivityKind.CALL, None)
    assert "Nicht kontaktieren" in warning


def test_do_not_contact_person_warns(create_employer, create_contact):
    employer = create_employer()
    contact = create_contact(employer, "Schulz", first_name="Eva", do_not_contact=True)
    (warning,) = services.contact_warnings(employer, ActivityKind.EMAIL, contact)
    assert warning == "Eva Schulz möchte nicht von uns kontaktiert werden."


def test_every_change_is_audited(create_employer, create_activity):
    activity = create_activity(create_employer(), "Telefonat")
    services.archive_activity(activity=activity)
    db.session.commit()
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.entity_type == "activities").order_by(AuditEntry.id)
    ).all()
    assert actions == ["create", "archive"]


def test_recent_activities_are_the_newest_three(create_employer, create_activity):
    employer = create_employer()
    for days in (9, 1, 5, 3):
        create_activity(employer, f"vor {days} Tagen", occurred_at=utcnow() - timedelta(days=days))
    assert [a.subject for a in services.recent_activities(employer.id)] == ["vor 1 Tagen", "vor 3 Tagen", "vor 5 Tagen"]


def test_concurrent_logs_keep_the_newest_contact_time(app, create_employer):
    """Two users log for one employer at once; the one committing last logged the older contact."""
    import threading
    import time

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises all writers; the row lock matters on PostgreSQL")
    employer_id = create_employer().id
    newer, older = utcnow() - timedelta(hours=1), utcnow() - timedelta(days=3)
    errors: list[BaseException] = []

    def second_user() -> None:
        try:
            with app.app_context():
                employer = db.session.get(Employer, employer_id)
                services.log_activity(
                    employer=employer, kind=ActivityKind.CALL, user=None, subject="B", occurred_at=older
                )
                db.session.commit()
        except BaseException as error:  # reported to the test thread
            errors.append(error)

    with app.app_context():
        employer = db.session.get(Employer, employer_id)
        services.log_activity(employer=employer, kind=ActivityKind.VISIT, user=None, subject="A", occurred_at=newer)
        thread = threading.Thread(target=second_user)
        thread.start()
        time.sleep(0.5)  # the second user now waits for the employer row
        assert thread.is_alive()
        db.session.commit()
    thread.join(timeout=10)
    assert not errors
    assert reload(db.session.get(Employer, employer_id)).last_contact_at == newer
