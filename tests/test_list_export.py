"""Exports of the lists (follow-ups, postings, placements, employers as XLSX): the filtered rows, both formats."""

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from crm.auth.models import Role
from crm.extensions import db
from crm.followups.services import schedule_followup
from crm.followups.workdays import local_today
from crm.placements.models import PlacementType
from crm.postings.models import PostingStatus, PostingType
from tests.helpers import count_queries
from tests.placements.factories import make_placement, make_posting

ALL_ROLES = [Role.ADMIN, Role.ACQUISITION, Role.COACH, Role.VIEWER]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_rows(client, url: str) -> list[list[str]]:
    response = client.get(url, buffered=True)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))


def xlsx_rows(client, url: str) -> list[list[object]]:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == XLSX
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def both(client, path: str, query: str = "") -> tuple[list[list[str]], list[list[object]]]:
    suffix = f"?{query}" if query else ""
    return csv_rows(client, f"{path}.csv{suffix}"), xlsx_rows(client, f"{path}.xlsx{suffix}")


def add_followup(employer, user, *, days: int = 0, title: str = "Zurückrufen", assigned_to=None):
    followup = schedule_followup(
        employer=employer,
        title=title,
        due_date=local_today() + timedelta(days=days),
        created_by=user,
        assigned_to=assigned_to or user,
    )
    db.session.commit()
    return followup


# --- follow-ups -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_exports_the_follow_ups_it_may_read(login_as, create_employer, make_user, role):
    client = login_as(role)
    # A viewer cannot hold follow-ups; the read-only team view shows everyone's.
    holder = make_user(Role.ACQUISITION) if role == Role.VIEWER else client.user
    add_followup(create_employer("Firma Eins"), holder)
    csv_data, xlsx_data = both(client, "/followups/export")
    assert csv_data[0][:3] == ["ID", "Fällig am", "Uhrzeit"]
    assert len(csv_data) == len(xlsx_data) == 2
    assert csv_data[1][4] == xlsx_data[1][4] == "Zurückrufen"


def test_follow_up_export_has_every_open_follow_up_of_the_scope_not_only_the_shown_ones(
    login_as, create_employer, make_user
):
    client = login_as(Role.ACQUISITION)
    other = make_user(Role.COACH)
    employer = create_employer("Firma Eins")
    for day in range(60):  # more than the overview shows per group
        add_followup(employer, client.user, days=day - 5)
    add_followup(employer, other, title="Nicht meine")
    csv_data, xlsx_data = both(client, "/followups/export")
    assert len(csv_data) - 1 == len(xlsx_data) - 1 == 60
    assert all(row[4] != "Nicht meine" for row in csv_data[1:])
    # The team view of an admin filtered by person; "show" limits to one group.
    admin = login_as(Role.ADMIN)
    csv_data, xlsx_data = both(admin, "/followups/export", f"scope=team&user={other.id}")
    assert [row[4] for row in csv_data[1:]] == ["Nicht meine"] and len(xlsx_data) == 2
    csv_data, _xlsx = both(admin, "/followups/export", "scope=team&show=overdue")
    assert len(csv_data) - 1 == 5 and {row[3] for row in csv_data[1:]} == {"Überfällig"}


def test_a_coach_cannot_export_the_team_follow_ups(login_as, create_employer, make_user):
    client = login_as(Role.COACH)
    add_followup(create_employer("Firma Eins"), make_user(Role.ACQUISITION), title="Fremd")
    csv_data, _xlsx = both(client, "/followups/export", "scope=team")
    assert csv_data[1:] == []


def test_follow_up_export_neutralises_formulas(login_as, create_employer):
    client = login_as(Role.ADMIN)
    add_followup(create_employer('=HYPERLINK("http://x")'), client.user, title="=1+1")
    csv_data, xlsx_data = both(client, "/followups/export")
    assert csv_data[1][4] == xlsx_data[1][4] == "'=1+1"
    assert csv_data[1][6] == xlsx_data[1][6] == '\'=HYPERLINK("http://x")'


def test_the_follow_up_page_links_both_exports_with_its_filters(login_as, create_employer):
    client = login_as(Role.ADMIN)
    add_followup(create_employer("Firma Eins"), client.user)
    html = client.get(f"/followups/?scope=team&user={client.user.id}").get_data(as_text=True)
    assert f'href="/followups/export.csv?scope=team&amp;user={client.user.id}"' in html
    assert f'href="/followups/export.xlsx?scope=team&amp;user={client.user.id}"' in html
    assert "Als Excel (XLSX) exportieren" in html


# --- postings ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_exports_the_filtered_postings(login_as, create_employer, role):
    employer = create_employer("Firma Eins")
    make_posting(employer, title="Küchenhilfe", district="Altona")
    make_posting(employer, title="Lager", district="Eimsbüttel")
    make_posting(employer, title="Gruppe", posting_type=PostingType.GROUP, district="Altona")
    client = login_as(role)
    csv_data, xlsx_data = both(client, "/postings/export", f"district=Altona&type={PostingType.INDIVIDUAL.value}")
    assert csv_data[0][:3] == ["ID", "Titel", "Arbeitgeber"] == xlsx_data[0][:3]
    assert [row[1] for row in csv_data[1:]] == [row[1] for row in xlsx_data[1:]] == ["Küchenhilfe"]


