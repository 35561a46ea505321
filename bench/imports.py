"""Import benchmark: preview and commit of a 10,000-row CSV against a database that already has employers.

    .venv/bin/python bench/imports.py [--rows 10000] [--existing 20000] [--database-url URL]

Budget (issue 7, SQLite, 2 cores): preview < 10 s, commit < 20 s. The script builds a fresh SQLite
database in a temporary folder unless --database-url is given (that database is emptied first!).
"""

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.data import FIRST_NAMES, LAST_NAMES  # noqa: E402

TRADES = [
    "Bäckerei",
    "Gärtnerei",
    "Tischlerei",
    "Malerbetrieb",
    "Pflegedienst",
    "Hotel",
    "Café",
    "Autohaus",
    "Elektro",
    "Friseur",
    "Spedition",
    "Kita",
    "Reinigung",
    "Getränkemarkt",
    "Druckerei",
    "Metallbau",
    "Landschaftsbau",
    "Praxis",
    "Apotheke",
    "Buchhandlung",
    "Schlosserei",
    "Kantine",
    "Logistik",
    "Werkstatt",
]
# Surnames and first names as the main benchmark uses them (bench.data), mixed like messy real lists.
NAMES = LAST_NAMES + FIRST_NAMES
PLACES = [
    "Altona",
    "Ottensen",
    "Eimsbüttel",
    "Barmbek",
    "Wandsbek",
    "Harburg",
    "Bergedorf",
    "Winterhude",
    "Eppendorf",
    "St. Pauli",
    "Bahrenfeld",
    "Lurup",
    "Rahlstedt",
    "Billstedt",
    "Wilhelmsburg",
    "Niendorf",
]
FORMS = ["GmbH", "e.K.", "GmbH & Co. KG", "", "", "KG", "gGmbH", "UG (haftungsbeschränkt)"]


def company(rng: random.Random, n: int) -> tuple[str, str]:
    name = f"{rng.choice(TRADES)} {rng.choice(NAMES)} {rng.choice(PLACES)} {n}"
    return name, f"{rng.randint(20000, 22999):05d}"


def make_csv(path: Path, rows: int, existing: list[tuple[str, str]], rng: random.Random) -> None:
    lines = ["Firma;Rechtsform;Straße;PLZ;Ort;Telefon;E-Mail;Anrede;Vorname;Ansprechpartner;Letzter Kontakt;Bemerkung"]
    for i in range(rows):
        if existing and i % 20 == 0:  # 5 % of the rows are already in the CRM
            name, postcode = rng.choice(existing)
        else:
            name, postcode = company(rng, 100000 + i)
        bad = "2276" + "x" if i % 97 == 0 else postcode
        lines.append(
            f"{name};{rng.choice(FORMS)};Hauptstraße {i % 200 + 1};{bad};Hamburg;040 {rng.randint(100000, 999999)};"
            f"info{i}@example.org;{rng.choice(['Frau', 'Herr', ''])};Kim;{rng.choice(NAMES)};"
            f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(2018, 2024)};Notiz {i}"
        )
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8"))


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="crm-bench-imports-"))
    try:
        run_benchmark(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # the database and the upload of up to 10,000 rows


def run_benchmark(folder: Path) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--existing", type=int, default=20000)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    import os

    os.environ["CRM_INSTANCE_PATH"] = str(folder)
    from sqlalchemy import insert

    from crm import create_app
    from crm.employers.models import Employer
    from crm.employers.normalize import normalize_name
    from crm.employers.services import stage_by_key
    from crm.extensions import db
    from crm.imports import services
    from crm.imports.commit import commit_import
    from crm.imports.fields import guess_mapping
    from crm.seeds import seed_catalogues

    url = args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    app = create_app("development", {"DATABASE_URL": url, "TESTING": True})
    rng = random.Random(7)
    with app.test_request_context():
        db.drop_all()
        db.create_all()
        seed_catalogues()
        db.session.commit()
        stage = stage_by_key("lead")
        existing = [company(rng, n) for n in range(args.existing)]
        rows = [
            {"name": n, "normalized_name": normalize_name(n), "postcode": p, "city": "Hamburg", "stage_id": stage.id}
            for n, p in existing
        ]
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(Employer), rows[start : start + 5000])
        db.session.commit()

        csv_path = folder / "liste.csv"
        make_csv(csv_path, args.rows, existing, rng)
        started = time.perf_counter()
        run = services.store_upload(filename="liste.csv", data=csv_path.read_bytes(), actor=None)
        preview = services.preview_import(run=run, mapping=guess_mapping(run.headers))
        db.session.commit()
        preview_seconds = time.perf_counter() - started

        started = time.perf_counter()
        result = commit_import(run=run, decisions={}, actor=None)
        db.session.commit()
        commit_seconds = time.perf_counter() - started
        backend = db.engine.url.get_backend_name()

    print(f"database: {backend}, existing employers: {args.existing}, rows: {args.rows}")
    print(
        f"preview: {preview_seconds:6.2f} s  (new {preview.count('new')}, duplicates {preview.count('duplicate')}, "
        f"errors {preview.count('error')})   budget 10 s"
    )
    print(f"commit:  {commit_seconds:6.2f} s  (created {result.created}, skipped {result.skipped})   budget 20 s")


if __name__ == "__main__":
    main()
