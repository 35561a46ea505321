"""The `crm scheduler` process: the whole schedule in one list, run by APScheduler under a lock.

Production runs exactly one of these next to gunicorn (the web workers never run jobs). Every job
is an idempotent poll ("due and not yet done"), so a restart, a missed minute or a second process
loses and repeats nothing. A second scheduler — on the same host or another one against the same
database — waits in standby: on PostgreSQL it blocks on an advisory lock held by a dedicated
connection for the life of the process; on SQLite it waits for a lock row with a heartbeat to
expire. The unique keys of digest_runs and the outbox remain the final guard.
"""

import importlib
import logging
import os
import signal
import socket
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import Engine, String, create_engine, or_, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.pool import NullPool

from crm.db import utcnow
from crm.extensions import db
from crm.followups.workdays import BERLIN

log = logging.getLogger("crm.scheduler")


@dataclass(frozen=True)
class ScheduledJob:
    id: str  # stable: APScheduler and the logs know the job by it
    target: str  # "module:function", imported when the job runs
    seconds_setting: str = "SCHEDULER_INTERVAL_SECONDS"
    description: str = ""


# The whole schedule. Each job is a poll that finds its own due work; the interval only bounds the delay.
SCHEDULE: list[ScheduledJob] = [
    ScheduledJob("queue-digests", "crm.followups.jobs:queue_due_digests", description="queue today's digests"),
    ScheduledJob("deliver-outbox", "crm.mail:deliver_due_messages", description="send queued e-mails"),
    ScheduledJob(
        "retention",
        "crm.retention:apply_retention",
        seconds_setting="RETENTION_INTERVAL_SECONDS",
        description="delete old login attempts, empty old mail bodies",
    ),
]

DEFAULTS = {
    "SCHEDULER_INTERVAL_SECONDS": 60,
    "SCHEDULER_LOCK_TTL_SECONDS": 120,
    "SCHEDULER_RETRY_SECONDS": 30,
    "RETENTION_INTERVAL_SECONDS": 3600,
}
LOCK_NAME = "crm-scheduler"
# pg_try_advisory_lock takes a bigint; a fixed number derived from the name keeps it readable in pg_locks.
ADVISORY_KEY = zlib.crc32(LOCK_NAME.encode())


def setting(name: str) -> float:
    return float(current_app.config.get(name, DEFAULTS.get(name, 60)))


class SchedulerLock(db.Model):
    """The SQLite lock: one row per lock name, held while its holder renews the expiry."""

    __tablename__ = "scheduler_locks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class AdvisoryLock:
    """PostgreSQL session advisory lock on a connection of its own, held for the process lifetime.

    The lock lives exactly as long as the connection; if the connection breaks, the server releases
    the lock and `refresh` reports the loss, and the scheduler stops.
    """

    kind = "PostgreSQL advisory lock"

    def __init__(self, url: Any) -> None:
        # NullPool: this connection must never be handed to anyone else or recycled by a pool.
        self.engine: Engine = create_engine(
            url,
            poolclass=NullPool,
            connect_args={"keepalives": 1, "keepalives_idle": 30, "application_name": LOCK_NAME},
        )
        self.connection = None

    def acquire(self) -> bool:
        connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY})
        except DBAPIError:
            connection.close()
            raise
        if got:
            self.connection = connection
            return True
        connection.close()
        return False

    def refresh(self) -> bool:
        if self.connection is None:
            return False
        try:
            self.connection.scalar(text("SELECT 1"))
        except DBAPIError:
            return False
        return True

    def release(self) -> None:
        if self.connection is not None:
            try:
                self.connection.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
                self.connection.close()
            except DBAPIError:
                pass
            self.connection = None
        self.engine.dispose()


class RowLock:
    """A lock row with an expiry that the holder renews; a crashed holder's row expires after the TTL."""

    kind = "lock row"

    def __init__(self, engine: Engine, *, ttl: timedelta, holder: str | None = None) -> None:
        self.engine = engine
        self.ttl = ttl
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"

    def _claim(self, *, take_expired: bool) -> bool:
        now = utcnow()
        table = SchedulerLock.__table__
        with self.engine.begin() as connection:
            if take_expired:
                insert = _insert_ignore(connection).values(
                    name=LOCK_NAME, holder=self.holder, acquired_at=now, expires_at=now + self.ttl
                )
                if connection.execute(insert).rowcount == 1:
                    return True
            condition = table.c.holder == self.holder
            if take_expired:
                condition = or_(condition, table.c.expires_at < now)
            result = connection.execute(
                update(table)
                .where(table.c.name == LOCK_NAME, condition)
                .values(holder=self.holder, expires_at=now + self.ttl)
            )
            return result.rowcount == 1

    def acquire(self) -> bool:
        return self._claim(take_expired=True)

    def refresh(self) -> bool:
        try:
            return self._claim(take_expired=False)
        except DBAPIError:
            return False

    def release(self) -> None:
        table = SchedulerLock.__table__
        try:
            with self.engine.begin() as connection:
                connection.execute(table.delete().where(table.c.name == LOCK_NAME, table.c.holder == self.holder))
        except DBAPIError:
            pass


