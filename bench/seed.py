"""Fill a database with realistic synthetic data for the benchmark.

    python -m bench.seed --scale 1.0 --database-url sqlite:///bench/out/bench.sqlite3

Scale 1.0 is 20,000 employers, 60,000 contacts and 300,000 activities (plus stage changes, tags and
follow-ups), in Hamburg districts with German names. Rows go in with bulk Core inserts (COPY on
PostgreSQL); the search triggers are detached meanwhile and the index is built once at the end.
The database must be empty (or pass --reset to drop everything first).
"""

import argparse
import random
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Table, func, insert, inspect, select, text
from sqlalchemy.engine import Connection

from bench import data

BENCH_PASSWORD = "Bench-Passwort-2026"
BENCH_USER_EMAIL = "bench-admin@example.org"
OUT_DIR = Path(__file__).parent / "out"
DEFAULT_SQLITE_URL = f"sqlite:///{OUT_DIR / 'bench.sqlite3'}"

EMPLOYERS_PER_SCALE = 20_000
CONTACTS_PER_SCALE = 60_000
ACTIVITIES_PER_SCALE = 300_000
# The one long-standing partner with the longest history (the employer page's worst case).
TOP_EMPLOYER_ACTIVITIES = 800
BATCH = 5_000

# Stage key -> (share of employers, mean activity weight); shares sum to 1.
STAGE_MIX = {
    "lead": (0.30, 0.3),
    "first_contact": (0.18, 1.0),
    "talks": (0.12, 2.0),
    "offer": (0.06, 2.5),
    "trial": (0.04, 3.0),
    "cooperation": (0.12, 4.0),
    "dormant": (0.10, 1.5),
    "declined": (0.06, 1.0),
    "do_not_contact": (0.02, 0.8),
}
STAGE_PATH = ["lead", "first_contact", "talks", "offer", "trial", "cooperation"]
ARCHIVED_SHARE = 0.03
KIND_WEIGHTS = {"call": 35, "email": 25, "visit": 12, "meeting": 10, "event": 4, "letter": 4, "note": 10}


def create_bench_app(database_url: str) -> Flask:
    """The app on `database_url`, in the development settings (no secret needed, no mail sent)."""
    from crm import create_app

    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    # The bench logs in as an admin with the password alone: it measures pages, not the two-factor login.
    return create_app(
        "development",
        {
            "DATABASE_URL": database_url,
            "SERVER_NAME": None,
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
            "REQUIRE_2FA_FOR_ADMINS": False,
        },
    )


def is_seeded(app: Flask) -> bool:
    """Has this database got the benchmark data (employers and the bench user)?"""
    from crm.extensions import db

    with app.app_context():
        if not inspect(db.engine).has_table("employers"):
            return False
        with db.engine.connect() as connection:
            return bool(connection.scalar(text("SELECT count(*) FROM employers")))


@dataclass
class Generated:
    """Rows per table, in insert order."""

    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    activities: Iterator[dict[str, Any]] = iter(())

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.tables.setdefault(table, []).append(row)


def _split_total(rng: random.Random, weights: Sequence[float], total: int) -> list[int]:
    """Integer counts proportional to `weights` (with noise) that add up to exactly `total`."""
    noisy = [w * rng.expovariate(1.0) for w in weights]
    scale = total / (sum(noisy) or 1)
    counts = [int(w * scale) for w in noisy]
    candidates = [i for i, w in enumerate(weights) if w > 0]
    for index in rng.choices(candidates, k=total - sum(counts)):
        counts[index] += 1
    return counts


