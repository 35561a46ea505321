"""Fault drills: crashes and maintenance under load, each ending in PASS or FAIL (exit status 1 on a FAIL).

    python -m bench.drills                       # every drill on both databases (about 3 minutes)
    python -m bench.drills --only worker-kill --database sqlite

- worker-kill: `kill -9` of gunicorn workers while staff save activities with their follow-up (one
  transaction): every write is whole or absent, the acknowledged ones are there, gunicorn's master starts
  a new worker, and the only failed requests are those the killed worker was answering.
- scheduler-kill: `kill -9` of `crm scheduler` twice while it sends the morning digests to a slow SMTP
  server (aiosmtpd on loopback), each time in the middle of a message; restarted, every digest arrives
  exactly once (counted per recipient at the SMTP server).
- postgres-restart (PostgreSQL only): a throwaway cluster restarted under load; the app recovers by itself
  (pool_pre_ping), requests fail only during the restart, acknowledged writes are there.
- backup: `crm backup` during load, restored into a new database (`crm restore`; pg_restore): everything
  acknowledged before the backup started is in the copy, whole.

Every drill runs in its own temporary folder with its own database (a private PostgreSQL cluster on a free
port, never the shared server) and stops every process it started, also on failure.
"""

import argparse
import asyncio
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import time as clock_time
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text

from bench.load import LOCKED, Load, Results, Target, prepare_database, verify
from bench.stack import Stack, app_env, crm_command, free_port, scheduler_process, stop_everything_on_sigterm

WRITE_ACTIONS = ("log activity + follow-up", "complete follow-up")


@dataclass
class DrillResult:
    name: str
    database: str
    facts: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.problems

    def fact(self, text_: str) -> None:
        self.facts.append(text_)
        print(f"  [{self.name}/{self.database}] {text_}", flush=True)

    def problem(self, text_: str) -> None:
        self.problems.append(text_)
        print(f"  [{self.name}/{self.database}] PROBLEM: {text_}", flush=True)


def _quiet(_line: str) -> None:
    pass


def _setup(stack: Stack, database: str, *, scale: float, staff: int, extra_env: dict[str, str] | None = None):
    instance = stack.folder / "instance"
    if database == "postgresql":
        url = stack.postgres().create_database("crm_drill")
    else:
        url = f"sqlite:///{instance / 'crm.sqlite3'}"
    target = prepare_database(url, scale=scale, staff=staff, log=_quiet)
    return target, app_env(database_url=url, instance=instance, extra=extra_env)


def _workers(database: str) -> int:
    return 4 if database == "postgresql" else 2


def _check_load(result: DrillResult, results: Results, target: Target, run_id: str, **kwargs) -> None:
    check = verify(target.database_url, results, run_id, **kwargs)
    acked = results.acked("activity")
    result.fact(
        f"{len(results.outcomes)} requests; {len(acked)} activities with follow-up and "
        f"{len(results.acked('done'))} completions acknowledged; {check.activities} load activities in the "
        "database, each with exactly its follow-up and audit entries"
    )
    for problem in check.problems:
        result.problem(problem)


def _locked(result: DrillResult, *logs: str) -> None:
    count = sum(log.count(LOCKED) for log in logs)
    if count:
        result.problem(f'{count} "{LOCKED}" lines in the logs')


# --- 1. a web worker killed while saving -----------------------------------------------------------


