"""Every report's figures on the hand-built data set (tests/reports/conftest.py), worked out by hand."""

from datetime import date

import pytest

from crm.activities.models import ActivityKind
from crm.duoday.models import ParticipationOutcome as O
from crm.duoday.models import ParticipationStatus as S
from crm.employers.models import EmployerSource
from crm.placements.models import PlacementOutcome, PlacementType
from crm.reports import pages, queries
from crm.reports.queries import Period

HALF_YEAR = Period(date(2026, 1, 1), date(2026, 6, 30))
TODAY = date(2026, 6, 15)


def funnel_by_key(period):
    return {row.stage.key: row for row in queries.funnel(period)}


def test_funnel_counts_reach_conversion_and_median_days(dataset):
    rows = funnel_by_key(HALF_YEAR)
    now = {key: row.now for key, row in rows.items() if row.now}
    assert now == {"cooperation": 2, "declined": 1, "first_contact": 1}
    reached = {key: row.reached for key, row in rows.items() if row.reached is not None}
    assert reached == {"lead": 4, "first_contact": 4, "talks": 2, "offer": 2, "trial": 2, "cooperation": 2}
    conversion = {key: row.conversion for key, row in rows.items() if row.conversion is not None}
    assert conversion == {"lead": 100.0, "first_contact": 50.0, "talks": 100.0, "offer": 100.0, "trial": 100.0}
    # lead stays 10, 12, 20, 4 days → median 11; first contact 15 and 10 → 12.5 (Gamma is still there)
    medians = {key: (round(row.median_days, 3), row.stays) for key, row in rows.items() if row.median_days is not None}
    assert medians == {
        "lead": (11.0, 4),
        "first_contact": (12.5, 2),
        "talks": (30.0, 2),
        "offer": (30.0, 1),
        "trial": (49.0, 1),
    }
    assert rows["declined"].reached is None


def test_funnel_site_filter_keeps_only_that_sites_employers(dataset):
    rows = funnel_by_key(Period(date(2026, 1, 1), date(2026, 6, 30), dataset.altona.id))
    assert {k: r.now for k, r in rows.items() if r.now} == {"cooperation": 1, "declined": 1}
    assert rows["lead"].reached == 2 and rows["talks"].reached == 1
    assert rows["first_contact"].conversion == 50.0
    assert rows["lead"].median_days == pytest.approx(11.0)  # Alpha 10, Beta 12


def test_funnel_period_before_the_data_is_empty(dataset):
    rows = queries.funnel(Period(date(2024, 1, 1), date(2024, 12, 31)))
    assert all(row.now == 0 and not row.reached and row.median_days is None for row in rows)


def test_sources_per_month_with_resulting_cooperations(dataset):
    rows = {(r.month, r.source): (r.new, r.cooperations) for r in queries.sources(HALF_YEAR)}
    assert rows == {
        ("2026-01", EmployerSource.COLD): (1, 1),
        ("2026-01", EmployerSource.REFERRAL): (1, 0),
        ("2026-02", EmployerSource.COLD): (1, 0),
        ("2026-02", EmployerSource.DUODAY): (1, 1),
    }


def test_sources_page_totals_and_rates(dataset, app):
    with app.test_request_context():
        page = pages.sources_page(HALF_YEAR, today=TODAY)
    assert page.table("by_source").rows == [
        ["Kaltakquise", 2, 1, 50.0],
        ["Weiterempfehlung", 1, 0, 0.0],
        ["DuoDay", 1, 1, 100.0],
    ]
    assert [f.value for f in page.figures] == [4, 2]


def test_activity_per_month_user_and_kind(dataset):
    rows = {(r.month, r.user_name, r.kind): r.count for r in queries.activity(HALF_YEAR)}
    assert rows == {
        ("2026-01", "Anna Acker", ActivityKind.CALL): 2,
        ("2026-01", "Anna Acker", ActivityKind.EMAIL): 1,
        ("2026-02", "Ben Bauer", ActivityKind.VISIT): 1,
        ("2026-02", "Ben Bauer", ActivityKind.CALL): 1,
    }
    site = Period(date(2026, 1, 1), date(2026, 6, 30), dataset.harburg.id)
    assert sum(r.count for r in queries.activity(site)) == 2


def test_activity_page_pivot_per_user(dataset, app):
    with app.test_request_context():
        page = pages.activity_page(HALF_YEAR, today=TODAY)
    table = page.table("by_user")
    assert table.columns == ["Benutzer*in", "Anruf", "E-Mail", "Besuch", "Gesamt"]
    assert table.rows == [["Anna Acker", 2, 1, 0, 3], ["Ben Bauer", 1, 0, 1, 2]]
    assert table.totals == ["Gesamt", 3, 1, 1, 5]


