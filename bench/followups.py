"""Time the morning digest job and the follow-up page at scale.

    python -m bench.followups [--database-url URL] [--users 200] [--open 50000] [--repeat 30] [--check] [--freeze-gc]

Without --database-url the run uses bench/out/followups.sqlite3 and fills it once: bench.seed's
data (20,000 employers, 60,000 contacts, 300,000 activities), topped up to --users people who hold
follow-ups, the employers spread over them as owners, and open follow-ups up to --open in all (due
from 30 days ago to 90 days ahead). Then, in this one process:

* the digest job for everyone (`queue_due_digests` + `deliver_due_messages`) against an SMTP sink on
  loopback (aiosmtpd), timed from an empty outbox; budget 10 s on SQLite;
* `/followups/` (mine, as a user holding an average share), the team view and one "show all" group,
  median and p95 server time; budget p95 < 150 ms.
"""

import argparse
import gc
import random
import socket
import statistics
import sys
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import delete, func, select, update

from bench.run import BUDGET_MS, p95
from bench.seed import BENCH_PASSWORD, bulk_insert, create_bench_app, is_seeded, seed

DIGEST_BUDGET_S = 10.0
DEFAULT_URL = f"sqlite:///{Path(__file__).parent / 'out' / 'followups.sqlite3'}"
MARK = "@wv.example.org"  # the e-mail domain of the users this script adds
TITLES = ["Nachfassen", "Termin vereinbaren", "Praktikum besprechen", "Rückmeldung einholen", "Kontakt halten"]