def worker_kill(database: str, *, users: int = 30, kills: int = 4) -> DrillResult:
    """SIGKILL a gunicorn worker that is inside a write transaction, `kills` times, while staff keep saving."""
    result = DrillResult("worker-kill", database)
    rng = random.Random(9)
    with Stack(f"drill-kill-{database}") as stack:
        target, env = _setup(stack, database, scale=0.1, staff=users)
        workers = _workers(database)
        server = stack.gunicorn(workers=workers, env=env)
        load = Load(server.base_url, target, users=users, think=0.05, ramp=2, writes_only=True).start()
        time.sleep(4)
        moments: list[float] = []
        restarts: list[float] = []
        for _ in range(kills):
            victim = _saving_worker(server, target.database_url, timeout=10)
            if victim is None:
                result.problem("no worker was found inside a write transaction within 10 s")
                break
            booted = server.log_text().count("Booting worker")
            moment = time.monotonic()
            os.kill(victim, signal.SIGKILL)
            moments.append(moment)
            # The master notices the dead worker and starts another one.
            deadline = moment + 30
            while time.monotonic() < deadline:
                pids = server.worker_pids()
                if len(pids) == workers and victim not in pids and server.log_text().count("Booting worker") > booted:
                    restarts.append(time.monotonic() - moment)
                    break
                time.sleep(0.05)
            else:
                result.problem(f"worker {victim} killed, but gunicorn did not start a new one within 30 s")
                break
            time.sleep(1.5 + rng.random())
        time.sleep(3)  # the load goes on after the last kill
        load.stop()
        server.stop()
        _close_pg(target.database_url)

        errors = load.results.errors()
        unexplained = [o for o in errors if not any(_in_flight(o, k) for k in moments)]
        result.fact(
            f"{len(moments)} workers killed with SIGKILL while inside a write transaction "
            f"({_how_seen(database)}); the master forked a new worker after each within "
            f"{max(restarts, default=0):.1f} s"
        )
        result.fact(f"{len(errors)} failed requests, each one in flight on a killed worker: {_summary(errors)}")
        if unexplained:
            result.problem(f"{len(unexplained)} requests failed that no kill explains: {_summary(unexplained)}")
        if len(errors) > len(moments):
            result.problem(f"{len(errors)} failed requests for {len(moments)} kills (a sync worker serves one request)")
        in_flight = load.results.attempted("activity") - load.results.acked("activity")
        saved = _present_markers(target.database_url, in_flight)
        result.fact(
            f"writes cut off by a kill: {len(in_flight)} activities with follow-up; {len(saved)} committed "
            f"(whole) just before the kill, {len(in_flight) - len(saved)} rolled back (nothing of them saved)"
        )
        _check_load(result, load.results, target, load.run_id)
        _locked(result, server.log_text())
    return result


def _how_seen(database: str) -> str:
    if database == "postgresql":
        return "its PostgreSQL connection held a transaction id, i.e. had written, uncommitted"
    return "it held SQLite's WAL write lock, seen in /proc/locks"


def _saving_worker(server, database_url: str, *, timeout: float) -> int | None:
    """A gunicorn worker that is in the middle of a write transaction right now, or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        workers = set(server.worker_pids())
        found = (
            _pg_writer(database_url, workers)
            if database_url.startswith("postgresql")
            else _sqlite_writer(database_url, workers)
        )
        if found is not None:
            return found
        time.sleep(0.001)
    return None


def _sqlite_writer(database_url: str, workers: set[int]) -> int | None:
    """The process holding SQLite's WAL write lock: a POSIX lock on byte 120 of the -shm file."""
    try:
        inode = os.stat(database_url.removeprefix("sqlite:///") + "-shm").st_ino
        locks = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return None
    for line in locks:
        parts = line.split()
        # "1: POSIX  ADVISORY  WRITE 1234 08:01:5678 120 120"
        if len(parts) >= 8 and parts[1] == "POSIX" and parts[3] == "WRITE" and parts[5].endswith(f":{inode}"):
            pid = int(parts[4])
            if parts[6] == "120" and pid in workers:
                return pid
    return None


_PG_CONNECTIONS: dict[str, object] = {}


def _pg_writer(database_url: str, workers: set[int]) -> int | None:
    """The worker whose PostgreSQL session has written in an open transaction (backend_xid is set)."""
    import psycopg

    connection = _PG_CONNECTIONS.get(database_url)
    if connection is None:
        connection = psycopg.connect(database_url.replace("postgresql+psycopg", "postgresql"), autocommit=True)
        _PG_CONNECTIONS[database_url] = connection
    ports = {
        port
        for (port,) in connection.execute(
            "SELECT client_port FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid() AND client_port IS NOT NULL"
        )
    }
    if not ports:
        return None
    owners = _socket_owners(workers)
    for port in ports:
        if port in owners:
            return owners[port]
    return None