def generate(*, scale: float, seed: int, now: datetime, ids: dict[str, Any]) -> Generated:
    """Build every row in memory: employers, tags, contacts, activities, stage changes, follow-ups."""
    rng = random.Random(seed)
    out = Generated()
    n_employers = max(int(EMPLOYERS_PER_SCALE * scale), 10)
    n_contacts = max(int(CONTACTS_PER_SCALE * scale), n_employers)
    n_activities = max(int(ACTIVITIES_PER_SCALE * scale), n_employers)
    stage_keys = list(STAGE_MIX)
    stage_weights = [STAGE_MIX[key][0] for key in stage_keys]
    industries: dict[str, int] = ids["industries"]
    industry_names = [name for name in data.FIRM_PATTERNS if name in industries]
    owners: list[int] = ids["owners"]
    all_users: list[int] = ids["users"]
    sites: list[int] = ids["sites"]
    from crm.employers.normalize import normalize_name

    employers = []
    for employer_id in range(1, n_employers + 1):
        stage_key = rng.choices(stage_keys, weights=stage_weights)[0]
        industry = rng.choice(industry_names)
        last = rng.choice(data.LAST_NAMES)
        name = rng.choice(data.FIRM_PATTERNS[industry]).format(
            last=last,
            first=rng.choice(data.FIRST_NAMES),
            place=rng.choice(data.PLACES),
            animal=rng.choice(data.ANIMALS),
        )
        legal_form = rng.choice(data.LEGAL_FORMS)
        district, postcode = rng.choice(data.DISTRICTS)
        created_at = now - timedelta(days=rng.uniform(5, 6 * 365))
        slug = normalize_name(name).replace(" ", "-")[:40] or "firma"
        employers.append(
            {
                "id": employer_id,
                "name": f"{name} {legal_form}" if legal_form else name,
                "normalized_name": normalize_name(name),
                "legal_form": legal_form,
                "industry_id": industries[industry],
                "street": f"{rng.choice(data.STREETS)} {rng.randint(1, 180)}",
                "postcode": postcode,
                "city": "Hamburg",
                "district": district,
                "phone": f"040 {rng.randint(200000, 9999999)}",
                "email": f"kontakt@{slug}.example.org",
                "website": f"https://www.{slug}.example.org",
                "notes": rng.choice(data.NOTES),
                "source": rng.choices(
                    ["cold", "network", "referral", "job_posting", "duoday", "event", "inbound", "other"],
                    weights=[30, 20, 15, 8, 7, 8, 8, 4],
                )[0],
                "owner_id": rng.choice(owners) if rng.random() < 0.92 else None,
                "site_id": rng.choice(sites),
                "stage_id": ids["stages"][stage_key],
                "stage_changed_at": created_at,
                "last_contact_at": None,
                "created_at": created_at,
                "updated_at": created_at,
                "version": 1,
                "archived_at": now - timedelta(days=rng.uniform(1, 300)) if rng.random() < ARCHIVED_SHARE else None,
                "_stage": stage_key,
            }
        )

    # Tags: most employers have none, some one to three.
    for employer in employers:
        for tag_id in rng.sample(ids["tags"], k=rng.choices([0, 1, 2, 3], weights=[55, 25, 14, 6])[0]):
            out.add("employer_tags", {"employer_id": employer["id"], "tag_id": tag_id})

    # Contacts: one to several per employer, exactly n_contacts in all.
    contact_counts = _split_total(rng, [1.0] * n_employers, n_contacts - n_employers)
    contacts_by_employer: dict[int, list[int]] = {}
    contact_id = 0
    for employer, extra in zip(employers, contact_counts, strict=True):
        for position in range(1 + extra):
            contact_id += 1
            first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES)
            contacts_by_employer.setdefault(employer["id"], []).append(contact_id)
            out.add(
                "contacts",
                {
                    "id": contact_id,
                    "employer_id": employer["id"],
                    "salutation": rng.choice(["ms", "mr", "none"]),
                    "first_name": first,
                    "last_name": last,
                    "function": rng.choice(data.FUNCTIONS),
                    "phone": f"040 {rng.randint(200000, 9999999)}",
                    "email": f"{first.lower()}.{last.lower()}@example.org".encode("ascii", "ignore").decode(),
                    "is_primary": position == 0,
                    "has_left": rng.random() < 0.08,
                    "do_not_contact": rng.random() < 0.02,
                    "data_source": rng.choice(["Visitenkarte", "Website", "Telefonat", "Messe", "Empfehlung"]),
                    "created_at": employer["created_at"],
                    "updated_at": employer["created_at"],
                    "version": 1,
                    "archived_at": now - timedelta(days=rng.uniform(1, 200)) if rng.random() < 0.03 else None,
                },
            )

    # Activities: many for partners, few for leads; one partner with a long history. Generated lazily
    # while inserting (300,000 dicts at once would cost more memory than the rest together).
    weights = [STAGE_MIX[employer["_stage"]][1] for employer in employers]
    top = next(e for e in employers if e["_stage"] == "cooperation" and e["archived_at"] is None)
    top["name"] = "Elbe-Logistik Hansen GmbH & Co. KG"
    top["normalized_name"] = normalize_name(top["name"])
    top_count = min(TOP_EMPLOYER_ACTIVITIES, n_activities // 2)
    weights[employers.index(top)] = 0
    activity_counts = _split_total(rng, weights, n_activities - top_count)
    activity_counts[employers.index(top)] = top_count
    out.activities = _activities(
        random.Random(seed + 1), employers, activity_counts, contacts_by_employer, all_users, now
    )

    # Stage history: the path from lead to the current stage.
    for employer in employers:
        stage_key = employer["_stage"]
        path = (
            STAGE_PATH[: STAGE_PATH.index(stage_key) + 1]
            if stage_key in STAGE_PATH
            else [
                *STAGE_PATH[: rng.randint(1, 3)],
                stage_key,
            ]
        )
        moment = employer["created_at"]
        previous = None
        for key in path:
            if previous is not None:
                moment = moment + (now - moment) * rng.uniform(0.1, 0.5)
                out.add(
                    "stage_changes",
                    {
                        "employer_id": employer["id"],
                        "from_stage_id": ids["stages"][previous],
                        "to_stage_id": ids["stages"][key],
                        "changed_by_id": rng.choice(owners),
                        "changed_at": moment,
                        "reason": "Kein Bedarf an Unterstützung" if key == "declined" else None,
                    },
                )
            previous = key
        employer["stage_changed_at"] = moment

    # Follow-ups, if that domain is installed: open ones for active employers, some done in the past.
    if ids.get("followups"):
        today = now.date()
        for employer in employers:
            if employer["archived_at"] is not None or employer["_stage"] in ("declined", "do_not_contact"):
                continue
            assignee = employer["owner_id"] or rng.choice(owners)
            if rng.random() < 0.4:
                out.add(
                    "followups",
                    _followup(rng, employer["id"], assignee, today + timedelta(days=rng.randint(-20, 60)), "open"),
                )
            if rng.random() < 0.3:
                out.add(
                    "followups",
                    _followup(rng, employer["id"], assignee, today - timedelta(days=rng.randint(30, 400)), "done"),
                )

    for employer in employers:
        del employer["_stage"]
    out.tables = {"employers": employers, **out.tables}
    return out


def _activities(
    rng: random.Random,
    employers: list[dict[str, Any]],
    counts: list[int],
    contacts_by_employer: dict[int, list[int]],
    users: list[int],
    now: datetime,
) -> Iterator[dict[str, Any]]:
    """Yield the activity rows: spread over each employer's lifetime, 2 % archived."""
    kinds = list(KIND_WEIGHTS)
    kind_weights = list(KIND_WEIGHTS.values())
    activity_id = 0
    for employer, count in zip(employers, counts, strict=True):
        span = (now - employer["created_at"]).total_seconds()
        contact_ids = contacts_by_employer[employer["id"]]
        for moment in sorted(employer["created_at"] + timedelta(seconds=rng.uniform(0, span)) for _ in range(count)):
            activity_id += 1
            kind = rng.choices(kinds, weights=kind_weights)[0]
            yield {
                "id": activity_id,
                "employer_id": employer["id"],
                "contact_id": rng.choice(contact_ids) if kind != "note" and rng.random() < 0.8 else None,
                "user_id": rng.choice(users),
                "kind": kind,
                "occurred_at": moment,
                "subject": rng.choice(data.SUBJECTS[kind]),
                "summary": rng.choice(data.SUMMARIES) if rng.random() < 0.85 else None,
                "outcome": rng.choice(data.OUTCOMES),
                "created_at": moment,
                "updated_at": moment,
                "archived_at": moment + timedelta(days=1) if rng.random() < 0.02 else None,
            }


def _followup(rng: random.Random, employer_id: int, assignee: int, due: date, status: str) -> dict[str, Any]:
    return {
        "employer_id": employer_id,
        "assigned_to_id": assignee,
        "created_by_id": assignee,
        "title": rng.choice(["Nachfassen", "Termin vereinbaren", "Praktikum besprechen", "Rückmeldung einholen"]),
        "due_date": due,
        "status": status,
        "priority": "normal",
        "done_at": datetime.combine(due, datetime.min.time(), tzinfo=UTC) if status == "done" else None,
        "version": 1,
    }


def bulk_insert(connection: Connection, table: Table, rows: Iterable[dict[str, Any]]) -> int:
    """Insert many rows fast: COPY on PostgreSQL, executemany in batches elsewhere. Return the count."""
    count = 0
    for batch in _batches(rows, BATCH):
        batch = _with_defaults(table, batch)
        if connection.dialect.name == "postgresql":
            _copy_rows(connection, table, batch)
        else:
            connection.execute(insert(table), batch)
        count += len(batch)
    return count


def _batches(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _with_defaults(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add the Python-side column defaults (COPY knows nothing of them); one value per batch is enough."""
    missing = {}
    for column in table.columns:
        default = column.default
        if column.name in rows[0] or default is None or column.primary_key:
            continue
        if default.is_scalar:
            missing[column.name] = default.arg
        elif default.is_callable:
            missing[column.name] = default.arg(None)  # crm.db.utcnow and friends ignore the context
    return [{**missing, **row} for row in rows] if missing else rows


def _copy_rows(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    columns = list(rows[0])
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([_plain(row[column]) for column in columns])


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") and not isinstance(value, str | int) else value


# Derived like crm.activities.services.refresh_last_contact: the newest non-archived activity.
LAST_CONTACT_SQL = """UPDATE employers SET last_contact_at = (
    SELECT max(a.occurred_at) FROM activities a WHERE a.employer_id = employers.id AND a.archived_at IS NULL)"""


def _reset_sequences(connection: Connection, tables: Iterable[str]) -> None:
    """After explicit ids, move PostgreSQL's id sequences past them."""
    if connection.dialect.name != "postgresql":
        return
    for name in tables:
        connection.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), coalesce((SELECT max(id) FROM {name}), 1))")
        )