def _insert_ignore(connection: Any):
    table = SchedulerLock.__table__
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing(index_elements=["name"])


def make_lock() -> AdvisoryLock | RowLock:
    """The advisory lock on PostgreSQL, the lock row elsewhere."""
    if db.engine.dialect.name == "postgresql":
        return AdvisoryLock(db.engine.url)
    return RowLock(db.engine, ttl=timedelta(seconds=setting("SCHEDULER_LOCK_TTL_SECONDS")))


def resolve(target: str) -> Callable[[], Any]:
    module, name = target.split(":")
    return getattr(importlib.import_module(module), name)


def run_job(app: Flask, job: ScheduledJob) -> Any:
    """Run one job in a fresh app context; its own commits are its business, leftovers are rolled back."""
    with app.app_context():
        try:
            result = resolve(job.target)()
            db.session.commit()
            return result
        except Exception:
            db.session.rollback()
            log.exception("job %s failed", job.id)
            return None
        finally:
            db.session.remove()


class SchedulerRunner:
    """Acquire the lock (waiting in standby if another process has it), then run the schedule."""

    def __init__(self, app: Flask, *, wait: bool = True) -> None:
        self.app = app
        self.wait = wait
        self.stop = threading.Event()
        self.lock_lost = False
        self.scheduler: BlockingScheduler | None = None
        with app.app_context():
            self.lock = make_lock()
            self.interval = {job.id: setting(job.seconds_setting) for job in SCHEDULE}
            self.ttl = setting("SCHEDULER_LOCK_TTL_SECONDS")
            self.retry = setting("SCHEDULER_RETRY_SECONDS")

    def _acquire(self) -> bool:
        announced = False
        while not self.stop.is_set():
            try:
                with self.app.app_context():
                    if self.lock.acquire():
                        log.info("scheduler active (%s)", self.lock.kind)
                        return True
            except DBAPIError as error:
                # The database is not reachable (yet): keep trying rather than crash-looping.
                log.warning("cannot reach the database for the scheduler lock: %s", error.__class__.__name__)
                self.stop.wait(self.retry)
                continue
            if not self.wait:
                log.warning("another scheduler holds the %s; exiting", self.lock.kind)
                return False
            if not announced:
                log.info("another scheduler is active; standing by (%s)", self.lock.kind)
                announced = True
            self.stop.wait(self.retry)
        return False

    def _guarded(self, job: ScheduledJob) -> None:
        if self.lock_lost:
            return
        with self.app.app_context():
            held = self.lock.refresh()
        if not held:
            self._lose_lock()
            return
        run_job(self.app, job)

    def _heartbeat(self) -> None:
        with self.app.app_context():
            if not self.lock.refresh():
                self._lose_lock()

    def _lose_lock(self) -> None:
        if not self.lock_lost:
            self.lock_lost = True
            log.error("scheduler lost its %s; stopping so that no other scheduler is doubled", self.lock.kind)
            self.stop.set()
            if self.scheduler is not None:
                self.scheduler.shutdown(wait=False)

    def request_stop(self, *_: Any) -> None:
        self.stop.set()
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def run(self) -> int:
        """Block until stopped; exit code 0 on a requested stop, 1 if the lock was not had or was lost."""
        if not self._acquire():
            return 0 if self.stop.is_set() else 1
        try:
            self.scheduler = BlockingScheduler(
                timezone=BERLIN,
                job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            )
            now = datetime.now(BERLIN)
            for job in SCHEDULE:
                # Run every job right at start: a digest missed while the scheduler was down goes out now.
                self.scheduler.add_job(
                    self._guarded,
                    "interval",
                    seconds=self.interval[job.id],
                    id=job.id,
                    name=job.description or job.id,
                    args=[job],
                    next_run_time=now,
                )
            self.scheduler.add_job(
                self._heartbeat, "interval", seconds=max(1.0, self.ttl / 4), id="scheduler-lock-heartbeat"
            )
            if not self.stop.is_set():
                self.scheduler.start()
        finally:
            if self.scheduler is not None and self.scheduler.running:
                self.scheduler.shutdown(wait=True)
            with self.app.app_context():
                self.lock.release()
            log.info("scheduler stopped")
        return 1 if self.lock_lost else 0


@click.command("scheduler")
@click.option("--no-wait", is_flag=True, help="Exit at once if another scheduler is active instead of standing by.")
@with_appcontext
def scheduler_command(no_wait: bool) -> None:
    """Run the background jobs (digests, outbox, retention) until stopped; run exactly one per installation."""
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    runner = SchedulerRunner(current_app._get_current_object(), wait=not no_wait)
    signal.signal(signal.SIGTERM, runner.request_stop)
    signal.signal(signal.SIGINT, runner.request_stop)
    raise SystemExit(runner.run())
