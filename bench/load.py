"""Load test: simulated staff against gunicorn (the production entry point) on PostgreSQL and SQLite.

    python -m bench.load                                  # both databases, 50 staff, 60 s each
    python -m bench.load --database sqlite --duration 20  # the bounded form CI runs

Per database: a fresh database (SQLite file, or a throwaway PostgreSQL cluster on a free port — never the
shared server) seeded by bench.seed (scale 0.1 = 2,000 employers), one account per simulated staff member,
`gunicorn --workers N crm.wsgi:app` with CRM_ENV=production on loopback (4 workers on PostgreSQL, 2 on
SQLite). Each staff member logs in, then repeats what staff do, with a think time between steps: search
employers, open one, log an activity together with its next follow-up (one form, one transaction), open
the follow-up list and tick one off.

Report: requests, errors, "database is locked" lines in gunicorn's log, median and p95 per action. Then
every write the driver saw acknowledged (302) is looked up in the database: the activity (by the marker
in its subject) with exactly its one follow-up and their audit entries, the completed follow-ups as done.
Exit status 1 if anything is off.

The driver is Python threads with requests (one session per staff member), not locust: the fault drills
(bench/drills.py) run the same driver while they kill workers, restart PostgreSQL or take a backup, and
need to know in-process which write was acknowledged when; locust's gevent monkey-patching does not mix
with the drills' SMTP server (asyncio thread) and would add gevent, zmq and socketio to the environment.
"""

import argparse
import json
import random
import re
import statistics
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests
from sqlalchemy import create_engine, text

from bench import data
from bench.stack import Stack, app_env, stop_everything_on_sigterm

BERLIN = ZoneInfo("Europe/Berlin")
STAFF_PASSWORD = "Bench-Passwort-2026"  # bench.seed.BENCH_PASSWORD
SEARCH_WORDS = [
    *data.LAST_NAMES[:24],
    *(district for district, _postcode in data.DISTRICTS[:16]),
    "Logistik",
    "Café",
    "Hotel",
    "Kita",
    "Pflege",
    "Tischlerei",
    "Gärtnerei",
    "praktikum",
]
ACTIONS = ("login", "search", "open employer", "log activity + follow-up", "follow-up list", "complete follow-up")
LOCKED = "database is locked"
UNAVAILABLE_MARKER = "Die Datenbank ist im Moment nicht erreichbar"  # crm.main.errors, the 503 page
CSRF_RE = re.compile(r'name="([\w-]*csrf_token)"[^>]*?value="([^"]+)"')
EMPLOYER_LINK_RE = re.compile(r'href="/employers/(\d+)"')
DONE_FORM_RE = re.compile(r'action="/followups/(\d+)/done')


def staff_email(index: int) -> str:
    return f"staff{index:03d}@example.org"


# --- preparing the database -----------------------------------------------------------------------


@dataclass
class Target:
    """What the driver needs to know of the seeded database."""

    database_url: str
    staff: list[tuple[str, int]]  # (e-mail, user id)
    employer_ids: list[int]  # employers that accept activities and follow-ups


def prepare_database(database_url: str, *, scale: float, staff: int, log: Callable[[str], None] = print) -> Target:
    """Seed `database_url` (bench.seed) and add `staff` acquisition accounts with the production password hash."""
    from werkzeug.security import generate_password_hash

    from bench.seed import create_bench_app, seed
    from crm.auth.models import Role, User
    from crm.auth.services import create_user
    from crm.extensions import db

    app = create_bench_app(database_url)
    seed(app, scale=scale, log=log)
    with app.app_context():
        # The production hash (werkzeug's scrypt default, as config/production.py leaves it): logins cost
        # what they cost in production. One hash for all: the same password, and 50 hashes take seconds.
        real_hash = generate_password_hash(STAFF_PASSWORD)
        for index in range(1, staff + 1):
            user = create_user(
                email=staff_email(index),
                name=f"Lasttest Person {index}",
                role=Role.ACQUISITION,
                password=STAFF_PASSWORD,
            )
            user.password_hash = real_hash
        db.session.commit()
        accounts = [
            (email, user_id)
            for email, user_id in db.session.execute(
                db.select(User.email, User.id).where(User.email.like("staff%@example.org")).order_by(User.email)
            )
        ]
        employer_ids = list(
            db.session.scalars(
                text(
                    "SELECT e.id FROM employers e JOIN stages s ON s.id = e.stage_id "
                    "WHERE e.archived_at IS NULL AND NOT s.blocks_contact ORDER BY e.id"
                )
            )
        )
        db.session.remove()
        db.engine.dispose()
    return Target(database_url, accounts, employer_ids)


