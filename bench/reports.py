"""Time the dashboard and every report against the benchmark data and print median and p95 server time.

    python -m bench.reports [--database-url URL] [--repeat 30] [--scale 1.0] [--check]

Without --database-url the run uses bench/out/reports.sqlite3 and fills it first when it is empty:
bench.seed's employers, contacts, activities, stage changes and follow-ups (scale 1.0 = 20,000
employers, 300,000 activities), plus placements with their phases, DuoDay events with participations,
job postings and the quota settings added here. Each report is timed for the default period (the
last twelve months) and for ten years. Budget (issue 8): p95 < 300 ms per page on SQLite.
"""

import argparse
import random
import statistics
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from flask import Flask
from sqlalchemy import func, insert, select

from bench.run import Case, Result, measure
from bench.seed import create_bench_app, is_seeded, seed

BUDGET_MS = 300.0
DEFAULT_URL = f"sqlite:///{Path(__file__).parent / 'out' / 'reports.sqlite3'}"
PLACEMENTS_PER_SCALE = 3_000
PARTICIPATIONS_PER_SCALE = 2_000
POSTINGS_PER_SCALE = 1_500
REPORT_KEYS = ("funnel", "sources", "activity", "duoday", "placements", "quota")


def add_report_data(app: Flask, *, scale: float, seed_value: int = 8) -> dict[str, int]:
    """Placements (with phases), DuoDay events and participations, postings and the quota settings."""
    from crm.duoday.models import DuoDayEvent, DuoDayParticipation
    from crm.employers.models import Employer
    from crm.extensions import db
    from crm.placements.models import Placement, PlacementOutcome, PlacementPhase, PlacementType
    from crm.postings.models import JobPosting
    from crm.reports.models import QuotaSettings

    rng = random.Random(seed_value)
    today = date.today()
    with app.app_context():
        if db.session.scalar(select(func.count()).select_from(Placement)):
            return {}
        employer_ids = list(db.session.scalars(select(Employer.id)))
        now = datetime.now(UTC)
        placements, phases = [], []
        types = list(PlacementType)
        for n in range(int(PLACEMENTS_PER_SCALE * scale)):
            start = today - timedelta(days=rng.randint(0, 6 * 365))
            kind = rng.choice(types)
            ended = rng.random() < 0.55
            end = start + timedelta(days=rng.randint(14, 700)) if ended else None
            if end and end > today:
                end, ended = None, False
            placements.append(
                {
                    "id": n + 1,
                    "employer_id": rng.choice(employer_ids),
                    "participant_ref": f"T{n:05d}",
                    "placement_type": kind.value,
                    "start_date": start,
                    "end_date": end,
                    "outcome": rng.choice(list(PlacementOutcome)).value if ended else None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            phases.append(
                {
                    "placement_id": n + 1,
                    "employer_id": placements[-1]["employer_id"],
                    "placement_type": kind.value,
                    "start_date": start,
                    "end_date": end,
                    "recorded_at": now,
                }
            )
        events, participations = [], []
        for year in range(today.year - 5, today.year + 1):
            for region in ("Hamburg", "Schleswig-Holstein", "Niedersachsen"):
                events.append(
                    {
                        "id": len(events) + 1,
                        "year": year,
                        "region": region,
                        "event_date": date(year, 5, 7),
                        "created_at": now,
                        "updated_at": now,
                    }
                )
        for _ in range(int(PARTICIPATIONS_PER_SCALE * scale)):
            participations.append(
                {
                    "event_id": rng.randint(1, len(events)),
                    "employer_id": rng.choice(employer_ids),
                    "status": rng.choice(["requested", "confirmed", "done", "done", "cancelled"]),
                    "outcome": rng.choice(["none", "none", "taster", "trial", "placement"]),
                    "created_at": now,
                    "updated_at": now,
                }
            )
        postings = [
            {
                "employer_id": rng.choice(employer_ids),
                "title": f"Stelle {n}",
                "posting_type": rng.choice(["individual", "group", "bfa", "taster"]),
                "status": rng.choice(["draft", "open", "filled", "closed"]),
                "places": 1,
                "created_at": now,
                "updated_at": now,
            }
            for n in range(int(POSTINGS_PER_SCALE * scale))
        ]
        db.session.remove()
        with db.engine.begin() as connection:
            connection.execute(insert(Placement.__table__), placements)
            connection.execute(insert(PlacementPhase.__table__), phases)
            connection.execute(insert(DuoDayEvent.__table__), events)
            connection.execute(insert(DuoDayParticipation.__table__), participations)
            connection.execute(insert(JobPosting.__table__), postings)
            connection.execute(
                insert(QuotaSettings.__table__),
                [
                    {
                        "workforce_size": 2400,
                        "outside_count": None,
                        "baseline_percent": Decimal("34.0"),
                        "baseline_date": date(today.year - 1, 1, 1),
                        "goal_percent": Decimal("40.0"),
                        "goal_year": today.year + 1,
                        "updated_at": now,
                    }
                ],
            )
    return {"placements": len(placements), "participations": len(participations), "postings": len(postings)}


def create_report_indexes(app: Flask) -> None:
    """The reports' covering indexes (crm.reports.models), for a database seeded before they existed."""
    from sqlalchemy import text

    from crm.extensions import db
    from crm.reports.models import ACTIVITY_MONTH_INDEX, REPORT_INDEXES

    with app.app_context():
        for index in REPORT_INDEXES:
            index.create(db.engine, checkfirst=True)
        with db.engine.begin() as connection:
            if connection.dialect.name == "sqlite":
                connection.execute(ACTIVITY_MONTH_INDEX)
            connection.execute(text("ANALYZE"))


def cases() -> list[Case]:
    ten_years = f"?start={date.today().year - 9}-01-01&end={date.today().isoformat()}"
    result = [Case("/ (dashboard)", "/")]
    for key in REPORT_KEYS:
        result.append(Case(f"/reports/{key}", f"/reports/{key}"))
        result.append(Case(f"/reports/{key} (10 years)", f"/reports/{key}{ten_years}"))
    result.append(Case("/reports/activity/by_month.csv", "/reports/activity/by_month.csv"))
    return result


def render_table(results: list[Result], *, database: str, repeat: int) -> str:
    lines = [
        f"database: {database}   requests per page: {repeat}   budget: p95 < {BUDGET_MS:.0f} ms",
        "",
        f"{'page':<40} {'status':>6} {'queries':>7} {'median ms':>10} {'p95 ms':>8}  verdict",
        "-" * 84,
    ]
    for r in results:
        verdict = (
            "ok"
            if r.status == 200 and r.p95_ms < BUDGET_MS
            else ("OVER BUDGET" if r.status == 200 else f"HTTP {r.status}")
        )
        lines.append(
            f"{r.case.label:<40} {r.status:>6} {r.queries:>7} {r.median_ms:>10.1f} {r.p95_ms:>8.1f}  {verdict}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reports", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL, help=f"default: {DEFAULT_URL} (filled when empty)")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per page first (default 3)")
    parser.add_argument("--scale", type=float, default=1.0, help="scale when the database is filled")
    parser.add_argument("--check", action="store_true", help="exit with status 1 when a page is over budget")
    args = parser.parse_args(argv)
    if args.database_url.startswith("sqlite:///"):
        Path(args.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    app = create_bench_app(args.database_url)
    if not is_seeded(app):
        seed(app, scale=args.scale)
    added = add_report_data(app, scale=args.scale)
    create_report_indexes(app)
    if added:
        print("added", ", ".join(f"{name} {count:,}" for name, count in added.items()))
    results = [measure(app, case, repeat=args.repeat, warmup=args.warmup) for case in cases()]
    print(render_table(results, database=app.config["SQLALCHEMY_DATABASE_URI"].split("@")[-1], repeat=args.repeat))
    print(f"overall median {statistics.median(r.median_ms for r in results):.1f} ms")
    over = [r for r in results if r.status != 200 or r.p95_ms >= BUDGET_MS]
    return 1 if args.check and over else 0


if __name__ == "__main__":
    sys.exit(main())