def test_posting_export_has_every_page_and_neutralises_formulas(login_as, create_employer):
    employer = create_employer("+49 Firma")
    for number in range(30):  # more than one page of 25
        make_posting(employer, title=f"Stelle {number}", status=PostingStatus.OPEN)
    make_posting(employer, title="@SUMME(A1)")
    client = login_as(Role.VIEWER)
    page = client.get("/postings/?page=2").get_data(as_text=True)
    assert "31" in page
    csv_data, xlsx_data = both(client, "/postings/export", "page=2")
    assert len(csv_data) - 1 == len(xlsx_data) - 1 == 31
    assert csv_data[1][1] == xlsx_data[1][1] == "'@SUMME(A1)"
    assert csv_data[1][2] == xlsx_data[1][2] == "'+49 Firma"


def test_the_posting_list_links_both_exports_without_the_page(login_as, create_employer):
    make_posting(create_employer("Firma Eins"), district="Altona")
    html = login_as(Role.COACH).get("/postings/?district=Altona&page=1").get_data(as_text=True)
    assert 'href="/postings/export.csv?district=Altona"' in html
    assert 'href="/postings/export.xlsx?district=Altona"' in html


# --- placements -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_exports_the_filtered_placements(login_as, create_employer, role):
    employer = create_employer("Firma Eins")
    make_placement(employer, participant_ref="AB-1")
    make_placement(employer, participant_ref="AB-2", placement_type=PlacementType.TASTER)
    client = login_as(role)
    csv_data, xlsx_data = both(client, "/placements/export", f"type={PlacementType.TASTER.value}")
    assert csv_data[0][:3] == ["ID", "Teilnehmende*r", "Arbeitgeber"] == xlsx_data[0][:3]
    assert [row[1] for row in csv_data[1:]] == [row[1] for row in xlsx_data[1:]] == ["AB-2"]


def test_placement_export_follows_state_and_mine_and_neutralises_formulas(login_as, create_employer):
    client = login_as(Role.COACH)
    employer = create_employer("-Firma")
    make_placement(employer, participant_ref="AB-1", coach_id=client.user.id, mentor_name="=A1*2")
    make_placement(employer, participant_ref="AB-2")
    csv_data, xlsx_data = both(client, "/placements/export", "state=all&mine=1")
    assert [row[1] for row in csv_data[1:]] == ["AB-1"] and len(xlsx_data) == 2
    assert csv_data[1][2] == xlsx_data[1][2] == "'-Firma"
    assert csv_data[1][7] == xlsx_data[1][7] == "'=A1*2"
    csv_data, _xlsx = both(client, "/placements/export", "state=ended")
    assert csv_data[1:] == []  # the page's "ended" filter: only placements with an outcome


def test_the_placement_list_links_both_exports(login_as, create_employer):
    make_placement(create_employer("Firma Eins"))
    html = login_as(Role.VIEWER).get("/placements/?state=all").get_data(as_text=True)
    assert 'href="/placements/export.csv?state=all"' in html
    assert 'href="/placements/export.xlsx?state=all"' in html


# --- employers as XLSX ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_exports_the_filtered_employers_as_xlsx(login_as, create_employer, role):
    create_employer("Bäckerei Müller", district="Altona")
    create_employer("=Formel GmbH", district="Altona")
    create_employer("Tischlerei", district="Eimsbüttel")
    client = login_as(role)
    csv_data, xlsx_data = both(client, "/employers/export", "district=Altona")
    assert len(csv_data) == len(xlsx_data) == 3
    assert [str(cell) for cell in xlsx_data[0]] == csv_data[0]
    names = sorted(row[1] for row in xlsx_data[1:])
    assert names == sorted(row[1] for row in csv_data[1:]) == ["'=Formel GmbH", "Bäckerei Müller"]


def test_the_employer_list_links_the_xlsx_export_with_its_filters(login_as, create_employer):
    create_employer("Firma Eins", district="Altona")
    html = login_as(Role.VIEWER).get("/employers?district=Altona").get_data(as_text=True)
    assert 'href="/employers/export.xlsx?district=Altona"' in html
    assert 'id="employer-export-xlsx"' in html


# --- query counts -----------------------------------------------------------------------------------------


def statements(app, client, url: str) -> int:
    with count_queries(app) as sql:
        response = client.get(url, buffered=True)
        assert response.status_code == 200
    return len(sql)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_query_counts_do_not_grow_with_the_rows(app, login_as, create_employer, fmt):
    client = login_as(Role.ADMIN)
    employer = create_employer("Firma Eins")
    add_followup(employer, client.user)
    make_posting(employer)
    make_placement(employer)
    urls = [f"/followups/export.{fmt}", f"/postings/export.{fmt}", f"/placements/export.{fmt}?state=all"]
    small = [statements(app, client, url) for url in urls]
    for number in range(15):
        other = create_employer(f"Firma {number}")
        add_followup(other, client.user, days=number)
        make_posting(other)
        make_placement(other, coach_id=client.user.id)
    assert [statements(app, client, url) for url in urls] == small
