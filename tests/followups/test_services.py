"""Follow-up services: scheduling rules, completion and repetition, snoozing, cadence, reassignment."""

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from crm.auth.models import Role
from crm.db import utcnow
from crm.employers.models import Stage
from crm.employers.services import move_employer_to_stage
from crm.extensions import db
from crm.followups.models import FollowUp, FollowUpSnooze, FollowUpStatus, RepeatUnit
from crm.followups.services import (
    FollowUpError,
    add_months,
    bulk_schedule_followups,
    cancel_open_followups,
    complete_followup,
    count_due_for_contact,
    due_for_contact_query,
    followup_overview,
    overdue_count,
    reassign_followups,
    schedule_followup,
    snooze_followup,
    snooze_target,
)
from crm.timeline import employer_timeline
from tests.followups.conftest import TODAY


def stage(key: str) -> Stage:
    return db.session.scalar(select(Stage).where(Stage.key == key))


def test_a_new_follow_up_goes_to_the_employers_owner(app, make_user, create_employer, make_followup):
    owner, coach = make_user(Role.ACQUISITION), make_user(Role.COACH)
    employer = create_employer(owner=owner)
    followup = make_followup(employer, created_by=coach)
    assert followup.assigned_to == owner and followup.created_by == coach
    assert followup.status == FollowUpStatus.OPEN


def test_without_an_active_owner_the_creator_gets_it(app, make_user, create_employer, make_followup):
    owner, coach, viewer = make_user(Role.ACQUISITION), make_user(Role.COACH), make_user(Role.VIEWER)
    owner.active = False
    db.session.commit()
    assert make_followup(create_employer("A", owner=owner), created_by=coach).assigned_to == coach
    assert make_followup(create_employer("B", owner=viewer), created_by=coach).assigned_to == coach
    assert make_followup(create_employer("C"), created_by=coach).assigned_to == coach


def test_no_follow_up_for_an_employer_that_must_not_be_contacted(app, make_user, create_employer):
    user = make_user()
    employer = create_employer(stage_key="do_not_contact", owner=user)
    with pytest.raises(FollowUpError) as raised:
        schedule_followup(employer=employer, title="Anrufen", due_date=TODAY, created_by=user, today=TODAY)
    assert raised.value.field == "employer"
    assert str(raised.value.message) == (
        "Bäckerei Müller ist in der Phase „Nicht kontaktieren“: Es können keine Wiedervorlagen angelegt werden."
    )


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"title": "  "}, "title", "Bitte geben Sie ein, was zu tun ist, z. B. „Wegen der Erprobung zurückrufen“."),
        ({"due_date": None}, "due_date", "Bitte geben Sie ein Datum ein, z. B. 06.04.2026."),
        ({"due_date": date(2040, 1, 1)}, "due_date", "Bitte wählen Sie ein Datum in den nächsten 5 Jahren."),
        ({"repeat_every": 3}, "repeat_every", "Bitte geben Sie Zahl und Einheit an, z. B. alle 3 Monate."),
        (
            {"repeat_every": 40, "repeat_unit": RepeatUnit.MONTHS},
            "repeat_every",
            "Bitte geben Sie eine Zahl zwischen 1 und 24 ein.",
        ),
    ],
)
def test_bad_input_is_refused_with_a_german_message_at_the_field(
    app, make_user, create_employer, fields, field, message
):
    user = make_user()
    employer = create_employer(owner=user)
    arguments = {"title": "Anrufen", "due_date": TODAY} | fields
    with pytest.raises(FollowUpError) as raised:
        schedule_followup(employer=employer, created_by=user, today=TODAY, **arguments)
    assert raised.value.field == field
    assert str(raised.value.message) == message