def _close_pg(database_url: str) -> None:
    connection = _PG_CONNECTIONS.pop(database_url, None)
    if connection is not None:
        connection.close()


def _socket_owners(pids: set[int]) -> dict[int, int]:
    """Local TCP port -> pid, for the sockets these processes hold (from /proc)."""
    inode_pid = {}
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    link = os.readlink(f"/proc/{pid}/fd/{fd}")
                except OSError:
                    continue
                if link.startswith("socket:["):
                    inode_pid[link[8:-1]] = pid
        except OSError:
            continue
    owners = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            inode = parts[9]
            if inode in inode_pid:
                owners[int(parts[1].rsplit(":", 1)[1], 16)] = inode_pid[inode]
    return owners


def _in_flight(outcome, moment: float, slack: float = 0.5) -> bool:
    return outcome.started <= moment <= outcome.started + outcome.seconds + slack


def _summary(outcomes) -> dict[str, int]:
    return dict(Counter(f"{o.action}: {o.detail}" for o in outcomes))


def _present_markers(database_url: str, markers: set[str]) -> set[str]:
    if not markers:
        return set()
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            found = connection.execute(
                text("SELECT subject FROM activities WHERE subject LIKE :p"), {"p": "LT-%"}
            ).scalars()
            return markers & set(found)
    finally:
        engine.dispose()


# --- 2. the scheduler killed while sending digests ------------------------------------------------


class SlowSink:
    """An aiosmtpd server on loopback that needs `delay` seconds per message before it takes it.

    A client that disconnects meanwhile cancels the handler, so that message is not taken: the server
    commits a message at the end of DATA, as real MTAs do before they answer 250.
    """

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.port = free_port()
        self.lock = threading.Lock()
        self.received: list[tuple[str, str, str]] = []  # (recipient, Message-ID, Subject)
        self.data_started: float | None = None  # while a DATA is being processed
        self.cancelled = 0
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, ready_timeout=10)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        with self.lock:
            self.data_started = time.monotonic()
        try:
            await asyncio.sleep(self.delay)
        except asyncio.CancelledError:
            with self.lock:
                self.cancelled += 1
                self.data_started = None
            raise
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.received.append((recipient, str(message["Message-ID"]), str(message["Subject"])))
            self.data_started = None
        return "250 Message accepted for delivery"

    def count(self) -> int:
        with self.lock:
            return len(self.received)

    def mid_message(self, *, at_least: int) -> bool:
        """`at_least` messages taken and the next one just begun (so a kill now lands inside it)."""
        with self.lock:
            started = self.data_started
            return (
                len(self.received) >= at_least and started is not None and time.monotonic() - started < self.delay * 0.4
            )


def _prepare_digests(database_url: str) -> int:
    """Everyone's digest at midnight (so the drill works at any hour) and a follow-up due today for each
    staff account; return the number of users who get a digest."""
    from bench.seed import create_bench_app
    from crm.auth.models import User
    from crm.employers.models import Employer
    from crm.extensions import db
    from crm.followups.jobs import queue_due_digests
    from crm.followups.models import ReminderSettings
    from crm.followups.services import schedule_followup
    from crm.followups.workdays import local_today

    app = create_bench_app(database_url)
    with app.app_context():
        today = local_today()
        employers = list(
            db.session.scalars(
                db.select(Employer).where(Employer.archived_at.is_(None)).order_by(Employer.id).limit(200)
            )
        )
        employers = [e for e in employers if not e.stage.blocks_contact]
        for number, user in enumerate(db.session.scalars(db.select(User).where(User.email.like("staff%")))):
            schedule_followup(
                employer=employers[number % len(employers)],
                title="Rückruf wegen Praktikum",
                due_date=today,
                created_by=user,
                assigned_to=user,
            )
        for user in db.session.scalars(db.select(User)):
            db.session.add(ReminderSettings(user_id=user.id, digest_time=clock_time(0, 0)))
        db.session.commit()
        # The app's own preview: who gets a digest today (empty ones are not sent).
        preview = queue_due_digests(ignore_time=True, any_day=True, dry_run=True)
        recipients = sum(1 for outcome in preview.outcomes if outcome.status == "would_queue")
        db.session.remove()
        db.engine.dispose()
    return recipients


