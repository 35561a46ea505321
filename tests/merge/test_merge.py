from datetime import date

import pytest
from sqlalchemy import func, select

from crm.activities.models import Activity, ActivityKind
from crm.audit.models import AuditEntry
from crm.contacts.models import Contact
from crm.contacts.services import create_contact
from crm.employers.models import Employer, StageChange
from crm.employers.services import EmployerInput, create_employer, move_employer_to_stage, stage_by_key
from crm.extensions import db
from crm.followups.models import FollowUp, FollowUpStatus
from crm.merge.services import MergeError, merge_employers
from crm.referencing import referencing_columns
from tests.helpers import csrf_token_from, form_token


@pytest.fixture
def pair(make_user):
    owner = make_user("acquisition")
    a = create_employer(data=EmployerInput(name="Bäckerei Müller", postcode="22761", phone="040 1", tags=["Gastro"]))
    b = create_employer(
        data=EmployerInput(
            name="Baeckerei Mueller GmbH",
            postcode="22761",
            city="Hamburg",
            email="info@example.org",
            tags=["Früh", "Gastro"],
            owner_id=owner.id,
        )
    )
    create_contact(employer=a, last_name="Alt")
    create_contact(employer=b, last_name="Neu")
    db.session.add(Activity(employer_id=b.id, kind=ActivityKind.CALL, subject="Anruf bei B"))
    move_employer_to_stage(employer=b, stage=stage_by_key("talks"))
    db.session.commit()
    return a, b


def test_everything_of_the_other_employer_moves_and_it_is_archived(app, pair, make_user):
    a, b = pair
    admin = make_user("admin")
    db.session.add(FollowUp(employer_id=b.id, assigned_to_id=admin.id, title="Nachfassen", due_date=date(2030, 1, 1)))
    db.session.commit()
    result = merge_employers(survivor=a, other=b, take_from_other={"email", "city", "stage_id"}, actor=admin)
    db.session.commit()
    a = db.session.get(Employer, a.id)
    b = db.session.get(Employer, b.id)
    assert (a.name, a.phone, a.email, a.city, a.stage.key) == (
        "Bäckerei Müller",
        "040 1",
        "info@example.org",
        "Hamburg",
        "talks",
    )
    assert sorted(c.last_name for c in a.contacts) == ["Alt", "Neu"]
    assert [c.last_name for c in a.contacts if c.is_primary] == ["Alt"]
    assert sorted(t.name for t in a.tags) == ["Früh", "Gastro"]
    assert db.session.scalar(select(func.count()).where(Activity.employer_id == a.id)) == 1
    assert result.moved["contacts"] == 1 and result.moved["activities"] == 1
    assert db.session.scalar(select(func.count()).where(FollowUp.employer_id == a.id)) == 1
    assert b.is_archived and "Zusammengeführt" in b.notes
    assert db.session.scalar(select(func.count()).where(StageChange.employer_id == b.id)) == 0
    merges = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "merge")).all()
    assert {m.entity_id for m in merges} == {a.id, b.id}


def test_every_reference_to_employers_is_covered_generically(app):
    tables = {column.table.name for column in referencing_columns("employers")}
    assert {"contacts", "activities", "stage_changes"} <= tables


def test_merging_an_employer_with_itself_or_an_archived_one_is_refused(app, pair):
    a, b = pair
    with pytest.raises(MergeError):
        merge_employers(survivor=a, other=a, take_from_other=set())
    b.archived_at = b.created_at
    db.session.commit()
    with pytest.raises(MergeError):
        merge_employers(survivor=a, other=b, take_from_other=set())


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("acquisition", 403), ("coach", 403), ("viewer", 403)])
def test_merge_pages_are_admin_only(login_as, pair, role, status):
    a, b = pair
    client = login_as(role)
    assert client.get("/merge/").status_code == status
    assert client.get(f"/merge/{a.id}/{b.id}").status_code == status
    if status == 403:
        token = form_token(client, "/profile")
        assert client.post(f"/merge/{a.id}/{b.id}", data={"csrf_token": token}).status_code == 403


