"""The scheduler process: its schedule, its locks, and real `crm scheduler` subprocesses against one database."""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import func, select, text

from crm.auth.models import Role
from crm.extensions import db
from crm.followups.models import DigestRun, ReminderSettings
from crm.followups.services import schedule_followup
from crm.followups.workdays import local_today
from crm.mail import OutboxMessage, OutboxStatus
from crm.scheduler import SCHEDULE, AdvisoryLock, RowLock, SchedulerLock, resolve, run_job

CRM = str(Path(sys.executable).parent / "crm")


def is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def test_the_whole_schedule_is_one_list_with_stable_unique_ids():
    assert [job.id for job in SCHEDULE] == ["queue-digests", "deliver-outbox", "retention"]
    assert len({job.id for job in SCHEDULE}) == len(SCHEDULE)
    for job in SCHEDULE:
        assert callable(resolve(job.target))


def test_a_failing_job_is_logged_and_rolled_back(app, monkeypatch, caplog):
    from crm.scheduler import ScheduledJob

    def broken() -> None:
        db.session.add(SchedulerLock(name="half-done", holder="x", expires_at=datetime.now(UTC)))
        db.session.flush()
        raise RuntimeError("boom")

    monkeypatch.setattr("tests.test_scheduler.broken_job", broken, raising=False)
    assert run_job(app, ScheduledJob("broken", "tests.test_scheduler:broken_job")) is None
    assert "job broken failed" in caplog.text
    assert db.session.scalar(select(SchedulerLock.name)) is None