def _catalogue_ids() -> dict[str, Any]:
    """Users, sites, tags and the seeded catalogues: the few rows made through the ORM."""
    from crm.auth.models import Role, User
    from crm.auth.services import create_user
    from crm.employers.models import Industry, Stage, Tag
    from crm.extensions import db
    from crm.seeds import seed_catalogues
    from crm.sites.models import Site

    seed_catalogues()
    for name in ("Standort Altona", "Standort Wandsbek", "Standort Harburg", "Standort Bergedorf"):
        if db.session.scalar(select(Site.id).where(Site.name == name)) is None:
            db.session.add(Site(name=name))
    for name in data.TAGS:
        if db.session.scalar(select(Tag.id).where(Tag.name == name)) is None:
            db.session.add(Tag(name=name))
    db.session.flush()
    rng = random.Random(7)
    people = [(BENCH_USER_EMAIL, "Bench Admin", Role.ADMIN)]
    people += [(f"akquise{i}@example.org", _person(rng), Role.ACQUISITION) for i in range(1, 11)]
    people += [(f"coach{i}@example.org", _person(rng), Role.COACH) for i in range(1, 13)]
    people += [(f"leitung{i}@example.org", _person(rng), Role.VIEWER) for i in range(1, 3)]
    for email, name, role in people:
        if db.session.scalar(select(User.id).where(User.email == email)) is None:
            create_user(email=email, name=name, role=role, password=BENCH_PASSWORD)
    db.session.commit()
    users = db.session.execute(select(User.id, User.role)).all()
    try:
        import crm.followups.models  # noqa: F401

        has_followups = True
    except ImportError:
        has_followups = False
    return {
        "stages": dict(db.session.execute(select(Stage.key, Stage.id)).all()),
        "industries": dict(db.session.execute(select(Industry.name, Industry.id)).all()),
        "sites": list(db.session.scalars(select(Site.id))),
        "tags": list(db.session.scalars(select(Tag.id))),
        "users": [user_id for user_id, _role in users],
        "owners": [user_id for user_id, role in users if role in (Role.ACQUISITION, Role.COACH)],
        "followups": has_followups,
    }