# --- the driver -----------------------------------------------------------------------------------


@dataclass
class Outcome:
    action: str
    started: float  # time.monotonic()
    seconds: float
    ok: bool
    status: int | None
    detail: str = ""


@dataclass
class Write:
    kind: str  # "activity" (with its follow-up) or "done"
    key: str  # the activity's marker, or the follow-up's id
    sent: float  # time.monotonic() when the request went out
    acked: float | None = None  # when the 302 came back; None = no acknowledgement seen


@dataclass
class Results:
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    outcomes: list[Outcome] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)

    def write(self, item: Write) -> Write:
        with self.lock:
            self.writes.append(item)
        return item

    def acked(self, kind: str, *, before: float | None = None) -> set[str]:
        with self.lock:
            return {
                w.key
                for w in self.writes
                if w.kind == kind and w.acked is not None and (before is None or w.acked < before)
            }

    def attempted(self, kind: str) -> set[str]:
        with self.lock:
            return {w.key for w in self.writes if w.kind == kind}

    def errors(self, *, between: tuple[float, float] | None = None) -> list[Outcome]:
        with self.lock:
            return [o for o in self.outcomes if not o.ok and (between is None or between[0] <= o.started <= between[1])]


class Staff(threading.Thread):
    """One member of staff: logs in, then search → open → log with follow-up → list → tick off, with pauses."""

    def __init__(
        self,
        *,
        base_url: str,
        email: str,
        user_id: int,
        run_id: str,
        index: int,
        employer_ids: Sequence[int],
        results: Results,
        stop: threading.Event,
        think: float,
        timeout: float,
        seed: int,
        writes_only: bool = False,
    ) -> None:
        super().__init__(name=f"staff-{index}", daemon=True)
        self.writes_only = writes_only
        self.base_url = base_url
        self.email = email
        self.user_id = user_id
        self.run_id = run_id
        self.index = index
        self.employer_ids = employer_ids
        self.results = results
        self.stop_event = stop
        self.think_seconds = think
        self.timeout = timeout
        self.rng = random.Random(seed)
        self.http = requests.Session()
        self.logged_in = False
        self.csrf = ""
        self.employer_id: int | None = None
        self.activity_csrf: dict[str, str] = {}
        self.sequence = 0
        self.completed: set[int] = set()

    # one request, timed
    def call(self, action: str, method: str, path: str, *, expect: int, data: dict | None = None):
        started = time.monotonic()
        try:
            response = self.http.request(
                method, self.base_url + path, data=data, allow_redirects=False, timeout=self.timeout
            )
        except requests.RequestException as error:
            self.results.add(Outcome(action, started, time.monotonic() - started, False, None, type(error).__name__))
            return None
        elapsed = time.monotonic() - started
        ok = response.status_code == expect
        detail = ""
        if not ok:
            detail = f"HTTP {response.status_code}"
            if response.status_code == 503 and (
                "Retry-After" not in response.headers or UNAVAILABLE_MARKER not in response.text
            ):
                detail += " without Retry-After or the German page"
        elif response.status_code == 302 and "/login" in response.headers.get("Location", "") and action != "login":
            ok, detail = False, "sent to the login page"
            self.logged_in = False
        self.results.add(Outcome(action, started, elapsed, ok, response.status_code, detail))
        return response if ok else None

    def think(self) -> None:
        self.stop_event.wait(self.rng.uniform(0.5, 1.5) * self.think_seconds)

    def run(self) -> None:
        steps = (self.search, self.open_employer, self.log_activity, self.followup_list)
        if self.writes_only:
            steps = (self.log_elsewhere, self.log_elsewhere, self.followup_list)
        while not self.stop_event.is_set():
            if not self.logged_in:
                self.login()
                self.think()
                continue
            for step in steps:
                if self.stop_event.is_set() or not self.logged_in:
                    break
                step()
                self.think()

    def log_elsewhere(self) -> None:
        """Writes only (the drills): log on a random employer with the session's token, no page load between."""
        if "activity-csrf_token" not in self.activity_csrf:
            self.open_employer()
        self.employer_id = self.rng.choice(self.employer_ids)
        self.log_activity()

    def login(self) -> None:
        self.http.cookies.clear()
        started = time.monotonic()
        try:
            page = self.http.get(self.base_url + "/login", timeout=self.timeout)
        except requests.RequestException as error:
            self.results.add(Outcome("login", started, time.monotonic() - started, False, None, type(error).__name__))
            return
        token = CSRF_RE.search(page.text)
        if page.status_code != 200 or token is None:
            self.results.add(Outcome("login", started, time.monotonic() - started, False, page.status_code, "no form"))
            return
        response = self.call(
            "login",
            "POST",
            "/login",
            expect=302,
            data={"csrf_token": token.group(2), "email": self.email, "password": STAFF_PASSWORD},
        )
        self.logged_in = response is not None and "/login" not in response.headers.get("Location", "/login")

    def search(self) -> None:
        word = self.rng.choice(SEARCH_WORDS)
        response = self.call("search", "GET", f"/employers?q={word}", expect=200)
        self.employer_id = None
        if response is not None:
            found = [int(n) for n in EMPLOYER_LINK_RE.findall(response.text)]
            eligible = [n for n in found if n in self._eligible]
            if eligible:
                self.employer_id = self.rng.choice(eligible)

    @property
    def _eligible(self) -> set[int]:
        if not hasattr(self, "_eligible_set"):
            self._eligible_set = set(self.employer_ids)
        return self._eligible_set

    def open_employer(self) -> None:
        if self.employer_id is None:
            self.employer_id = self.rng.choice(self.employer_ids)
        response = self.call("open employer", "GET", f"/employers/{self.employer_id}", expect=200)
        self.activity_csrf = {}
        if response is None:
            self.employer_id = None  # nothing to log on
        else:
            self.activity_csrf = {name: value for name, value in CSRF_RE.findall(response.text)}

    def log_activity(self) -> None:
        if self.employer_id is None:
            return
        token = self.activity_csrf.get("activity-csrf_token")
        if token is None:
            # The employer page was loaded but has no activity form: the driver would silently stop writing.
            self.results.add(Outcome("log activity + follow-up", time.monotonic(), 0.0, False, None, "no form"))
            return
        self.sequence += 1
        marker = f"LT-{self.run_id}-{self.index:03d}-{self.sequence:05d}"
        now = datetime.now(BERLIN)
        form = {
            "activity-csrf_token": token,
            "activity-kind": self.rng.choice(["call", "email", "visit", "meeting"]),
            "activity-occurred_at": now.strftime("%Y-%m-%dT%H:%M"),
            "activity-contact_id": "",
            "activity-subject": marker,
            "activity-summary": "Gespräch über einen Praktikumsplatz im Lager; Rückruf vereinbart.",
            "activity-outcome": "Interesse, Unterlagen folgen",
            "next_followup-due_date": now.date().isoformat(),
            "next_followup-title": f"Nachfassen {marker}",
            "next_followup-assigned_to_id": str(self.user_id),
        }
        write = self.results.write(Write("activity", marker, time.monotonic()))
        path = f"/employers/{self.employer_id}/activities/new"
        if self.call("log activity + follow-up", "POST", path, expect=302, data=form) is not None:
            write.acked = time.monotonic()

    def followup_list(self) -> None:
        response = self.call("follow-up list", "GET", "/followups/", expect=200)
        if response is None:
            return
        tokens = dict(CSRF_RE.findall(response.text))
        open_ids = [int(n) for n in DONE_FORM_RE.findall(response.text) if int(n) not in self.completed]
        if open_ids and "csrf_token" not in tokens:
            self.results.add(Outcome("complete follow-up", time.monotonic(), 0.0, False, None, "no form token"))
            return
        if not open_ids or self.stop_event.is_set():
            return
        self.think()
        followup_id = self.rng.choice(open_ids)
        write = self.results.write(Write("done", str(followup_id), time.monotonic()))
        done = self.call(
            "complete follow-up",
            "POST",
            f"/followups/{followup_id}/done",
            expect=302,
            data={"csrf_token": tokens["csrf_token"], "next": "/followups"},
        )
        if done is not None:
            write.acked = time.monotonic()
            self.completed.add(followup_id)