def _outbox(database_url: str) -> list[tuple]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                text(
                    "SELECT id, recipient, status, attempts, dedupe_key FROM outbox_messages "
                    "WHERE kind = 'digest' ORDER BY id"
                )
            ).all()
    finally:
        engine.dispose()


def scheduler_kill(database: str, *, staff: int = 40, delay: float = 0.25, timeout: float = 150) -> DrillResult:
    result = DrillResult("scheduler-kill", database)
    sink = SlowSink(delay)
    sink.controller.start()
    try:
        with Stack(f"drill-scheduler-{database}") as stack:
            extra = {
                "CRM_MAIL_SERVER": "127.0.0.1",
                "CRM_MAIL_PORT": str(sink.port),
                "CRM_MAIL_TIMEOUT_SECONDS": "5",
                "CRM_SCHEDULER_INTERVAL_SECONDS": "2",
                "CRM_SCHEDULER_LOCK_TTL_SECONDS": "10",
                "CRM_SCHEDULER_RETRY_SECONDS": "1",
                # Every day a working day, so the drill runs on weekends and public holidays too.
                "CRM_DIGEST_WEEKDAYS": "[0, 1, 2, 3, 4, 5, 6]",
                "CRM_DIGEST_SKIP_PUBLIC_HOLIDAYS": "false",
            }
            target, env = _setup(stack, database, scale=0.02, staff=staff, extra_env=extra)
            expected = _prepare_digests(target.database_url)
            result.fact(
                f"{expected} users get a digest today (the app's own preview); the SMTP server takes {delay} s per message"
            )
            logs = []
            started = time.monotonic()
            for round_, at_least in enumerate((10, 25), start=1):
                process = stack.process(scheduler_process(env=env, log=stack.folder / f"scheduler-{round_}.log"))
                logs.append(process)
                deadline = time.monotonic() + 60
                while not sink.mid_message(at_least=at_least) and time.monotonic() < deadline:
                    if not process.running():
                        break
                    time.sleep(0.005)
                if not sink.mid_message(at_least=at_least):
                    result.problem(f"round {round_}: the scheduler did not reach message {at_least + 1}")
                    break
                process.kill9()
                time.sleep(delay)  # the server notices the dropped connection
                result.fact(
                    f"scheduler {round_} killed (SIGKILL) in the middle of message {sink.count() + 1}; "
                    f"{sink.count()} delivered so far"
                )
            final = stack.process(scheduler_process(env=env, log=stack.folder / "scheduler-3.log"))
            logs.append(final)
            deadline = time.monotonic() + timeout
            rows: list[tuple] = []
            while time.monotonic() < deadline:
                rows = _outbox(target.database_url)
                if rows and all(r.status == "sent" for r in rows) and sink.count() >= len(rows):
                    break
                time.sleep(1)
            time.sleep(2 * delay)  # a double send would arrive now
            final.stop()
            result.fact(
                f"restarted: all {len(rows)} digests sent after {time.monotonic() - started:.0f} s "
                f"(a message cut off by a kill is retried when its 60 s claim expires)"
            )
            per_recipient = Counter(recipient for recipient, _mid, _subject in sink.received)
            twice = {r: n for r, n in per_recipient.items() if n > 1}
            outbox_recipients = Counter(r.recipient for r in rows)
            result.fact(
                f"SMTP server: {sink.count()} messages to {len(per_recipient)} recipients, "
                f"{sink.cancelled} cut off by the kills, {len(twice)} recipients with more than one"
            )
            if len(rows) != expected:
                result.problem(f"{len(rows)} digests queued, expected {expected}")
            if twice:
                result.problem(f"digests delivered twice: {twice}")
            missing = set(outbox_recipients) - set(per_recipient)
            if missing:
                result.problem(f"{len(missing)} digests never arrived, e.g. {sorted(missing)[:3]}")
            unsent = [r for r in rows if r.status != "sent"]
            if unsent:
                result.problem(f"{len(unsent)} outbox rows not sent: {[(r.id, r.status) for r in unsent[:5]]}")
            if sink.cancelled < 2 and not result.problems:
                result.problem(f"only {sink.cancelled} kills landed inside a message")
            ids = Counter(mid for _r, mid, _s in sink.received)
            if any(n > 1 for n in ids.values()):
                result.problem("a Message-ID arrived twice")
            _locked(result, *(p.log_text() for p in logs))
    finally:
        sink.controller.stop()
    return result