def test_a_deactivated_or_read_only_assignee_is_refused(app, make_user, create_employer):
    user, gone, viewer = make_user(), make_user(name="Gabi Weg"), make_user(Role.VIEWER, name="Lena Leitung")
    gone.active = False
    db.session.commit()
    employer = create_employer(owner=user)
    for assignee, text in ((gone, "Gabi Weg ist deaktiviert"), (viewer, "Lena Leitung hat nur Lesezugriff")):
        with pytest.raises(FollowUpError) as raised:
            schedule_followup(
                employer=employer, title="x", due_date=TODAY, created_by=user, assigned_to=assignee, today=TODAY
            )
        assert raised.value.field == "assigned_to_id" and str(raised.value.message).startswith(text)


def test_moving_the_employer_to_do_not_contact_cancels_its_open_follow_ups_on_the_timeline(
    app, make_user, create_employer, make_followup
):
    user = make_user()
    employer = create_employer(owner=user, stage_key="talks")
    first, second = make_followup(employer, title="Rückruf"), make_followup(employer, days=9, title="Besuch")
    done = make_followup(employer, title="Erledigt schon")
    complete_followup(followup=done, by=user, today=TODAY)
    db.session.commit()

    move_employer_to_stage(employer=employer, stage=stage("do_not_contact"), actor=user, reason="Will keine Anrufe")
    db.session.commit()

    db.session.expire_all()
    assert {f.status for f in (first, second)} == {FollowUpStatus.CANCELLED}
    assert first.cancel_reason == "Phase geändert zu „Nicht kontaktieren“."
    assert first.cancelled_by == user
    assert done.status == FollowUpStatus.DONE
    entries = [e for e in employer_timeline(employer.id).entries if e.kind == "followup"]
    assert {(e.item.kind, e.item.followup.title) for e in entries[:2]} == {
        ("cancelled", "Besuch"),
        ("cancelled", "Rückruf"),
    }
    assert {e.item.kind for e in entries} == {"created", "done", "cancelled"}


def test_moving_to_another_stage_keeps_the_follow_ups(app, make_user, create_employer, make_followup):
    user = make_user()
    employer = create_employer(owner=user, stage_key="talks")
    followup = make_followup(employer)
    move_employer_to_stage(employer=employer, stage=stage("cooperation"), actor=user)
    db.session.commit()
    db.session.expire_all()
    assert followup.status == FollowUpStatus.OPEN


def test_cancel_open_followups_cancels_only_open_ones_of_that_employer(app, make_user, create_employer, make_followup):
    user = make_user()
    one, other = create_employer("Eins", owner=user), create_employer("Andere", owner=user)
    mine, theirs = make_followup(one), make_followup(other)
    cancelled = cancel_open_followups(employer_id=one.id, reason="Firma geschlossen", by=user)
    db.session.commit()
    assert cancelled == [mine] and mine.status == FollowUpStatus.CANCELLED and theirs.status == FollowUpStatus.OPEN


def test_completing_a_repeating_follow_up_creates_the_next_from_the_day_it_was_done(
    app, make_user, create_employer, make_followup
):
    user = make_user()
    employer = create_employer(owner=user, stage_key="cooperation")
    followup = make_followup(
        employer, due_date=date(2026, 1, 20), repeat_every=3, repeat_unit=RepeatUnit.MONTHS, due_time=time(9, 30)
    )
    result = complete_followup(followup=followup, by=user, today=date(2026, 1, 31))
    db.session.commit()
    assert followup.status == FollowUpStatus.DONE and followup.done_by == user and followup.done_at is not None
    following = result.next_followup
    assert following.due_date == date(2026, 4, 30) and following.due_time == time(9, 30)
    assert (following.repeat_every, following.repeat_unit) == (3, RepeatUnit.MONTHS)
    assert following.previous_id == followup.id and following.status == FollowUpStatus.OPEN
    assert result.suggested_date is None


def test_month_arithmetic_clamps_to_the_end_of_the_month():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)