class Load:
    """`users` staff threads against `base_url`, started over `ramp` seconds; stop() ends and joins them."""

    def __init__(
        self,
        base_url: str,
        target: Target,
        *,
        users: int,
        think: float = 1.0,
        ramp: float = 5.0,
        timeout: float = 60.0,
        run_id: str | None = None,
        writes_only: bool = False,
    ) -> None:
        self.results = Results()
        self.stop_event = threading.Event()
        self.run_id = run_id or f"{random.getrandbits(32):08x}"
        self.ramp = ramp
        if users > len(target.staff):
            raise ValueError(f"{users} users but only {len(target.staff)} staff accounts")
        self.threads = [
            Staff(
                base_url=base_url,
                email=email,
                user_id=user_id,
                run_id=self.run_id,
                index=index,
                employer_ids=target.employer_ids,
                results=self.results,
                stop=self.stop_event,
                think=think,
                timeout=timeout,
                seed=index,
                writes_only=writes_only,
            )
            for index, (email, user_id) in enumerate(target.staff[:users], start=1)
        ]
        self.started = 0.0
        self.stopped = 0.0

    def start(self) -> "Load":
        self.started = time.monotonic()
        for number, thread in enumerate(self.threads):
            if self.stop_event.wait(self.ramp / len(self.threads) if number else 0):
                break
            thread.start()
        return self

    def stop(self) -> None:
        self.stop_event.set()
        for thread in self.threads:
            if thread.is_alive():
                thread.join(90)
        self.stopped = time.monotonic()