# --- 3. PostgreSQL restarted under load -----------------------------------------------------------


def postgres_restart(database: str = "postgresql", *, users: int = 50, before: float = 6, after: float = 10):
    result = DrillResult("postgres-restart", database)
    with Stack("drill-pgrestart") as stack:
        instance = stack.folder / "instance"
        cluster = stack.postgres()
        url = cluster.create_database("crm_drill")
        target = prepare_database(url, scale=0.1, staff=users, log=_quiet)
        server = stack.gunicorn(workers=_workers(database), env=app_env(database_url=url, instance=instance))
        load = Load(server.base_url, target, users=users, think=0.5, ramp=2).start()
        time.sleep(before)
        begin = time.monotonic()
        cluster.restart()
        end = time.monotonic()
        time.sleep(after)
        load.stop()
        server.stop()
        window = (begin, end + 1.0)
        errors = load.results.errors()
        outside = [o for o in errors if o.started + o.seconds < window[0] or o.started > window[1]]
        recovered = [o for o in load.results.outcomes if o.ok and o.started > window[1]]
        result.fact(
            f"pg_ctl restart -m fast took {end - begin:.1f} s; {len(errors)} requests failed, "
            f"{len(errors) - len(outside)} of them during the restart: {_summary(errors)}"
        )
        result.fact(f"after the restart: {len(recovered)} requests, {len([o for o in outside])} failed")
        if outside:
            result.problem(f"{len(outside)} requests failed outside the restart: {_summary(outside)}")
        # While the database is away the app answers 503 "try again" (crm.main.errors), never the 500 page.
        crashed = [o for o in errors if o.status is not None and o.status != 503]
        if crashed:
            result.problem(f"{len(crashed)} requests answered other than 503 during the restart: {_summary(crashed)}")
            log_text = server.log_text()
            start = min(
                (i for i in (log_text.find("unhandled error"), log_text.find("Error handling request")) if i >= 0),
                default=-1,
            )
            print(log_text[start : start + 6000] if start >= 0 else log_text[-3000:], flush=True)
        bare = [o for o in errors if o.status == 503 and o.detail != "HTTP 503"]
        if bare:
            result.problem(f"{len(bare)} answers of 503 without Retry-After or the German page: {_summary(bare)}")
        if len(recovered) < users:
            result.problem(f"only {len(recovered)} successful requests after the restart")
        _check_load(result, load.results, target, load.run_id)
        _locked(result, server.log_text())
    return result


# --- 4. backup during load, restored --------------------------------------------------------------


def backup_restore(database: str, *, users: int = 50, before: float = 6, after: float = 3) -> DrillResult:
    result = DrillResult("backup", database)
    with Stack(f"drill-backup-{database}") as stack:
        target, env = _setup(stack, database, scale=0.1, staff=users)
        server = stack.gunicorn(workers=_workers(database), env=env)
        load = Load(server.base_url, target, users=users, think=0.5, ramp=2).start()
        time.sleep(before)
        dump = stack.folder / ("backup.sqlite3" if database == "sqlite" else "backup.dump")
        begin = time.monotonic()
        backup = subprocess.run(crm_command("backup", str(dump)), env=env, capture_output=True, text=True, timeout=120)
        end = time.monotonic()
        time.sleep(after)
        load.stop()
        server.stop()
        acked_before = len(load.results.acked("activity", before=begin))
        acked_during = len(load.results.acked("activity")) - acked_before
        result.fact(
            f"`crm backup` took {end - begin:.1f} s under load (exit {backup.returncode}): "
            f"{backup.stdout.strip() or backup.stderr.strip()[-300:]}"
        )
        if backup.returncode != 0:
            result.problem(f"crm backup failed: {backup.stderr.strip()[-500:]}")
            return result
        errors = load.results.errors()
        if errors:
            result.problem(f"{len(errors)} requests failed during the backup: {_summary(errors)}")
        restored_url = _restore(stack, database, dump, env, result)
        if restored_url is None:
            return result
        check = verify(restored_url, load.results, load.run_id, acked_before=begin)
        result.fact(
            f"restored copy: all {acked_before} activities (with follow-up) acknowledged before the backup began "
            f"are there: {not any('missing' in p for p in check.problems)}; {check.activities} load activities "
            f"in the copy ({acked_during} more were acknowledged while or after it ran)"
        )
        for problem in check.problems:
            result.problem(f"restored copy: {problem}")
        _check_load(result, load.results, target, load.run_id)
        _locked(result, server.log_text())
    return result


