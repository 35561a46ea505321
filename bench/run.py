"""Time the heavy pages against a seeded database and print median and p95 server time.

    python -m bench.run [--database-url URL] [--repeat 30]

Without --database-url the run uses bench/out/bench.sqlite3 and seeds it first when it is empty.
Every page is requested through the Flask test client (logged in as the bench admin) in this one
process: a few warm-up requests, then --repeat timed ones. The budget is p95 < 150 ms per page.
"""

import argparse
import gc
import os
import re
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import event, func, select

from bench.seed import BENCH_PASSWORD, BENCH_USER_EMAIL, DEFAULT_SQLITE_URL, create_bench_app, is_seeded, seed

BUDGET_MS = 150.0
# A word that many activity texts contain ("Praktikum" is in several summaries and outcomes).
COMMON_WORD = "praktikum"


@dataclass
class Case:
    label: str
    url: str | None
    note: str = ""


@dataclass
class Result:
    case: Case
    median_ms: float | None = None
    p95_ms: float | None = None
    cpu_ms: float | None = None
    queries: int | None = None
    status: int | None = None


def p95(samples: Sequence[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(samples)
    return ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]


def _login(app: Flask):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    response = client.post(
        "/login",
        data={"email": BENCH_USER_EMAIL, "password": BENCH_PASSWORD, "csrf_token": token.group(1) if token else ""},
    )
    if response.status_code != 302:
        raise SystemExit(
            f"login as {BENCH_USER_EMAIL} failed ({response.status_code}); was the database seeded by bench.seed?"
        )
    return client


def cases(app: Flask) -> list[Case]:
    """The pages of the issue, with parameters taken from the data (three common filter values)."""
    from crm.activities.models import Activity
    from crm.employers.models import Employer, Stage
    from crm.extensions import db

    views = app.view_functions
    with app.app_context():
        district = db.session.scalar(
            select(Employer.district).group_by(Employer.district).order_by(func.count().desc()).limit(1)
        )
        stage_key = db.session.scalar(select(Stage.key).where(Stage.key == "talks")) or "lead"
        busiest = db.session.execute(
            select(Activity.employer_id, func.count())
            .group_by(Activity.employer_id)
            .order_by(func.count().desc())
            .limit(1)
        ).first()
    filters = f"stage={stage_key}&district={district}&no_contact_days=30"
    result = [
        Case("/employers page 1", "/employers"),
        Case(f"/employers?q={COMMON_WORD}", f"/employers?q={COMMON_WORD}"),
        Case("/employers three filters", f"/employers?{filters}"),
    ]
    if "employers.detail" in views and busiest:
        result.append(Case(f"/employers/<id> ({busiest[1]} activities)", f"/employers/{busiest[0]}"))
    else:
        result.append(Case("/employers/<id> (most activities)", None, "skipped: no employer page yet"))
    if "employers.pipeline" in views:
        result.append(Case("/pipeline", "/pipeline"))
    else:
        result.append(Case("/pipeline", None, "skipped: no pipeline page yet"))
    return result


def measure(app: Flask, case: Case, *, repeat: int, warmup: int) -> Result:
    """Warm up, then time `repeat` requests; also count the SQL statements of one request."""
    from crm.extensions import db

    result = Result(case)
    if case.url is None:
        return result
    client = _login(app)
    for _ in range(warmup):
        client.get(case.url)
    statements: list[str] = []

    def count(*_args: Any) -> None:
        statements.append("x")

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    response = client.get(case.url)
    event.remove(engine, "before_cursor_execute", count)
    result.status, result.queries = response.status_code, len(statements)
    samples, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(case.url)
        response.get_data()
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    result.median_ms, result.p95_ms, result.cpu_ms = statistics.median(samples), p95(samples), statistics.median(cpu)
    return result


def render_table(results: list[Result], *, database: str, repeat: int) -> str:
    """The results as a plain-text table (wall time is the budget; CPU is this process's share)."""
    load = " ".join(f"{value:.1f}" for value in os.getloadavg())
    lines = [
        f"database: {database}   requests per page: {repeat}   budget: p95 < {BUDGET_MS:.0f} ms   load: {load}",
        "",
        f"{'page':<40} {'status':>6} {'queries':>7} {'median ms':>9} {'p95 ms':>7} {'cpu ms':>7}  verdict",
        "-" * 90,
    ]
    for result in results:
        if result.median_ms is None:
            lines.append(f"{result.case.label:<40} {'':>6} {'':>7} {'':>9} {'':>7} {'':>7}  {result.case.note}")
            continue
        verdict = "ok" if result.p95_ms < BUDGET_MS else "OVER BUDGET"
        if result.status != 200:
            verdict = f"HTTP {result.status}"
        lines.append(
            f"{result.case.label:<40} {result.status:>6} {result.queries:>7} {result.median_ms:>9.1f} "
            f"{result.p95_ms:>7.1f} {result.cpu_ms:>7.1f}  {verdict}"
        )
    lines.append("")
    lines.append("median/p95: wall time per request; cpu: this process's CPU time (Python side, without the")
    lines.append("database server's); a busy machine (load above the core count) inflates wall time.")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None, help=f"default: {DEFAULT_SQLITE_URL} (seeded when empty)")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per page first (default 3)")
    parser.add_argument("--scale", type=float, default=1.0, help="scale when the default database is seeded")
    parser.add_argument("--check", action="store_true", help="exit with status 1 when a page is over budget")
    parser.add_argument(
        "--freeze-gc",
        action="store_true",
        help="gc.freeze() after start-up, as a server that freezes its start-up objects does (fewer GC pauses)",
    )
    args = parser.parse_args(argv)

    url = args.database_url or DEFAULT_SQLITE_URL
    app = create_bench_app(url)
    if not is_seeded(app):
        if args.database_url:
            raise SystemExit(f"{url} has no data: run python -m bench.seed --database-url {url} first.")
        print(f"Seeding {url} (scale {args.scale}); this takes a minute once.")
        seed(app, scale=args.scale)
    page_cases = cases(app)
    if args.freeze_gc:
        gc.collect()
        gc.freeze()
    results = [measure(app, case, repeat=args.repeat, warmup=args.warmup) for case in page_cases]
    with app.app_context():
        from crm.extensions import db

        database = f"{db.engine.dialect.name} {db.engine.dialect.server_version_info or ''}".strip()
    print(render_table(results, database=database, repeat=args.repeat))
    over = [r for r in results if r.p95_ms is not None and (r.p95_ms >= BUDGET_MS or r.status != 200)]
    return 1 if args.check and over else 0


if __name__ == "__main__":
    sys.exit(main())