# --- the report -----------------------------------------------------------------------------------


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * int(share * 100) // 100) - 1)]


@dataclass
class ActionFigures:
    action: str
    requests: int
    errors: int
    median_ms: float | None
    p95_ms: float | None
    max_ms: float | None


def figures(results: Results) -> list[ActionFigures]:
    rows = []
    for action in ACTIONS:
        outcomes = [o for o in results.outcomes if o.action == action]
        times = [o.seconds * 1000 for o in outcomes if o.ok]
        rows.append(
            ActionFigures(
                action,
                len(outcomes),
                sum(1 for o in outcomes if not o.ok),
                round(statistics.median(times)) if times else None,
                round(percentile(times, 0.95)) if times else None,
                round(max(times)) if times else None,
            )
        )
    return rows


def format_table(rows: Sequence[ActionFigures]) -> str:
    lines = [f"  {'action':<26} {'requests':>8} {'errors':>6} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}"]
    for row in rows:
        lines.append(
            f"  {row.action:<26} {row.requests:>8} {row.errors:>6} {row.median_ms if row.median_ms is not None else '-':>10}"
            f" {row.p95_ms if row.p95_ms is not None else '-':>8} {row.max_ms if row.max_ms is not None else '-':>8}"
        )
    return "\n".join(lines)


# --- checking the database afterwards -------------------------------------------------------------


@dataclass
class Check:
    activities: int = 0  # load activities found
    followups_done: int = 0
    problems: list[str] = field(default_factory=list)