def _restore(stack: Stack, database: str, dump: Path, env: dict[str, str], result: DrillResult) -> str | None:
    """Restore `dump` into a new database the documented way; return its URL."""
    if database == "sqlite":
        folder = stack.folder / "restored"
        url = f"sqlite:///{folder / 'crm.sqlite3'}"
        command = crm_command("restore", str(dump), "--yes")
        restore_env = app_env(database_url=url, instance=folder)
    else:
        assert stack.cluster is not None
        url = stack.cluster.create_database("crm_restored")
        pg_restore = shutil.which("pg_restore") or "pg_restore"
        command = [pg_restore, "--no-owner", "--exit-on-error", f"--dbname={url.replace('+psycopg', '')}", str(dump)]
        restore_env = env
    done = subprocess.run(command, env=restore_env, capture_output=True, text=True, timeout=120)  # noqa: S603
    result.fact(
        f"restored with `{' '.join(Path(c).name if i == 0 else c for i, c in enumerate(command[:2]))} …` (exit {done.returncode})"
    )
    if done.returncode != 0:
        result.problem(f"restore failed: {done.stderr.strip()[-500:]}")
        return None
    return url


# --- running them ---------------------------------------------------------------------------------

DRILLS: dict[str, tuple[Callable[[str], DrillResult], tuple[str, ...]]] = {
    "worker-kill": (worker_kill, ("sqlite", "postgresql")),
    "scheduler-kill": (scheduler_kill, ("sqlite", "postgresql")),
    "postgres-restart": (postgres_restart, ("postgresql",)),
    "backup": (backup_restore, ("sqlite", "postgresql")),
}


def _run(name: str, database: str) -> DrillResult:
    print(f"== {name} on {database}", flush=True)
    started = time.monotonic()
    function = DRILLS[name][0]
    try:
        result = function(database)
    except Exception as error:  # a drill that crashes is a FAIL with the reason, and the others still run
        result = DrillResult(name, database)
        result.problem(f"{type(error).__name__}: {error}")
    result.seconds = time.monotonic() - started
    print(f"== {'PASS' if result.passed else 'FAIL'} {name} on {database} ({result.seconds:.0f} s)", flush=True)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.drills", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", choices=list(DRILLS), help="run only this drill (repeatable)")
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args(argv)
    stop_everything_on_sigterm()
    wanted = [
        (name, database)
        for name in (args.only or list(DRILLS))
        for database in DRILLS[name][1]
        if args.database in ("both", database)
    ]
    started = time.monotonic()
    # The scheduler drills mostly wait (for the 60 s claim of a cut-off message): they run beside the others.
    background = [job for job in wanted if job[0] == "scheduler-kill"]
    results: list[DrillResult] = []
    # Daemon threads: on SIGTERM the main thread stops every Stack (bench.stack) and the process ends.
    threads = [
        threading.Thread(target=lambda job=job: results.append(_run(*job)), name=f"{job[0]}-{job[1]}", daemon=True)
        for job in background
    ]
    for thread in threads:
        thread.start()
    for job in wanted:
        if job not in background:
            results.append(_run(*job))
    for thread in threads:
        thread.join()
    print(f"\nDrills ({time.monotonic() - started:.0f} s):")
    for result in results:
        print(
            f"  {'PASS' if result.passed else 'FAIL'}  {result.name:<17} {result.database:<10} {result.seconds:5.0f} s"
        )
        for problem in result.problems:
            print(f"        {problem}")
    return 0 if results and all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