def test_admin_merges_in_the_browser_flow(login_as, pair):
    a, b = pair
    client = login_as("admin")
    page = client.get(f"/merge/?a={a.id}").get_data(as_text=True)
    assert "Baeckerei Mueller GmbH" in page and f"/merge/{a.id}/{b.id}" in page
    page = client.get(f"/merge/{a.id}/{b.id}").get_data(as_text=True)
    assert 'name="field-email"' in page and "info@example.org" in page
    response = client.post(
        f"/merge/{a.id}/{b.id}", data={"csrf_token": csrf_token_from(page), "field-email": "b", "field-name": "a"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/employers/{a.id}")
    db.session.expire_all()
    assert db.session.get(Employer, a.id).email == "info@example.org"
    survivor_page = client.get(f"/employers/{a.id}").get_data(as_text=True)
    assert "Zusammengeführt mit „Baeckerei Mueller GmbH“" in survivor_page
    other_page = client.get(f"/employers/{b.id}").get_data(as_text=True)
    assert "Zusammengeführt mit" in other_page


def test_merge_post_without_csrf_is_rejected(login_as, pair):
    a, b = pair
    assert login_as("admin").post(f"/merge/{a.id}/{b.id}", data={"field-email": "b"}).status_code == 400
    assert db.session.scalar(select(func.count()).where(Contact.employer_id == a.id)) == 1


def test_choose_form_reports_bad_numbers(login_as, pair):
    a, _b = pair
    client = login_as("admin")
    response = client.get(f"/merge/?a={a.id}&b={a.id}")
    assert response.status_code == 422
    assert "Bitte wählen Sie zwei verschiedene Arbeitgeber." in response.get_data(as_text=True)
    response = client.get(f"/merge/?a={a.id}&b=99999")
    assert "Es gibt keinen Arbeitgeber mit dieser Nummer." in response.get_data(as_text=True)
    response = client.get(f"/merge/?a={a.id}&b={a.id + 1}")
    assert response.status_code == 302


def test_merge_shows_on_the_timeline(app, pair):
    a, b = pair
    merge_employers(survivor=a, other=b, take_from_other=set())
    db.session.commit()
    from crm.timeline import employer_timeline

    kinds = [entry.kind for entry in employer_timeline(a.id).entries]
    assert "merge" in kinds
    assert "merge" in [entry.kind for entry in employer_timeline(b.id).entries]


def test_merge_moves_the_records_of_every_domain_in_the_demo_data(app):
    from crm.demo import load_demo_data

    load_demo_data()
    db.session.commit()
    columns = [c for c in referencing_columns("employers") if c.table.name not in ("employer_search", "employer_tags")]

    def references(employer_id: int) -> dict[str, int]:
        counts: dict[str, int] = {}
        for column in columns:
            n = db.session.scalar(select(func.count()).select_from(column.table).where(column == employer_id))
            if n:
                counts[column.table.name] = counts.get(column.table.name, 0) + n
        return counts

    ids = list(db.session.scalars(select(Employer.id).where(Employer.archived_at.is_(None))))
    busiest = sorted(ids, key=lambda i: -sum(references(i).values()))[:2]
    a, b = (db.session.get(Employer, i) for i in busiest)
    before_a, before_b = references(a.id), references(b.id)
    assert len(before_b) >= 2
    result = merge_employers(survivor=a, other=b, take_from_other=set())
    db.session.commit()
    after_a, after_b = references(a.id), references(b.id)
    assert after_b == {k: v for k, v in result.kept.items() if v}
    for table, count in before_b.items():
        kept = result.kept.get(table, 0)
        assert after_a.get(table, 0) == before_a.get(table, 0) + count - kept, table


def test_follow_ups_moved_onto_an_employer_that_must_not_be_contacted_are_cancelled(app, pair, make_user):
    a, b = pair
    admin = make_user("admin")
    move_employer_to_stage(employer=a, stage=stage_by_key("do_not_contact"))
    db.session.add(FollowUp(employer_id=b.id, assigned_to_id=admin.id, title="Nachfassen", due_date=date(2030, 1, 1)))
    db.session.commit()

    merge_employers(survivor=a, other=b, take_from_other=set(), actor=admin)
    db.session.commit()

    moved = db.session.scalar(select(FollowUp).where(FollowUp.title == "Nachfassen"))
    assert moved.employer_id == a.id
    assert moved.status == FollowUpStatus.CANCELLED
    assert (
        moved.cancel_reason
        == "Durch eine Zusammenführung zu einem Arbeitgeber in der Phase „Nicht kontaktieren“ verschoben."
    )