def verify(
    database_url: str,
    results: Results,
    run_id: str,
    *,
    acked_before: float | None = None,
    allow_unacked: bool = True,
) -> Check:
    """Every acknowledged write is in `database_url`, each activity with exactly its follow-up and audit rows.

    `acked_before`: only writes acknowledged before this moment must be there (a backup taken then).
    Writes sent but not acknowledged (a killed worker, an outage) may be there or not, but whole.
    """
    check = Check()
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT a.id, a.subject, a.employer_id, f.id AS followup_id, f.title, f.activity_id "
                    "FROM activities a LEFT JOIN followups f ON f.activity_id = a.id "
                    "WHERE a.subject LIKE :pattern ORDER BY a.id"
                ),
                {"pattern": f"LT-{run_id}-%"},
            ).all()
            orphan_followups = connection.scalar(
                text(
                    "SELECT count(*) FROM followups f LEFT JOIN activities a ON a.id = f.activity_id "
                    "WHERE f.title LIKE :pattern AND (a.id IS NULL OR a.subject <> substr(f.title, 12))"
                ),
                {"pattern": f"Nachfassen LT-{run_id}-%"},
            )
            audited = {
                (entity_type, entity_id)
                for entity_type, entity_id in connection.execute(
                    text(
                        "SELECT entity_type, entity_id FROM audit_entries WHERE action = 'create' AND "
                        "((entity_type = 'activities' AND entity_id IN (SELECT id FROM activities WHERE subject LIKE :p)) "
                        "OR (entity_type = 'followups' AND entity_id IN (SELECT id FROM followups WHERE title LIKE :q)))"
                    ),
                    {"p": f"LT-{run_id}-%", "q": f"Nachfassen LT-{run_id}-%"},
                )
            }
            done_ids = {str(i) for i in results.attempted("done")}
            status = dict(
                connection.execute(
                    text("SELECT id, status FROM followups WHERE id IN (SELECT id FROM followups WHERE title LIKE :q)"),
                    {"q": f"Nachfassen LT-{run_id}-%"},
                ).all()
            )
            stale_last_contact = sum(
                1
                for _id, stored, newest in connection.execute(
                    text(
                        "SELECT e.id, e.last_contact_at, (SELECT max(occurred_at) FROM activities a "
                        "WHERE a.employer_id = e.id AND a.archived_at IS NULL) FROM employers e"
                    )
                )
                if stored != newest
            )
            dangling = connection.scalar(
                text(
                    "SELECT count(*) FROM followups f LEFT JOIN activities a ON a.id = f.activity_id "
                    "WHERE f.activity_id IS NOT NULL AND a.id IS NULL"
                )
            )
            if connection.dialect.name == "sqlite":
                integrity = connection.scalar(text("PRAGMA integrity_check"))
                foreign = connection.execute(text("PRAGMA foreign_key_check")).all()
                if integrity != "ok":
                    check.problems.append(f"SQLite integrity_check: {integrity}")
                if foreign:
                    check.problems.append(f"SQLite foreign_key_check: {len(foreign)} rows, e.g. {foreign[:3]}")
    finally:
        engine.dispose()

    by_marker: dict[str, list[Any]] = {}
    for row in rows:
        by_marker.setdefault(row.subject, []).append(row)
    check.activities = len(by_marker)
    check.followups_done = sum(1 for key in done_ids if status.get(int(key)) == "done")
    problems = check.problems
    acked = results.acked("activity", before=acked_before)
    attempted = results.attempted("activity")
    missing = sorted(acked - by_marker.keys())
    if missing:
        problems.append(f"{len(missing)} acknowledged activities missing, e.g. {missing[:3]}")
    phantom = sorted(by_marker.keys() - attempted)
    if phantom:
        problems.append(f"{len(phantom)} activities nobody sent, e.g. {phantom[:3]}")
    if not allow_unacked:
        unacked = sorted(by_marker.keys() - results.acked("activity"))
        if unacked:
            problems.append(f"{len(unacked)} activities saved without an acknowledgement, e.g. {unacked[:3]}")
    for marker, group in by_marker.items():
        if len(group) != 1 or group[0].followup_id is None:
            problems.append(f"activity {marker}: {sum(1 for r in group if r.followup_id)} follow-ups, expected 1")
        elif group[0].title != f"Nachfassen {marker}":
            problems.append(f"activity {marker}: wrong follow-up {group[0].title!r}")
        else:
            if ("activities", group[0].id) not in audited:
                problems.append(f"activity {marker}: no audit entry")
            if ("followups", group[0].followup_id) not in audited:
                problems.append(f"follow-up of {marker}: no audit entry")
    if orphan_followups:
        problems.append(f"{orphan_followups} load follow-ups without their activity")
    not_done = sorted(k for k in results.acked("done", before=acked_before) if status.get(int(k)) != "done")
    if not_done:
        problems.append(f"{len(not_done)} acknowledged completions not done, e.g. {not_done[:3]}")
    done_unsent = sorted(str(i) for i, s in status.items() if s == "done" and str(i) not in done_ids)
    if done_unsent:
        problems.append(f"{len(done_unsent)} follow-ups done that nobody completed, e.g. {done_unsent[:3]}")
    if stale_last_contact:
        problems.append(f"{stale_last_contact} employers whose last contact time does not match their activities")
    if dangling:
        problems.append(f"{dangling} follow-ups point to an activity that is not there")
    return check


# --- one run --------------------------------------------------------------------------------------


@dataclass
class LoadReport:
    database: str
    workers: int
    users: int
    duration: float
    requests: int
    errors: int
    locked: int
    per_second: float
    actions: list[ActionFigures]
    acknowledged_activities: int
    acknowledged_completions: int
    activities_found: int
    completions_found: int
    problems: list[str]

    @property
    def passed(self) -> bool:
        return not self.problems and self.errors == 0 and self.locked == 0


