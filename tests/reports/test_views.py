"""The report pages, downloads and quota settings: roles, filters, bad input, CSRF, query counts."""

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from crm.audit.models import AuditEntry
from crm.auth.models import Role
from crm.extensions import db
from crm.reports.models import QuotaSettings
from crm.reports.pages import REPORTS
from tests.helpers import count_queries, form_token

KEYS = [spec.key for spec in REPORTS]
PERIOD = "?start=2026-01-01&end=2026-06-30"


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_the_report_overview_and_each_report(login_as, role):
    client = login_as(role)
    assert client.get("/reports/").status_code == 200
    for key in KEYS:
        response = client.get(f"/reports/{key}")
        assert response.status_code == 200, key
        assert "<svg" in response.get_data(as_text=True) or key == "quota"


def test_overview_links_every_report_and_the_objection_matrix(login_as):
    page = login_as(Role.VIEWER).get("/reports/").get_data(as_text=True)
    for key in KEYS:
        assert f'href="/reports/{key}"' in page
    assert 'href="/insights/objections"' in page
    assert "Einstellungen zur Quote" not in page  # admins only


def test_unknown_report_is_not_found(login_as):
    client = login_as(Role.VIEWER)
    assert client.get("/reports/nope").status_code == 404
    assert client.get("/reports/funnel/nope.csv").status_code == 404
    assert client.get("/reports/funnel/stages.pdf").status_code == 404


def test_funnel_page_shows_the_table_and_links_to_the_filtered_list(dataset, login_as):
    client = login_as(Role.VIEWER)
    page = client.get(f"/reports/funnel{PERIOD}&site={dataset.altona.id}").get_data(as_text=True)
    assert 'role="img"' in page and "<title" in page and "<desc" in page
    assert f'href="/employers?stage=cooperation&amp;site={dataset.altona.id}"' in page
    assert "Trichter" in page and "Median Tage im Status" in page
    assert 'href="/insights/objections?start=2026-01-01&amp;end=2026-06-30' in page
    assert "style=" not in page.split("<main", 1)[1]  # the CSP forbids inline styles


def test_bad_filter_input_gets_a_german_message_and_the_defaults(login_as):
    client = login_as(Role.VIEWER)
    response = client.get("/reports/activity?start=gestern&end=2026-06-30")
    assert response.status_code == 422
    assert "Bitte geben Sie ein Datum ein, z. B. 2026-03-31." in response.get_data(as_text=True)
    response = client.get("/reports/activity?start=2026-06-30&end=2026-01-01")
    assert response.status_code == 422
    assert "Das Ende darf nicht vor dem Beginn liegen." in response.get_data(as_text=True)
    response = client.get("/reports/activity?start=2000-01-01&end=2026-01-01")
    assert "höchstens zehn Jahren" in response.get_data(as_text=True)
    response = client.get("/reports/activity?site=999")
    assert response.status_code == 422
    assert "Diese Auswahl gibt es nicht (mehr)." in response.get_data(as_text=True)


def test_csv_download_has_the_tables_figures(dataset, login_as):
    response = login_as(Role.VIEWER).get(f"/reports/sources/by_source.csv{PERIOD}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "sources-by_source-2026-01-01-2026-06-30.csv" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    assert text.splitlines() == [
        "Quelle;Neue Arbeitgeber;Kooperationen;Wurde Kooperation (%)",
        "Kaltakquise;2;1;50,0",
        "Weiterempfehlung;1;0;0,0",
        "DuoDay;1;1;100,0",
    ]