def test_completing_without_a_next_one_offers_the_cadence_date(app, make_user, create_employer, make_followup):
    user = make_user()
    employer = create_employer(owner=user, stage_key="talks")  # contact rhythm 14 days
    followup = make_followup(employer)
    result = complete_followup(followup=followup, by=user, today=TODAY)
    assert result.next_followup is None and result.suggested_date == TODAY + timedelta(days=14)


def test_no_cadence_offer_while_another_follow_up_is_open_or_the_stage_has_no_rhythm(
    app, make_user, create_employer, make_followup
):
    user = make_user()
    talks = create_employer("Im Gespräch GmbH", owner=user, stage_key="talks")
    first = make_followup(talks)
    make_followup(talks, days=3)
    assert complete_followup(followup=first, by=user, today=TODAY).suggested_date is None
    lead = create_employer("Recherche AG", owner=user, stage_key="lead")
    assert complete_followup(followup=make_followup(lead), by=user, today=TODAY).suggested_date is None


def test_a_follow_up_cannot_be_completed_twice(app, make_user, create_employer, make_followup):
    user = make_user()
    followup = make_followup(create_employer(owner=user))
    complete_followup(followup=followup, by=user, today=TODAY)
    with pytest.raises(FollowUpError) as raised:
        complete_followup(followup=followup, by=user, today=TODAY)
    assert str(raised.value.message) == "Diese Wiedervorlage ist schon erledigt oder abgesagt."


def test_snoozing_moves_the_date_and_records_from_to_and_who(app, make_user, create_employer, make_followup):
    user = make_user()
    followup = make_followup(create_employer(owner=user), days=-3)
    target = snooze_target(followup, 1, today=TODAY)
    assert target == TODAY + timedelta(days=1)  # overdue: counts from today
    snooze_followup(followup=followup, to_date=target, by=user, today=TODAY)
    db.session.commit()
    [entry] = db.session.scalars(select(FollowUpSnooze)).all()
    assert (entry.from_date, entry.to_date, entry.snoozed_by) == (TODAY - timedelta(days=3), target, user)
    assert followup.due_date == target
    assert snooze_target(followup, 7, today=TODAY) == target + timedelta(days=7)  # future: counts from due date


def test_snoozing_into_the_past_or_to_the_same_day_is_refused(app, make_user, create_employer, make_followup):
    user = make_user()
    followup = make_followup(create_employer(owner=user), days=2)
    with pytest.raises(FollowUpError) as past:
        snooze_followup(followup=followup, to_date=TODAY - timedelta(days=1), by=user, today=TODAY)
    assert (
        past.value.field == "to_date" and str(past.value.message) == "Bitte wählen Sie heute oder ein späteres Datum."
    )
    with pytest.raises(FollowUpError) as same:
        snooze_followup(followup=followup, to_date=followup.due_date, by=user, today=TODAY)
    assert str(same.value.message) == "Die Wiedervorlage ist schon an diesem Tag fällig."


def test_due_for_contact_follows_the_stage_cadence_and_resets_on_any_logged_contact(
    app, make_user, create_employer, create_activity, make_followup
):
    user = make_user()
    now = utcnow()
    silent = create_employer("Still GmbH", owner=user, stage_key="talks", last_contact_at=now - timedelta(days=20))
    recent = create_employer("Frisch KG", owner=user, stage_key="talks", last_contact_at=now - timedelta(days=10))
    planned = create_employer("Geplant eG", owner=user, stage_key="talks", last_contact_at=now - timedelta(days=40))
    make_followup(planned, days=5)
    create_employer("Nein AG", owner=user, stage_key="do_not_contact", last_contact_at=now - timedelta(days=400))
    create_employer("Archiv", owner=user, stage_key="talks", last_contact_at=now - timedelta(days=99), archived_at=now)
    create_employer("Lead ohne Rhythmus", owner=user, stage_key="lead", last_contact_at=now - timedelta(days=999))
    never = create_employer("Nie kontaktiert", owner=user, stage_key="first_contact")
    never.created_at = now - timedelta(days=31)
    db.session.commit()

    due = db.session.scalars(due_for_contact_query(owner_ids=[user.id], now=now)).all()
    assert [e.name for e in due] == ["Nie kontaktiert", "Still GmbH"]
    assert recent not in due
    assert count_due_for_contact(owner_ids=[user.id], now=now) == 2

    create_activity(silent, "Kurz angerufen", occurred_at=now - timedelta(hours=1))
    db.session.expire_all()
    assert [e.name for e in db.session.scalars(due_for_contact_query(owner_ids=[user.id], now=now))] == [
        "Nie kontaktiert"
    ]