def top_up(app: Flask, *, users: int, open_total: int, seed_value: int = 4) -> dict[str, int]:
    """Add people up to `users`, spread employer ownership over them, and open follow-ups up to `open_total`."""
    from crm.auth.models import Role, User
    from crm.auth.services import hash_password
    from crm.employers.models import Employer, Stage
    from crm.extensions import db
    from crm.followups.models import FollowUp, FollowUpStatus, Priority
    from crm.followups.services import ASSIGNABLE_ROLES
    from crm.followups.workdays import local_today

    rng = random.Random(seed_value)
    with app.app_context():
        holders = list(db.session.scalars(select(User.id).where(User.role.in_(ASSIGNABLE_ROLES), User.active)))
        missing = users - len(holders)
        if missing > 0:
            password = hash_password(BENCH_PASSWORD)  # one hash for all: creating users is not what is measured
            now = datetime.now(UTC)
            start = db.session.scalar(select(func.count()).select_from(User))
            rows = [
                {
                    "email": f"person{start + i}{MARK}",
                    "name": f"Person {start + i}",
                    "role": (Role.ACQUISITION if i % 3 else Role.COACH).value,
                    "password_hash": password,
                    "language": "de" if i % 10 else "en",
                    "active": True,
                    "session_token": f"bench-{start + i}-{rng.getrandbits(64):x}",
                    "created_at": now,
                }
                for i in range(missing)
            ]
            with db.engine.begin() as connection:
                bulk_insert(connection, User.__table__, rows)
            holders = list(db.session.scalars(select(User.id).where(User.role.in_(ASSIGNABLE_ROLES), User.active)))
        holders = holders[:users]

        employers = (
            db.session.execute(
                select(Employer.id)
                .join(Stage, Stage.id == Employer.stage_id)
                .where(Employer.archived_at.is_(None), Stage.blocks_contact.is_(False))
                .order_by(Employer.id)
            )
            .scalars()
            .all()
        )
        with db.engine.begin() as connection:
            for index, employer_id in enumerate(employers):
                connection.execute(
                    update(Employer.__table__)
                    .where(Employer.__table__.c.id == employer_id)
                    .values(owner_id=holders[index % len(holders)])
                )
        existing = db.session.scalar(
            select(func.count()).select_from(FollowUp).where(FollowUp.status == FollowUpStatus.OPEN)
        )
        today = local_today()
        now = datetime.now(UTC)
        rows = []
        for i in range(max(0, open_total - existing)):
            owner = holders[i % len(holders)]
            rows.append(
                {
                    "employer_id": rng.choice(employers),
                    "assigned_to_id": owner,
                    "created_by_id": owner,
                    "title": rng.choice(TITLES),
                    "note": "Bitte vorher die Notizen lesen." if rng.random() < 0.3 else None,
                    "due_date": today + timedelta(days=rng.randint(-30, 90)),
                    "due_time": None,
                    "priority": rng.choice([Priority.NORMAL, Priority.NORMAL, Priority.HIGH, Priority.LOW]).value,
                    "status": FollowUpStatus.OPEN.value,
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
            )
        with db.engine.begin() as connection:
            added = bulk_insert(connection, FollowUp.__table__, rows)
        db.session.remove()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE" if connection.dialect.name == "postgresql" else "ANALYZE")
        return {"holders": len(holders), "followups_added": added}


class Sink:
    """An SMTP server on loopback that only counts what it receives."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.count = 0
        self.lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
                with sink.lock:
                    sink.count += 1
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "Sink":
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


def time_digest(app: Flask) -> dict[str, float]:
    """Run the digest job for everyone from an empty outbox; return seconds and counts."""
    from crm.extensions import db
    from crm.followups.jobs import queue_due_digests
    from crm.followups.models import DigestRun
    from crm.mail import OutboxMessage, deliver_due_messages

    with Sink() as sink, app.app_context():
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port, MAIL_USE_TLS=False, MAIL_SUPPRESS_SEND=False)
        db.session.execute(delete(DigestRun))
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.kind == "digest"))
        db.session.commit()
        started = time.perf_counter()
        report = queue_due_digests(ignore_time=True, any_day=True)
        queued_at = time.perf_counter()
        delivery = deliver_due_messages(limit=10_000)
        finished = time.perf_counter()
        db.session.remove()
        return {
            "users": len(report.outcomes),
            "queued": report.queued,
            "sent": delivery.sent,
            "received": sink.count,
            "queue_s": queued_at - started,
            "deliver_s": finished - queued_at,
            "total_s": finished - started,
        }


def time_pages(app: Flask, *, repeat: int, warmup: int) -> list[tuple[str, int, int, float, float]]:
    """Median and p95 of the follow-up pages, as a person with an average share and as the admin."""
    import re

    from crm.auth.models import Role, User
    from crm.extensions import db
    from crm.followups.models import FollowUp, FollowUpStatus

    with app.app_context():
        person = db.session.execute(
            select(User.email, func.count(FollowUp.id))
            .join(FollowUp, FollowUp.assigned_to_id == User.id)
            .where(FollowUp.status == FollowUpStatus.OPEN, User.email.like(f"%{MARK}"))
            .group_by(User.id)
            .order_by(func.count(FollowUp.id).desc())
            .limit(1)
        ).first()
        admin = db.session.scalar(select(User.email).where(User.role == Role.ADMIN).limit(1))
    results = []
    for label, email, url in (
        (f"/followups/ (mine, {person[1]} open)", person[0], "/followups/"),
        ("/followups/?show=later (all later)", person[0], "/followups/?show=later"),
        ("/followups/?scope=team (admin, all)", admin, "/followups/?scope=team"),
    ):
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
        client.post("/login", data={"email": email, "password": BENCH_PASSWORD, "csrf_token": token})
        for _ in range(warmup):
            client.get(url)
        samples, status = [], 0
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(url)
            response.get_data()
            samples.append((time.perf_counter() - started) * 1000)
            status = response.status_code
        size = len(response.get_data())
        results.append((label, status, size, statistics.median(samples), p95(samples)))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.followups", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL, help=f"default: {DEFAULT_URL}")
    parser.add_argument("--users", type=int, default=200, help="people holding follow-ups (default 200)")
    parser.add_argument("--open", type=int, default=50_000, help="open follow-ups in all (default 50,000)")
    parser.add_argument("--scale", type=float, default=1.0, help="bench.seed scale when the database is empty")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page (default 30)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--check", action="store_true", help="exit with status 1 when over budget")
    parser.add_argument(
        "--freeze-gc",
        action="store_true",
        help="gc.freeze() before the page timings, as a server that freezes its start-up objects does",
    )
    args = parser.parse_args(argv)

    app = create_bench_app(args.database_url)
    app.config["DIGEST_WEEKDAYS"] = [0, 1, 2, 3, 4, 5, 6]
    if not is_seeded(app):
        print(f"Seeding {args.database_url} (scale {args.scale}); this takes a minute once.")
        seed(app, scale=args.scale)
    added = top_up(app, users=args.users, open_total=args.open)
    with app.app_context():
        from crm.extensions import db
        from crm.followups.models import FollowUp, FollowUpStatus

        open_count = db.session.scalar(
            select(func.count()).select_from(FollowUp).where(FollowUp.status == FollowUpStatus.OPEN)
        )
        database = f"{db.engine.dialect.name} {db.engine.dialect.server_version_info or ''}".strip()
    print(f"database: {database}   people with follow-ups: {added['holders']}   open follow-ups: {open_count:,}")
    digest = time_digest(app)
    digest_ok = digest["total_s"] < DIGEST_BUDGET_S and digest["received"] == digest["queued"]
    print(
        f"digest job: {digest['users']} users, {digest['queued']} queued, {digest['sent']} sent, "
        f"{digest['received']} received by the sink in {digest['total_s']:.2f} s "
        f"(queue {digest['queue_s']:.2f} s, deliver {digest['deliver_s']:.2f} s)  "
        f"{'ok' if digest_ok else 'OVER BUDGET'} (budget {DIGEST_BUDGET_S:.0f} s)"
    )
    print()
    print(f"{'page':<44} {'status':>6} {'kB':>6} {'median ms':>10} {'p95 ms':>8}  verdict")
    print("-" * 86)
    pages_ok = True
    if args.freeze_gc:
        gc.collect()
        gc.freeze()
    for label, status, size, median, high in time_pages(app, repeat=args.repeat, warmup=args.warmup):
        ok = status == 200 and high < BUDGET_MS
        pages_ok &= ok
        print(
            f"{label:<44} {status:>6} {size / 1024:>6.0f} {median:>10.1f} {high:>8.1f}  {'ok' if ok else 'OVER BUDGET'}"
        )
    return 1 if args.check and not (digest_ok and pages_ok) else 0


if __name__ == "__main__":
    sys.exit(main())
