"""The morning digest end to end: queued by the job, delivered over real SMTP, read back from the server."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from crm.auth.models import Role
from crm.extensions import db
from crm.followups.jobs import queue_due_digests
from crm.followups.models import DigestRun, ReminderSettings
from crm.followups.services import complete_followup
from crm.followups.workdays import is_working_day, local_instant, public_holidays
from crm.mail import OutboxMessage, OutboxStatus, deliver_due_messages, enqueue_mail
from tests.followups.conftest import MONDAY, TODAY


def at(day: date, hh: int, mm: int = 0) -> datetime:
    """The UTC instant of a Berlin wall-clock time."""
    return local_instant(day, time(hh, mm))


def outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.fixture
def desk(app, make_user, create_employer, create_contact, create_activity, make_followup, clock):
    """Anna (acquisition) with one overdue, one due-today, one later follow-up and one silent employer."""
    anna = make_user(Role.ACQUISITION, email="anna@example.org", name="Anna Akquise")
    clock.move_to(MONDAY - timedelta(days=40))
    silent = create_employer("Gärtnerei Grünspan", owner=anna, stage_key="talks", phone="040 555 0100")
    create_activity(silent, "Erstgespräch", summary="Interesse an Außenarbeitsplatz für Gartenpflege")
    clock.move_to(MONDAY - timedelta(days=3))
    bakery = create_employer("Bäckerei Müller", owner=anna, stage_key="talks")
    contact = create_contact(bakery, "Schröder", first_name="Jürgen", phone="040 123 456")
    create_activity(bakery, "Telefonat mit Herrn Schröder", summary="Möchte Termin für Probearbeit")
    hotel = create_employer("Hotel Elbblick", owner=anna, stage_key="offer")
    clock.move_to(MONDAY - timedelta(hours=2))
    overdue = make_followup(bakery, days=-2, title="Rückruf wegen Probearbeit", contact=contact)
    due = make_followup(hotel, days=0, title="Angebot nachfassen", due_time=time(10, 0), note="Nach Küche fragen")
    make_followup(hotel, days=5, title="Später")
    clock.move_to(MONDAY)
    return {"anna": anna, "bakery": bakery, "hotel": hotel, "silent": silent, "overdue": overdue, "due": due}


def test_the_digest_lists_overdue_due_today_and_due_for_contact_with_phone_last_note_and_link(
    app, desk, smtp_server, clock
):
    clock.move_to(at(TODAY, 7, 0))
    report = queue_due_digests()
    assert [(o.email, o.status, o.overdue, o.today, o.contact) for o in report.outcomes] == [
        ("anna@example.org", "queued", 1, 1, 1)
    ]
    assert deliver_due_messages().sent == 1
    [message] = smtp_server.messages
    assert message["To"] == "anna@example.org"
    assert message["Subject"] == (
        "Ihre Wiedervorlagen für Montag, 30. März 2026: 1 überfällig, 1 heute fällig, 1 Arbeitgeber mit fälligem Kontakt"
    )
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    base = app.config["BASE_URL"]
    for body in (text, html):
        assert "Guten Morgen Anna Akquise" in body
        assert "Bäckerei Müller" in body and "Rückruf wegen Probearbeit" in body
        assert "Jürgen Schröder" in body and "040 123 456" in body
        assert "Telefonat mit Herrn Schröder – Möchte Termin für Probearbeit" in body
        assert "Hotel Elbblick" in body and "Angebot nachfassen" in body and "um 10:00 Uhr" in body
        assert "Gärtnerei Grünspan" in body and "040 555 0100" in body
        assert "Interesse an Außenarbeitsplatz für Gartenpflege" in body
        assert f"{base}/employers/{desk['bakery'].id}" in body
        assert f"{base}/employers/{desk['silent'].id}" in body
        assert f"{base}/followups/" in body
        assert "Später" not in body
    assert "fällig seit 28.03.2026" in text
    [row] = outbox()
    assert (row.kind, row.dedupe_key, row.covers_date) == ("digest", f"digest:{desk['anna'].id}:2026-03-30", TODAY)


def test_an_english_user_gets_the_digest_in_english(app, desk, smtp_server, clock):
    desk["anna"].language = "en"
    db.session.commit()
    clock.move_to(at(TODAY, 7, 0))
    queue_due_digests()
    deliver_due_messages()
    [message] = smtp_server.messages
    assert message["Subject"].startswith("Your follow-ups for Monday, March 30, 2026: 1 overdue, 1 due today")
    assert "Good morning Anna Akquise" in message.get_body(("plain",)).get_content()


def test_nothing_due_means_nothing_is_queued(app, make_user, create_employer, make_followup, clock):
    user = make_user()
    make_followup(create_employer(owner=user), days=3)
    clock.move_to(at(TODAY, 8, 0))
    report = queue_due_digests()
    assert [o.status for o in report.outcomes] == ["empty"]
    assert outbox() == []
    assert db.session.scalar(select(DigestRun.queued).where(DigestRun.user_id == user.id)) is False
    assert queue_due_digests().outcomes == []  # handled for today: not examined again every minute


def test_the_digest_waits_for_the_users_time_and_can_be_switched_off(app, desk, make_user, clock):
    db.session.add(ReminderSettings(user_id=desk["anna"].id, digest_time=time(9, 15)))
    db.session.commit()
    clock.move_to(at(TODAY, 9, 14))
    assert queue_due_digests().outcomes == []
    clock.move_to(at(TODAY, 9, 15))
    assert [o.status for o in queue_due_digests().outcomes] == ["queued"]

    settings = db.session.scalar(select(ReminderSettings))
    settings.digest_enabled = False
    db.session.commit()
    clock.move_to(at(TODAY + timedelta(days=1), 9, 30))
    assert queue_due_digests().outcomes == []


def test_exactly_one_digest_per_user_and_day_is_a_database_fact(app, desk, clock):
    clock.move_to(at(TODAY, 7, 5))
    queue_due_digests()
    queue_due_digests()
    assert len(outbox()) == 1
    key = f"digest:{desk['anna'].id}:2026-03-30"
    assert enqueue_mail(dedupe_key=key, kind="digest", recipient="x@example.org", subject="s", body_text="b") is None
    db.session.rollback()
    db.session.add(DigestRun(user_id=desk["anna"].id, covers_date=TODAY))
    with pytest.raises(Exception, match="(?i)unique"):
        db.session.commit()
    db.session.rollback()


def test_no_digest_on_weekends_and_public_holidays(app, desk, clock, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_HOLIDAY_STATE", "HH")
    # Saturday, Sunday, Good Friday, Easter Monday, and Reformation Day (a Friday in 2025, a Hamburg holiday)
    for day in (date(2026, 3, 28), date(2026, 3, 29), date(2026, 4, 3), date(2026, 4, 6), date(2025, 10, 31)):
        clock.move_to(at(day, 8, 0))
        assert not is_working_day(day)
        assert queue_due_digests().outcomes == [], day
    assert outbox() == []
    monkeypatch.setitem(app.config, "PUBLIC_HOLIDAY_STATE", "")
    assert is_working_day(date(2025, 10, 31))  # only nationwide holidays without a state
    assert date(2025, 10, 31) in public_holidays(2025, "HH")
    assert date(2025, 10, 31) not in public_holidays(2025, "BY")
    assert date(2026, 6, 4) in public_holidays(2026, "BY")  # Fronleichnam
    assert date(2026, 11, 18) in public_holidays(2026, "SN")  # Buß- und Bettag
    monkeypatch.setitem(app.config, "DIGEST_SKIP_PUBLIC_HOLIDAYS", False)
    assert is_working_day(date(2026, 4, 3))


def test_a_scheduler_started_after_the_send_time_sends_todays_digest_and_never_yesterdays(
    app, desk, smtp_server, clock
):
    # Friday's digest was queued but never delivered (SMTP down all day), and on Monday the scheduler
    # was not running at 07:00. It starts at 10:30.
    friday = date(2026, 3, 27)
    clock.move_to(at(friday, 7, 0))
    queue_due_digests()
    smtp_server.stop()
    deliver_due_messages()
    smtp_server.start()
    clock.move_to(at(TODAY, 10, 30))
    report = queue_due_digests()
    assert [(o.status, report.day) for o in report.outcomes] == [("queued", TODAY)]
    delivery = deliver_due_messages()
    assert (delivery.sent, delivery.expired) == (1, 1)
    [message] = smtp_server.messages
    assert "Montag, 30. März 2026" in message["Subject"]
    states = {row.covers_date: row.status for row in outbox()}
    assert states == {friday: OutboxStatus.FAILED, TODAY: OutboxStatus.SENT}
    assert not db.session.scalar(select(DigestRun.id).where(DigestRun.covers_date == date(2026, 3, 28)))


@pytest.mark.parametrize(
    ("monday", "utc_hour"),
    [(date(2026, 3, 30), 5), (date(2026, 10, 26), 6)],  # the Mondays after the spring and autumn switch
)
def test_after_a_daylight_saving_switch_the_digest_goes_out_once_at_seven_local_time(
    app, desk, smtp_server, clock, monday, utc_hour
):
    # Keep Anna's follow-ups due on that Monday.
    for key in ("overdue", "due"):
        desk[key].due_date = monday
    db.session.commit()
    clock.move_to(datetime(monday.year, monday.month, monday.day, utc_hour - 1, 59, tzinfo=UTC))
    assert queue_due_digests().outcomes == []  # 06:59 local
    sent_at = []
    for minute in range(0, 120, 5):  # the scheduler polls; 07:00 local onwards
        clock.move_to(
            datetime(monday.year, monday.month, monday.day, utc_hour, 0, tzinfo=UTC) + timedelta(minutes=minute)
        )
        if queue_due_digests().outcomes:
            sent_at.append(datetime.now(UTC))
        deliver_due_messages()
    assert sent_at == [datetime(monday.year, monday.month, monday.day, utc_hour, 0, tzinfo=UTC)]
    assert len(smtp_server.messages) == 1


@pytest.mark.parametrize("switch_day", [date(2026, 3, 29), date(2026, 10, 25)])
def test_on_the_switch_days_themselves_each_time_fires_exactly_once_at_its_local_time(
    app, desk, clock, switch_day, monkeypatch
):
    """With Sundays as working days (configurable), poll every 5 minutes through the switch day."""
    monkeypatch.setitem(app.config, "DIGEST_WEEKDAYS", [0, 1, 2, 3, 4, 5, 6])
    early = desk["anna"]
    db.session.add(ReminderSettings(user_id=early.id, digest_time=time(2, 30)))  # inside the switched hour
    seven = _second_user_at_seven(desk)
    for key in ("overdue", "due"):
        desk[key].due_date = switch_day
    db.session.commit()
    start = at(switch_day, 0, 0)  # local midnight
    queued: dict[int, list[datetime]] = {early.id: [], seven.id: []}
    for step in range(0, 14 * 12):
        now = start + timedelta(minutes=5 * step)
        clock.move_to(now)
        for outcome in queue_due_digests().outcomes:
            queued[outcome.user_id].append(now)
    assert queued[seven.id] == [at(switch_day, 7, 0)]
    assert queued[seven.id][0].hour == (5 if switch_day.month == 3 else 6)
    # 02:30 does not exist on the spring day (sent at 03:30 CEST = 01:30 UTC); in autumn it exists
    # twice and the first one counts (00:30 UTC).
    assert queued[early.id] == [
        datetime(switch_day.year, switch_day.month, switch_day.day, 1 if switch_day.month == 3 else 0, 30, tzinfo=UTC)
    ]


def _second_user_at_seven(desk):
    from crm.auth.services import create_user
    from crm.followups.services import schedule_followup
    from tests.helpers import TEST_PASSWORD

    user = create_user(email="jonas@example.org", name="Jonas", role=Role.COACH, password=TEST_PASSWORD)
    schedule_followup(
        employer=desk["hotel"],
        title="Jonas ruft an",
        due_date=TODAY - timedelta(days=30),
        created_by=user,
        assigned_to=user,
        today=TODAY - timedelta(days=40),
    )
    return user


def test_the_scheduling_computation_on_the_switch_days():
    assert at(date(2026, 3, 29), 7) == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)
    assert at(date(2026, 3, 28), 7) == datetime(2026, 3, 28, 6, 0, tzinfo=UTC)
    assert at(date(2026, 10, 25), 7) == datetime(2026, 10, 25, 6, 0, tzinfo=UTC)
    assert at(date(2026, 10, 24), 7) == datetime(2026, 10, 24, 5, 0, tzinfo=UTC)
    assert at(date(2026, 3, 29), 2, 30) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert at(date(2026, 10, 25), 2, 30) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_completed_follow_ups_are_not_in_the_digest(app, desk, clock):
    complete_followup(followup=desk["overdue"], by=desk["anna"], today=TODAY)
    db.session.commit()
    clock.move_to(at(TODAY, 7, 0))
    [outcome] = queue_due_digests().outcomes
    assert (outcome.overdue, outcome.today) == (0, 1)


def test_a_deactivated_user_gets_no_digest(app, desk, clock):
    desk["anna"].active = False
    db.session.commit()
    clock.move_to(at(TODAY, 7, 0))
    assert queue_due_digests().outcomes == []


def test_send_reminders_dry_run_prints_and_changes_nothing(app, desk, runner, clock):
    clock.move_to(at(TODAY, 6, 0))  # before the chosen time: by hand it runs anyway
    result = runner.invoke(args=["send-reminders", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Wiedervorlagen-Mail für 30.03.2026 (Probelauf)" in result.output
    assert "anna@example.org: 1 überfällig, 1 heute, 1 Kontakt fällig → würde gesendet" in result.output
    assert "Betreff: Ihre Wiedervorlagen für Montag, 30. März 2026" in result.output
    assert outbox() == [] and db.session.scalar(select(DigestRun.id)) is None


def test_send_reminders_sends_now_and_prints_the_delivery(app, desk, runner, smtp_server, clock):
    clock.move_to(at(TODAY, 6, 0))
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "anna@example.org: 1 überfällig, 1 heute, 1 Kontakt fällig → in die Warteschlange gestellt" in result.output
    assert "Versand: 1 gesendet, 0 später erneut, 0 fehlgeschlagen" in result.output
    assert len(smtp_server.messages) == 1
    again = runner.invoke(args=["send-reminders"])
    assert "Alle Benutzer*innen haben ihre Mail für diesen Tag schon" in again.output
    assert len(smtp_server.messages) == 1


def test_send_reminders_previews_other_days_only_as_a_dry_run(app, desk, runner, clock):
    clock.move_to(at(TODAY, 6, 0))
    refused = runner.invoke(args=["send-reminders", "--date", "2026-03-31"])
    assert refused.exit_code != 0 and "Nur die Mail für heute" in refused.output
    saturday = runner.invoke(args=["send-reminders", "--dry-run", "--date", "2026-04-04"])
    assert "Kein Arbeitstag" in saturday.output
    preview = runner.invoke(args=["send-reminders", "--dry-run", "--date", "2026-03-31"])
    assert "anna@example.org: 2 überfällig, 0 heute" in preview.output  # Monday's item is overdue on Tuesday
    bad = runner.invoke(args=["send-reminders", "--date", "31.03.2026"])
    assert bad.exit_code == 2