def test_the_cadence_is_editable_per_stage(app, make_user, create_employer):
    user = make_user()
    now = utcnow()
    create_employer("Kooperation", owner=user, stage_key="cooperation", last_contact_at=now - timedelta(days=60))
    assert count_due_for_contact(owner_ids=[user.id], now=now) == 0
    stage("cooperation").cadence_days = 30
    db.session.commit()
    assert count_due_for_contact(owner_ids=[user.id], now=now) == 1


def test_overview_groups_overdue_today_this_week_and_later(app, make_user, create_employer, make_followup):
    user = make_user()
    employer = create_employer(owner=user)
    for days in (-5, -1, 0, 0, 2, 6, 7, 30):  # Monday: the week runs to Sunday (+6)
        make_followup(employer, days=days)
    groups = {g.key: g for g in followup_overview(today=TODAY, assignee_id=user.id, limit=50)}
    assert {k: g.total for k, g in groups.items()} == {"overdue": 2, "today": 2, "week": 2, "later": 2}
    assert [f.due_date for f in groups["overdue"].items] == [TODAY - timedelta(days=5), TODAY - timedelta(days=1)]
    assert overdue_count(user_id=user.id, today=TODAY) == 2
    limited = {g.key: g for g in followup_overview(today=TODAY, assignee_id=user.id, limit=1)}
    assert len(limited["overdue"].items) == 1 and limited["overdue"].more == 1


def test_reassigning_gives_follow_ups_to_a_person_or_back_to_each_owner(app, make_user, create_employer, make_followup):
    owner, leaving, colleague = make_user(), make_user(Role.COACH), make_user()
    employer = create_employer(owner=owner)
    a = make_followup(employer, assigned_to=leaving, created_by=leaving)
    b = make_followup(employer, assigned_to=leaving, created_by=leaving)
    leaving.active = False
    db.session.commit()
    assert reassign_followups(followups=[a], to_user=colleague, by=owner) == 1
    assert reassign_followups(followups=[b], to_user=None, by=owner) == 1
    assert (a.assigned_to, b.assigned_to) == (colleague, owner)


def test_reassigning_to_the_owner_fails_clearly_when_the_owner_is_gone(app, make_user, create_employer, make_followup):
    owner, admin = make_user(), make_user(Role.ADMIN)
    followup = make_followup(create_employer("Verwaist GmbH", owner=owner))
    owner.active = False
    db.session.commit()
    with pytest.raises(FollowUpError) as raised:
        reassign_followups(followups=[followup], to_user=None, by=admin)
    assert raised.value.field == "to_user_id"
    assert (
        str(raised.value.message)
        == "Verwaist GmbH hat keine aktive verantwortliche Person: Bitte wählen Sie jemanden aus."
    )


def test_bulk_scheduling_skips_employers_that_must_not_be_contacted(app, make_user, create_employer):
    user = make_user()
    employers = [create_employer(f"Firma {i}", owner=user) for i in range(3)]
    employers.append(create_employer("Gesperrt", owner=user, stage_key="do_not_contact"))
    result = bulk_schedule_followups(
        employers=employers, title="Einladung DuoDay", due_date=TODAY, created_by=user, today=TODAY
    )
    db.session.commit()
    assert len(result.created) == 3 and result.skipped_blocked == 1
    assert db.session.scalar(select(FollowUp.id).where(FollowUp.employer_id == employers[-1].id)) is None
