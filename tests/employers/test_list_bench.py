"""The benchmark's data generator and runner work (on a tiny scale, in their own SQLite file)."""

from sqlalchemy import func, select, text

from bench import run, seed


def test_seed_makes_consistent_data_and_the_runner_times_every_page(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    app = seed.create_bench_app(url)
    assert not seed.is_seeded(app)

    counts = seed.seed(app, scale=0.005, log=lambda *_: None)

    assert counts["employers"] == 100 and counts["contacts"] == 300 and counts["activities"] == 1500
    assert seed.is_seeded(app)
    from crm.activities.models import Activity
    from crm.employers.models import Employer
    from crm.extensions import db

    with app.app_context():
        # last_contact_at is the newest non-archived activity, as the activity services keep it.
        newest = (
            select(func.max(Activity.occurred_at))
            .where(Activity.employer_id == Employer.id, Activity.archived_at.is_(None))
            .scalar_subquery()
        )
        mismatches = db.session.scalar(
            select(func.count())
            .select_from(Employer)
            .where(func.coalesce(Employer.last_contact_at, 0) != func.coalesce(newest, 0))
        )
        assert mismatches == 0
        assert db.session.scalar(text("SELECT count(*) FROM employer_search")) == 100
        assert (
            db.session.scalar(
                text("SELECT count(*) FROM employer_search_fts WHERE employer_search_fts MATCH 'praktikum*'")
            )
            > 0
        )
        # New rows after seeding still get ids and search documents (sequences and triggers are back).
        db.session.execute(
            text(
                "INSERT INTO activities (employer_id, kind, occurred_at, subject, created_at, updated_at) "
                "VALUES (1, 'call', '2026-01-01 10:00:00', 'Zirkusbesuch', '2026-01-01', '2026-01-01')"
            )
        )
        db.session.commit()
        assert (
            db.session.scalar(
                text("SELECT count(*) FROM employer_search_fts WHERE employer_search_fts MATCH 'zirkusbesuch'")
            )
            == 1
        )

    assert run.main(["--database-url", url, "--repeat", "2", "--warmup", "0"]) == 0
    table = capsys.readouterr().out
    for label in ("/employers page 1", "/employers?q=praktikum", "/employers three filters", "/pipeline"):
        assert label in table
    assert "activities)" in table  # the employer page with the most activities
    assert "HTTP 500" not in table


def test_p95_is_the_nearest_rank():
    assert run.p95(list(range(1, 101))) == 95
    assert run.p95([5.0]) == 5.0
    assert run.p95([1, 2, 3, 4, 100]) == 100
