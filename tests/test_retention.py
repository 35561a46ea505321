"""Retention job: old login attempts are deleted, old sent mail bodies emptied; twice or in parallel changes nothing."""

import threading
from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import func, select

from crm.auth.models import LoginAttempt
from crm.auth.services import is_throttled
from crm.extensions import db
from crm.mail import OutboxMessage, OutboxStatus, enqueue_mail
from crm.retention import apply_retention
from crm.scheduler import SCHEDULE, ScheduledJob, run_job

NOW = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)


def attempt_at(moment: datetime, *, email: str = "someone@example.org", succeeded: bool = False) -> None:
    """A login attempt recorded at `moment` (the model's default takes the travelled clock)."""
    with time_machine.travel(moment, tick=False):
        db.session.add(LoginAttempt(email=email, address="192.0.2.7", succeeded=succeeded))
        db.session.commit()


def mail(key: str, *, created: datetime, sent: datetime | None) -> int:
    with time_machine.travel(created, tick=False):
        message = enqueue_mail(
            dedupe_key=key,
            kind="digest",
            recipient="lena@example.org",
            subject=f"Ihre Wiedervorlagen {key}",
            body_text="Bitte Bäckerei Müller, Frau Schulz, zurückrufen.",
            body_html="<p>Bitte Bäckerei Müller, Frau Schulz, zurückrufen.</p>",
        )
        db.session.commit()
    if sent is not None:
        message.status = OutboxStatus.SENT
        message.sent_at = sent
        message.attempts = 1
        db.session.commit()
    return message.id


def attempt_ages() -> list[int]:
    return sorted((NOW - at).days for at in db.session.scalars(select(LoginAttempt.at)))


def test_the_retention_job_is_in_the_schedule_with_its_own_interval(app):
    job = next(job for job in SCHEDULE if job.id == "retention")
    assert job.target == "crm.retention:apply_retention"
    assert app.config[job.seconds_setting] == 3600


def test_login_attempts_older_than_the_setting_are_deleted_newer_ones_kept(app):
    assert app.config["LOGIN_ATTEMPT_RETENTION_DAYS"] == 90
    for days in (400, 91, 89, 10, 0):
        attempt_at(NOW - timedelta(days=days, minutes=1))
    with time_machine.travel(NOW, tick=False):
        report = apply_retention()
    assert report.login_attempts_deleted == 2
    assert attempt_ages() == [0, 10, 89]


def test_running_retention_again_deletes_and_empties_nothing(app):
    attempt_at(NOW - timedelta(days=120))
    mail("digest:1:2026-04-01", created=NOW - timedelta(days=75), sent=NOW - timedelta(days=75))
    with time_machine.travel(NOW, tick=False):
        first = apply_retention()
        second = apply_retention()
    assert (first.login_attempts_deleted, first.mail_bodies_emptied) == (1, 1)
    assert (second.login_attempts_deleted, second.mail_bodies_emptied) == (0, 0)


