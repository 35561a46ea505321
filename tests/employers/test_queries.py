"""The employer page, its print view and the pipeline run a constant number of SQL statements."""

from datetime import timedelta

import pytest

from crm.activities.models import Activity, ActivityKind
from crm.auth.models import Role
from crm.contacts.models import Contact
from crm.db import utcnow
from crm.employers.services import move_employer_to_stage, stage_by_key
from crm.extensions import db
from tests.helpers import count_queries


def _history(employer, user, n: int) -> None:
    """Give the employer n contacts, n activities, n tags and n stage changes."""
    stages = ["first_contact", "talks", "offer", "trial"]
    for i in range(n):
        db.session.add(Contact(employer=employer, last_name=f"Person {i}", phone="040 123456", is_primary=i == 0))
        db.session.add(
            Activity(
                employer=employer,
                user=user,
                kind=ActivityKind.CALL,
                subject=f"Anruf {i}",
                occurred_at=utcnow() - timedelta(days=i),
            )
        )
        move_employer_to_stage(employer=employer, stage=stage_by_key(stages[i % len(stages)]), actor=user)
    db.session.commit()


def _statements(app, client, url: str) -> list[str]:
    client.get(url)  # warm up: first-request work (e.g. caches) is not what we pin
    with count_queries(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return statements


@pytest.mark.parametrize("path", ["/employers/{id}", "/employers/{id}/print"])
def test_employer_page_queries_do_not_grow_with_its_history(app, login_as, make_employer, make_user, path):
    client = login_as(Role.ACQUISITION)
    user = make_user(Role.COACH)
    small = make_employer("Kleine Firma", owner_id=user.id, tags=["a", "b", "c"])
    big = make_employer("Große Firma", owner_id=user.id, tags=[f"Tag {i}" for i in range(30)])
    _history(small, user, 3)
    _history(big, user, 30)

    few = _statements(app, client, path.format(id=small.id))
    many = _statements(app, client, path.format(id=big.id))
    assert len(few) == len(many), "\n".join(many)
    assert len(many) < 60  # every panel adds its own few; the point is that none grows with the rows


def test_pipeline_queries_do_not_grow_with_the_number_of_employers(app, login_as, make_employer, make_user):
    client = login_as(Role.ACQUISITION)
    owners = [make_user(Role.ACQUISITION) for _ in range(3)]
    stages = ["lead", "first_contact", "talks", "declined", "do_not_contact"]
    for i in range(3):
        make_employer(f"Firma {i}", stage=stages[i], owner_id=owners[i].id)
    few = _statements(app, client, "/pipeline")

    for i in range(3, 30):
        make_employer(f"Firma {i}", stage=stages[i % len(stages)], owner_id=owners[i % 3].id)
    many = _statements(app, client, "/pipeline")
    assert len(few) == len(many), "\n".join(many)
    assert len(many) < 15


def test_duplicate_check_uses_two_queries(app, make_employer):
    for i in range(20):
        make_employer(f"Bäckerei Nummer {i}")
    from crm.employers.services import find_duplicate_candidates

    with count_queries(app) as statements:
        candidates = find_duplicate_candidates(name="Bäckerei Nummer 7", postcode="22761")
    assert candidates and len(statements) == 2