def _person(rng: random.Random) -> str:
    return f"{rng.choice(data.FIRST_NAMES)} {rng.choice(data.LAST_NAMES)}"


def seed(app: Flask, *, scale: float = 1.0, seed_value: int = 42, reset: bool = False, log=print) -> dict[str, int]:
    """Create the schema if needed and fill it; return the row count per table."""
    from crm.employers.search import drop_search_schema, install_search_schema
    from crm.extensions import db

    started = time.perf_counter()
    with app.app_context():
        if reset:
            db.drop_all()
        db.create_all()
        if db.session.scalar(select(func.count()).select_from(db.metadata.tables["employers"])):
            raise SystemExit("The database has employers already; use --reset to start afresh.")
        now = datetime.now(UTC)
        generated = generate(scale=scale, seed=seed_value, now=now, ids=_catalogue_ids())
        db.session.remove()
        counts = {}
        with db.engine.begin() as connection:
            # Without the triggers every activity would rewrite its employer's search document.
            drop_search_schema(connection)
            order = ["employers", "employer_tags", "contacts", "activities", "stage_changes", "followups"]
            tables = [
                (name, generated.activities if name == "activities" else generated.tables.get(name, []))
                for name in order
            ]
            for name, rows in tables:
                t0 = time.perf_counter()
                counts[name] = bulk_insert(connection, db.metadata.tables[name], rows)
                log(f"  {name:<15} {counts[name]:>9,} rows  {time.perf_counter() - t0:6.1f} s")
            connection.execute(text(LAST_CONTACT_SQL))
            _reset_sequences(connection, ["employers", "contacts", "activities"])
            t0 = time.perf_counter()
            install_search_schema(connection)
            log(f"  search index    {counts['employers']:>9,} docs  {time.perf_counter() - t0:6.1f} s")
        # Fresh statistics (and on PostgreSQL the visibility map, for index-only counts), as a database
        # that has been in use for a while has them.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE" if connection.dialect.name == "postgresql" else "ANALYZE"))
    log(f"seeded in {time.perf_counter() - started:.1f} s")
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.seed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 20,000 employers (default)")
    parser.add_argument("--database-url", default=DEFAULT_SQLITE_URL, help=f"default: {DEFAULT_SQLITE_URL}")
    parser.add_argument("--seed", type=int, default=42, help="random seed (same seed, same data)")
    parser.add_argument("--reset", action="store_true", help="drop every table first")
    args = parser.parse_args(argv)
    app = create_bench_app(args.database_url)
    seed(app, scale=args.scale, seed_value=args.seed, reset=args.reset)
    print(f"Log in as {BENCH_USER_EMAIL} with the password {BENCH_PASSWORD}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