def setup(stack: Stack, database: str, *, scale: float, staff: int) -> tuple[Target, dict[str, str]]:
    """A seeded database of kind `database` in `stack`'s folder and the environment for the app processes."""
    instance = stack.folder / "instance"
    if database == "postgresql":
        url = stack.postgres().create_database("crm_load")
    else:
        url = f"sqlite:///{instance / 'crm.sqlite3'}"
    target = prepare_database(url, scale=scale, staff=staff, log=lambda line: print(line, flush=True))
    return target, app_env(database_url=url, instance=instance)


def run_load(
    database: str, *, users: int, duration: float, workers: int, scale: float, think: float, keep: bool = False
) -> LoadReport:
    with Stack(f"load-{database}", keep=keep) as stack:
        print(f"== {database}: seeding (scale {scale}) in {stack.folder}", flush=True)
        target, env = setup(stack, database, scale=scale, staff=users)
        server = stack.gunicorn(workers=workers, env=env)
        print(f"== {database}: gunicorn --workers {workers} on {server.base_url}; {users} staff for {duration:.0f} s")
        load = Load(server.base_url, target, users=users, think=think).start()
        time.sleep(max(0.0, duration - (time.monotonic() - load.started)))
        load.stop()
        server.stop()
        log_text = server.log_text()
        elapsed = load.stopped - load.started
        results = load.results
        # No faults here: a write in the database that the driver never saw acknowledged is a defect too.
        check = verify(target.database_url, results, load.run_id, allow_unacked=False)
        if not results.acked("activity") or not results.acked("done"):
            check.problems.append("no activity or no completion was acknowledged: the load wrote nothing to check")
        report = LoadReport(
            database=database,
            workers=workers,
            users=users,
            duration=round(elapsed, 1),
            requests=len(results.outcomes),
            errors=len(results.errors()),
            locked=log_text.count(LOCKED),
            per_second=round(len(results.outcomes) / elapsed, 1),
            actions=figures(results),
            acknowledged_activities=len(results.acked("activity")),
            acknowledged_completions=len(results.acked("done")),
            activities_found=check.activities,
            completions_found=check.followups_done,
            problems=check.problems,
        )
        if report.errors:
            kinds: dict[str, int] = {}
            for outcome in results.errors():
                kinds[f"{outcome.action}: {outcome.detail}"] = kinds.get(f"{outcome.action}: {outcome.detail}", 0) + 1
            report.problems.append(f"{report.errors} failed requests: {kinds}")
            print(log_text[-4000:])
        if report.locked:
            report.problems.append(f'{report.locked} "{LOCKED}" lines in the gunicorn log')
        return report


def print_report(report: LoadReport) -> None:
    print(
        f"\n{report.database}, gunicorn {report.workers} workers, {report.users} staff, {report.duration} s: "
        f"{report.requests} requests ({report.per_second}/s), {report.errors} errors, "
        f'{report.locked} "{LOCKED}"'
    )
    print(format_table(report.actions))
    print(
        f"  writes acknowledged: {report.acknowledged_activities} activities with follow-up, "
        f"{report.acknowledged_completions} completions; in the database: {report.activities_found} activities "
        f"(each with its follow-up), {report.completions_found} completions done"
    )
    for problem in report.problems:
        print(f"  PROBLEM: {problem}")
    print(f"  {'PASS' if report.passed else 'FAIL'}", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--users", type=int, default=50, help="simulated staff (default 50)")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load per database (default 60)")
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between a person's steps, s (default 1)")
    parser.add_argument("--scale", type=float, default=0.1, help="bench.seed scale (0.1 = 2,000 employers)")
    parser.add_argument("--workers-postgresql", type=int, default=4)
    parser.add_argument("--workers-sqlite", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, database)")
    args = parser.parse_args(argv)
    stop_everything_on_sigterm()
    databases = ["postgresql", "sqlite"] if args.database == "both" else [args.database]
    reports = []
    for database in databases:
        workers = args.workers_postgresql if database == "postgresql" else args.workers_sqlite
        report = run_load(
            database,
            users=args.users,
            duration=args.duration,
            workers=workers,
            scale=args.scale,
            think=args.think,
            keep=args.keep,
        )
        print_report(report)
        reports.append(report)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in reports], indent=2))
    return 0 if all(r.passed for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
