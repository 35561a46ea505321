"""The list and the export run a fixed number of SQL statements, however many employers exist."""

import pytest
from sqlalchemy import select

from crm.auth.models import Role
from crm.db import utcnow
from crm.employers.models import Industry, Tag
from crm.extensions import db
from tests.employers.test_search import add_activity, add_contact, add_employer
from tests.helpers import count_queries

URLS = [
    "/employers",
    "/employers?q=firma",
    "/employers?stage=talks&district=Altona&no_contact_days=30",
    "/employers?sort=next_followup&dir=desc",
    "/employers?sort=stage&owner=me",
]


def populate(count: int, owner) -> None:
    """`count` employers with everything a row can show: owner, industry, tag, contact, activity, follow-up."""
    industries = list(db.session.scalars(select(Industry)))
    tag = Tag(name=f"Tag {count}")
    db.session.add(tag)
    for i in range(count):
        employer = add_employer(
            f"Firma {i:03d}",
            stage="talks",
            district="Altona",
            owner_id=owner.id,
            industry_id=industries[i % len(industries)].id,
        )
        employer.tags.append(tag)
        add_contact(employer, f"Person{i}")
        add_activity(employer, "Anruf bei der Firma", occurred_at=utcnow())
        _add_followup(employer, owner)
    db.session.commit()


def _add_followup(employer, owner) -> None:
    from crm.employers import listing

    if listing.FollowUp is None:
        return
    from datetime import date, timedelta

    db.session.add(
        listing.FollowUp(
            employer_id=employer.id,
            assigned_to_id=owner.id,
            title="Nachfassen",
            due_date=date.today() + timedelta(days=employer.id % 9),
        )
    )


def statements_for(app, client, url: str, **kwargs) -> int:
    with count_queries(app) as statements:
        response = client.get(url, **kwargs)
        assert response.status_code == 200, (url, response.status_code)
        response.get_data()
    return len(statements)


@pytest.mark.parametrize("url", URLS)
def test_list_page_query_count_does_not_grow_with_the_rows(app, login_as, url):

    client = login_as(Role.ACQUISITION)
    populate(5, client.user)
    small = statements_for(app, client, url)
    populate(50, client.user)
    large = statements_for(app, client, url)
    assert small == large
    assert large <= 14


def test_later_page_query_count_does_not_grow_with_the_rows(app, login_as):
    client = login_as(Role.ACQUISITION)
    populate(30, client.user)
    small = statements_for(app, client, "/employers?page=2")
    populate(60, client.user)
    assert statements_for(app, client, "/employers?page=2") == small


def test_htmx_results_query_count_does_not_grow_with_the_rows(app, login_as):
    client = login_as(Role.ACQUISITION)
    headers = {"HX-Request": "true", "HX-Target": "employer-results"}
    populate(5, client.user)
    small = statements_for(app, client, "/employers?q=firma&stage=talks", headers=headers)
    populate(50, client.user)
    assert statements_for(app, client, "/employers?q=firma&stage=talks", headers=headers) == small


def test_export_query_count_does_not_grow_with_the_rows(app, login_as):
    client = login_as(Role.ACQUISITION)
    populate(5, client.user)
    small = statements_for(app, client, "/employers/export.csv?q=firma", buffered=True)
    populate(50, client.user)
    assert statements_for(app, client, "/employers/export.csv?q=firma", buffered=True) == small