def test_xlsx_download_has_the_totals_row(dataset, login_as):
    response = login_as(Role.COACH).get(f"/reports/activity/by_user.xlsx{PERIOD}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["Benutzer*in", "Anruf", "E-Mail", "Besuch", "Gesamt"]
    assert rows[1:] == [["Anna Acker", 2, 1, 0, 3], ["Ben Bauer", 1, 0, 1, 2], ["Gesamt", 3, 1, 1, 5]]


@pytest.mark.parametrize("key", KEYS)
def test_each_report_runs_a_fixed_number_of_queries(app, dataset, quota, login_as, key):
    """The statement count does not grow with the data (checked against twice the data)."""
    client = login_as(Role.VIEWER)
    client.get(f"/reports/{key}{PERIOD}")
    with count_queries(app) as first:
        assert client.get(f"/reports/{key}{PERIOD}").status_code == 200
    _double_the_data(dataset)
    with count_queries(app) as second:
        assert client.get(f"/reports/{key}{PERIOD}").status_code == 200
    assert len(first) == len(second)
    assert len(first) <= 12, first


def _double_the_data(dataset):
    from crm.activities.models import Activity, ActivityKind
    from crm.employers.models import Employer, EmployerSource, Stage

    lead = db.session.scalar(db.select(Stage).where(Stage.key == "lead"))
    for n in range(5):
        employer = Employer(name=f"Neu {n}", normalized_name=f"neu {n}", stage=lead, source=EmployerSource.EVENT)
        db.session.add(employer)
        db.session.add(Activity(employer=employer, user=dataset.ben, kind=ActivityKind.LETTER, subject="Brief"))
    db.session.commit()


@pytest.mark.parametrize("role", [Role.ACQUISITION, Role.COACH, Role.VIEWER])
def test_quota_settings_are_admin_only(login_as, role):
    client = login_as(role)
    assert client.get("/reports/quota/settings").status_code == 403
    assert client.post("/reports/quota/settings", data={"workforce_size": "5"}).status_code in (400, 403)


def _quota_form(**changes):
    data = {
        "workforce_size": "420",
        "outside_count": "",
        "baseline_percent": "34",
        "baseline_date": "2025-01-01",
        "goal_percent": "40,0",
        "goal_year": "2027",
    }
    data.update(changes)
    return data


def test_admin_saves_the_quota_settings_with_an_audit_entry(login_as):
    client = login_as(Role.ADMIN)
    token = form_token(client, "/reports/quota/settings")
    response = client.post("/reports/quota/settings", data={**_quota_form(), "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/reports/quota")
    db.session.expire_all()
    settings = db.session.scalar(db.select(QuotaSettings))
    assert (settings.workforce_size, settings.outside_count, settings.goal_year) == (420, None, 2027)
    assert settings.goal_percent == Decimal("40.0") and settings.baseline_date == date(2025, 1, 1)
    assert settings.updated_by_id == client.user.id
    entries = db.session.scalars(db.select(AuditEntry).where(AuditEntry.entity_type == "quota_settings")).all()
    assert [e.action for e in entries] == ["create"]
    assert entries[0].user_id == client.user.id
    page = client.get("/reports/quota").get_data(as_text=True)
    assert "Aktueller Anteil" in page and "Weg zum Ziel" in page
    token = form_token(client, "/reports/quota/settings")
    client.post("/reports/quota/settings", data={**_quota_form(workforce_size="430"), "csrf_token": token})
    actions = db.session.scalars(db.select(AuditEntry.action).where(AuditEntry.entity_type == "quota_settings"))
    assert sorted(actions) == ["create", "update"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"workforce_size": ""}, "Bitte geben Sie die Zahl der Beschäftigten der Werkstatt ein, z. B. 420."),
        ({"workforce_size": "viele"}, "Bitte geben Sie eine ganze Zahl ein, z. B. 420."),
        ({"workforce_size": "0"}, "Bitte geben Sie eine Zahl zwischen 1 und 100.000 ein, z. B. 420."),
        ({"outside_count": "500"}, "Das können nicht mehr sein als die Beschäftigten insgesamt."),
        ({"goal_percent": "140"}, "Bitte geben Sie einen Prozentwert zwischen 0 und 100 ein, z. B. 40."),
        ({"baseline_percent": "vierunddreißig"}, "Bitte geben Sie eine Zahl ein, z. B. 34,5."),
        ({"baseline_percent": "NaN"}, "Bitte geben Sie eine Zahl ein, z. B. 34,5."),
        ({"baseline_date": "01.13.2025"}, "Bitte geben Sie ein Datum ein, z. B. 2026-03-31."),
        ({"goal_year": "2020"}, "Das Zieljahr darf nicht vor dem Beginn liegen."),
        ({"goal_year": "3000"}, "Bitte geben Sie ein Jahr zwischen 2000 und 2100 ein, z. B. 2027."),
    ],
)
def test_bad_quota_input_is_refused_at_the_field_and_kept(login_as, changes, message):
    client = login_as(Role.ADMIN)
    token = form_token(client, "/reports/quota/settings")
    response = client.post("/reports/quota/settings", data={**_quota_form(**changes), "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    for value in changes.values():
        if value:
            assert f'value="{value}"' in page  # nothing typed is lost
    assert db.session.scalar(db.select(db.func.count()).select_from(QuotaSettings)) == 0


def test_quota_form_without_csrf_token_is_refused(login_as):
    client = login_as(Role.ADMIN)
    assert client.post("/reports/quota/settings", data=_quota_form()).status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(QuotaSettings)) == 0


def test_quota_page_without_settings_points_admins_to_the_settings(login_as):
    admin = login_as(Role.ADMIN).get("/reports/quota").get_data(as_text=True)
    assert "noch nicht festgelegt" in admin and 'href="/reports/quota/settings"' in admin
    viewer = login_as(Role.VIEWER).get("/reports/quota").get_data(as_text=True)
    assert 'href="/reports/quota/settings"' not in viewer


def test_demo_quota_is_loaded_once(app):
    from crm.reports.demo import load_demo_quota

    load_demo_quota({})
    load_demo_quota({})
    db.session.commit()
    settings = db.session.scalars(db.select(QuotaSettings)).all()
    assert len(settings) == 1 and settings[0].workforce_size == 420 and settings[0].goal_percent == Decimal("40.0")


@pytest.mark.parametrize("role", list(Role))
def test_every_role_downloads_each_table_as_csv_and_xlsx(dataset, quota, login_as, role):
    from crm.reports.pages import REPORTS_BY_KEY

    client = login_as(role)
    tables = {"funnel": ["stages"], "activity": ["per_month", "by_user", "by_month"], "quota": ["trajectory"]}
    for key, names in tables.items():
        assert key in REPORTS_BY_KEY
        for name in names:
            for fmt in ("csv", "xlsx"):
                response = client.get(f"/reports/{key}/{name}.{fmt}{PERIOD}")
                assert response.status_code == 200, (key, name, fmt)
                assert response.get_data()[:2] in (b"\xef\xbb", b"PK")