def test_duoday_per_year_status_outcome_and_conversion(dataset):
    years = {y.year: y for y in queries.duoday(Period(date(2025, 1, 1), date(2026, 12, 31)))}
    assert set(years) == {2025, 2026}
    y25, y26 = years[2025], years[2026]
    assert (y25.total, dict(y25.by_status)) == (3, {S.DONE: 2, S.CANCELLED: 1})
    assert dict(y25.by_outcome) == {O.TASTER: 1, O.NONE: 1}  # the cancelled one is left out
    assert y25.conversion == 50.0
    assert (y26.total, dict(y26.by_status)) == (5, {S.CONFIRMED: 3, S.DONE: 1, S.REQUESTED: 1})
    assert dict(y26.by_outcome) == {O.NONE: 4, O.PLACEMENT: 1}
    assert y26.conversion == 100.0
    harburg = queries.duoday(Period(date(2025, 1, 1), date(2026, 12, 31), dataset.harburg.id))
    assert [(y.year, y.total) for y in harburg] == [(2025, 1), (2026, 2)]


def test_placements_started_active_and_outcomes(dataset):
    data = queries.placements(HALF_YEAR, today=TODAY)
    assert data.started == [
        ("2026-01", PlacementType.TASTER, 1),
        ("2026-02", PlacementType.BFA, 1),
        ("2026-02", PlacementType.INDIVIDUAL_TEMPORARY, 1),
        ("2026-03", PlacementType.TRIAL, 1),
    ]
    assert data.active == {PlacementType.INDIVIDUAL_TEMPORARY: 1, PlacementType.GROUP: 1}
    assert data.outcomes == {PlacementOutcome.RETURNED: 1, PlacementOutcome.PERMANENT_MOVE: 1}
    altona = queries.placements(Period(date(2026, 1, 1), date(2026, 6, 30), dataset.altona.id), today=TODAY)
    assert altona.active == {PlacementType.INDIVIDUAL_TEMPORARY: 1}
    assert altona.outcomes == {PlacementOutcome.PERMANENT_MOVE: 1}


def test_quota_counts_running_outside_phases_and_history(dataset):
    assert queries.outside_count(today=TODAY) == 2  # Alpha's outsourced workplace, Gamma's outdoor group
    assert queries.outside_count(today=date(2026, 1, 15)) == 1  # Alpha was still on a taster internship
    assert queries.outside_count(today=TODAY, site_id=dataset.harburg.id) == 1
    months = queries.month_range(date(2025, 12, 1), date(2026, 3, 1))
    assert queries.outside_history(months) == {"2025-12": 1, "2026-01": 1, "2026-02": 2, "2026-03": 2}


def test_quota_page_share_gap_and_path(dataset, quota, app):
    with app.test_request_context():
        page = pages.quota_page(HALF_YEAR, today=TODAY)
    figures = {f.label: f.value for f in page.figures}
    assert figures["Aktueller Anteil"] == 20.0  # 2 of 10
    assert figures["Ziel bis Ende 2027"] == 40.0
    assert figures["Jetzt außerhalb beschäftigt"] == 2
    assert figures["Für das Ziel fehlen noch"] == 2  # 40 % of 10 = 4
    rows = {row[0]: row[1:] for row in page.table("trajectory").rows}
    assert rows["2026-01"] == [10.0, 1, 10.0]
    assert rows["2026-06"] == [16.5, 2, 20.0]  # 10 + 30 × 5/23
    assert rows["2027-12"] == [40.0, None, None]
    assert len(rows) == 24


def test_quota_uses_the_count_from_the_records_when_set(dataset, quota, app):
    from crm.extensions import db

    quota.outside_count = 3
    db.session.commit()
    with app.test_request_context():
        page = pages.quota_page(HALF_YEAR, today=TODAY)
    figures = {f.label: f.value for f in page.figures}
    assert figures["Aktueller Anteil"] == 30.0
    assert any("3" in note and "2" in note for note in page.notes)


def test_quota_without_settings_says_so(dataset, app):
    with app.test_request_context():
        page = pages.quota_page(HALF_YEAR, today=TODAY)
    assert page.empty and page.charts == []
    assert page.figures[0].value == 2


def test_activity_chart_table_has_a_row_per_month(dataset, app):
    with app.test_request_context():
        page = pages.activity_page(HALF_YEAR, today=TODAY)
    table = page.table("per_month")
    assert table.columns == ["Monat", "Anruf", "E-Mail", "Besuch", "Gesamt"]
    assert table.rows == [
        ["2026-01", 2, 1, 0, 3],
        ["2026-02", 1, 0, 1, 2],
        ["2026-03", 0, 0, 0, 0],
        ["2026-04", 0, 0, 0, 0],
        ["2026-05", 0, 0, 0, 0],
        ["2026-06", 0, 0, 0, 0],
    ]
    assert table.totals == ["Gesamt", 3, 1, 1, 5]
    assert page.table("by_month").shown is False  # a row per month, user and kind: download only