def test_the_throttling_window_survives_a_retention_setting_of_zero(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ATTEMPT_RETENTION_DAYS", 0)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        attempt_at(NOW - timedelta(minutes=3), email="target@example.org")
    attempt_at(NOW - timedelta(minutes=app.config["LOGIN_FAILURE_WINDOW_MINUTES"] + 1))
    with time_machine.travel(NOW, tick=False):
        report = apply_retention()
        assert is_throttled(email="target@example.org", address="198.51.100.1")
    assert report.login_attempts_deleted == 1
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == app.config["LOGIN_MAX_FAILURES"]


def test_sent_mail_keeps_recipient_subject_and_time_but_loses_its_text_after_the_setting(app):
    assert app.config["OUTBOX_BODY_RETENTION_DAYS"] == 30
    old_sent = NOW - timedelta(days=31)
    old = mail("digest:1:2026-05-14", created=old_sent, sent=old_sent)
    recent = mail("digest:1:2026-06-10", created=NOW - timedelta(days=5), sent=NOW - timedelta(days=5))
    # Never sent: queued or failed rows are not "sent more than N days ago" and keep their text.
    queued = mail("digest:2:2026-05-14", created=NOW - timedelta(days=40), sent=None)
    with time_machine.travel(NOW, tick=False):
        report = apply_retention()
    assert report.mail_bodies_emptied == 1
    db.session.expire_all()
    emptied = db.session.get(OutboxMessage, old)
    assert (emptied.body_text, emptied.body_html) == ("", None)
    assert emptied.recipient == "lena@example.org"
    assert emptied.subject == "Ihre Wiedervorlagen digest:1:2026-05-14"
    assert emptied.sent_at == old_sent
    assert emptied.status == OutboxStatus.SENT
    for kept in (recent, queued):
        assert "Bäckerei Müller" in db.session.get(OutboxMessage, kept).body_text


def test_an_emptied_digest_still_guards_against_a_second_one_that_day(app):
    old_sent = NOW - timedelta(days=60)
    mail("digest:7:2026-04-16", created=old_sent, sent=old_sent)
    with time_machine.travel(NOW, tick=False):
        apply_retention()
    assert (
        enqueue_mail(
            dedupe_key="digest:7:2026-04-16", kind="digest", recipient="x@example.org", subject="s", body_text="b"
        )
        is None
    )


def test_a_backlog_is_worked_off_in_batches(app):
    for day in range(7):
        attempt_at(NOW - timedelta(days=200 + day))
        mail(f"digest:3:{day}", created=NOW - timedelta(days=100 + day), sent=NOW - timedelta(days=100 + day))
    attempt_at(NOW - timedelta(days=1))
    with time_machine.travel(NOW, tick=False):
        report = apply_retention(batch_size=3)
    assert (report.login_attempts_deleted, report.mail_bodies_emptied) == (7, 7)
    assert attempt_ages() == [1]
    assert db.session.scalar(select(func.count()).where(OutboxMessage.body_text != "")) == 0


def test_the_scheduler_runs_retention_as_a_job(app):
    attempt_at(NOW - timedelta(days=365))
    job = next(job for job in SCHEDULE if job.id == "retention")
    with time_machine.travel(NOW, tick=False):
        report = run_job(app, ScheduledJob(job.id, job.target))
    assert report.login_attempts_deleted == 1
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 0


def test_two_processes_at_once_delete_each_row_once_and_fail_on_nothing(app):
    """Two sessions on their own connections (as two scheduler processes would have) run the job together."""
    for day in range(40):
        attempt_at(NOW - timedelta(days=100 + day))
        mail(f"digest:4:{day}", created=NOW - timedelta(days=50 + day), sent=NOW - timedelta(days=50 + day))
    db.session.remove()
    workers = 2
    barrier = threading.Barrier(workers)
    reports, errors = [], []

    def work() -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                reports.append(apply_retention(now=NOW, batch_size=4))
            except Exception as error:  # collected for the assertion below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(r.login_attempts_deleted for r in reports) == 40
    assert sum(r.mail_bodies_emptied for r in reports) == 40
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 0
    assert db.session.scalar(select(func.count()).where(OutboxMessage.body_text != "")) == 0


def test_security_events_older_than_the_setting_are_deleted_newer_ones_kept(app):
    from crm.security_events.models import SecurityEvent, SecurityEventKind
    from crm.security_events.services import record_security_event

    assert app.config["SECURITY_EVENT_RETENTION_DAYS"] == 730
    for days in (800, 731, 729, 1):
        with time_machine.travel(NOW - timedelta(days=days, minutes=1), tick=False):
            record_security_event(kind=SecurityEventKind.LOGIN_FAILED, detail=f"{days} Tage alt")
            db.session.commit()
    with time_machine.travel(NOW, tick=False):
        report = apply_retention(batch_size=1)
        again = apply_retention()
    assert report.security_events_deleted == 2 and again.security_events_deleted == 0
    assert sorted(db.session.scalars(select(SecurityEvent.detail))) == ["1 Tage alt", "729 Tage alt"]