def test_the_lock_row_admits_one_holder_until_its_heartbeat_stops(app):
    first = RowLock(db.engine, ttl=timedelta(seconds=60), holder="host-a:1")
    second = RowLock(db.engine, ttl=timedelta(seconds=60), holder="host-b:2")
    start = datetime(2026, 3, 30, 5, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as traveller:
        assert first.acquire()
        assert not second.acquire()
        traveller.shift(timedelta(seconds=50))
        assert first.refresh()  # the heartbeat pushes the expiry
        traveller.shift(timedelta(seconds=50))
        assert not second.acquire()
        traveller.shift(timedelta(seconds=61))  # the holder died: its row expires
        assert second.acquire()
        assert not first.refresh()  # and the old holder learns it lost the lock
        second.release()
        assert first.acquire()
        first.release()
    assert db.session.scalar(select(func.count()).select_from(SchedulerLock)) == 0


def test_the_advisory_lock_admits_one_process_at_a_time(app):
    if not is_postgres():
        pytest.skip("PostgreSQL only: SQLite uses the lock row")
    first, second = AdvisoryLock(db.engine.url), AdvisoryLock(db.engine.url)
    try:
        assert first.acquire()
        assert not second.acquire()
        assert first.refresh()
        first.release()
        assert second.acquire()
    finally:
        first.release()
        second.release()


# --- real processes ------------------------------------------------------------------------------


def scheduler_env(app, smtp_server, tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CRM_")}
    env.update(
        CRM_ENV="testing",
        CRM_INSTANCE_PATH=str(tmp_path),
        CRM_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        CRM_MAIL_SERVER="127.0.0.1",
        CRM_MAIL_PORT=str(smtp_server.port),
        CRM_SCHEDULER_INTERVAL_SECONDS="1",
        CRM_SCHEDULER_LOCK_TTL_SECONDS="4",
        CRM_SCHEDULER_RETRY_SECONDS="0.5",
        # The test runs on any day of the year: every day is a digest day here.
        CRM_DIGEST_WEEKDAYS="[0, 1, 2, 3, 4, 5, 6]",
        CRM_DIGEST_SKIP_PUBLIC_HOLIDAYS="false",
    )
    return env


@pytest.fixture
def due_users(app, make_user, create_employer):
    """Three users, each with an overdue follow-up and the digest due since midnight."""
    users = []
    for i in range(3):
        user = make_user(Role.ACQUISITION, email=f"person{i}@example.org")
        employer = create_employer(f"Firma {i}", owner=user)
        schedule_followup(
            employer=employer, title="Zurückrufen", due_date=local_today() - timedelta(days=1), created_by=user
        )
        db.session.add(ReminderSettings(user_id=user.id, digest_time=clock_time(0, 0)))
        users.append(user)
    db.session.commit()
    return users


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as output:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT, cwd=str(log.parent))


def stop(process: subprocess.Popen) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return -9


def wait_for(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_two_scheduler_processes_send_exactly_one_digest_per_user(app, smtp_server, due_users, tmp_path):
    env = scheduler_env(app, smtp_server, tmp_path)
    logs = [tmp_path / "scheduler-1.log", tmp_path / "scheduler-2.log"]
    processes = [start([CRM, "scheduler"], env, log) for log in logs]
    try:
        assert wait_for(lambda: len(smtp_server.messages) >= 3), [log.read_text() for log in logs]
        time.sleep(4)  # several more polls of both processes: nothing more may arrive
    finally:
        codes = [stop(process) for process in processes]
    output = [log.read_text() for log in logs]
    assert codes == [0, 0], output
    assert sorted(m["To"] for m in smtp_server.messages) == [u.email for u in due_users]
    assert sum("standing by" in text for text in output) == 1, output
    assert sum("scheduler active" in text for text in output) >= 1
    db.session.expire_all()
    rows = db.session.scalars(select(OutboxMessage)).all()
    assert len(rows) == 3 and {r.status for r in rows} == {OutboxStatus.SENT}
    assert db.session.scalar(select(func.count()).select_from(DigestRun)) == 3


def test_the_standby_scheduler_takes_over_when_the_active_one_stops(app, smtp_server, due_users, tmp_path):
    env = scheduler_env(app, smtp_server, tmp_path)
    first = start([CRM, "scheduler"], env, tmp_path / "first.log")
    try:
        assert wait_for(lambda: "scheduler active" in (tmp_path / "first.log").read_text())
        smtp_server.stop()  # the first one cannot deliver
        second = start([CRM, "scheduler"], env, tmp_path / "second.log")
        assert wait_for(lambda: "standing by" in (tmp_path / "second.log").read_text())
        assert stop(first) == 0
        smtp_server.start()
        db.session.execute(
            OutboxMessage.__table__.update().values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        db.session.commit()
        assert wait_for(lambda: len(smtp_server.messages) >= 3), (tmp_path / "second.log").read_text()
        time.sleep(2)
    finally:
        stop(first)
        code = stop(second)
    assert code == 0
    assert sorted(m["To"] for m in smtp_server.messages) == [u.email for u in due_users]


def test_two_processes_without_the_lock_still_send_one_digest_per_user(app, smtp_server, due_users, tmp_path):
    """`crm send-reminders` takes no lock: the unique keys of digest_runs and the outbox are the final guard."""
    env = scheduler_env(app, smtp_server, tmp_path)
    runs = [start([CRM, "send-reminders"], env, tmp_path / f"run-{i}.log") for i in range(3)]
    codes = [run.wait(timeout=60) for run in runs]
    output = [(tmp_path / f"run-{i}.log").read_text() for i in range(3)]
    assert codes == [0, 0, 0], output
    assert sorted(m["To"] for m in smtp_server.messages) == [u.email for u in due_users]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 3


def test_a_scheduler_that_loses_its_lock_stops_instead_of_running_twice(app, smtp_server, tmp_path):
    env = scheduler_env(app, smtp_server, tmp_path)
    log = tmp_path / "scheduler.log"
    process = start([CRM, "scheduler"], env, log)
    try:
        assert wait_for(lambda: "scheduler active" in log.read_text()), log.read_text()
        if is_postgres():
            db.session.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'crm-scheduler'")
            )
        else:
            db.session.execute(
                SchedulerLock.__table__.update().values(
                    holder="another-host:1", expires_at=datetime.now(UTC) + timedelta(hours=1)
                )
            )
        db.session.commit()
        assert process.wait(timeout=20) == 1, log.read_text()
    finally:
        stop(process)
    assert "lost its" in log.read_text()


def test_no_wait_exits_when_another_scheduler_is_active(app, smtp_server, tmp_path):
    env = scheduler_env(app, smtp_server, tmp_path)
    first = start([CRM, "scheduler"], env, tmp_path / "first.log")
    try:
        assert wait_for(lambda: "scheduler active" in (tmp_path / "first.log").read_text())
        second = subprocess.run([CRM, "scheduler", "--no-wait"], env=env, capture_output=True, timeout=60)
        assert second.returncode == 1 and b"another scheduler holds" in second.stdout + second.stderr
    finally:
        assert stop(first) == 0
