"""Demo data of contacts and activities: plausible, idempotent, last contact times right."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

import crm.demo
from crm.activities.demo import load_demo_activities
from crm.activities.models import Activity
from crm.contacts.demo import load_demo_contacts
from crm.contacts.models import Contact
from crm.db import utcnow
from crm.employers.demo import load_demo_employers
from crm.employers.models import Employer
from crm.extensions import db


@pytest.fixture
def demo(monkeypatch):
    monkeypatch.setattr(crm.demo, "DEMO_LOADERS", [load_demo_employers, load_demo_contacts, load_demo_activities])
    crm.demo.load_demo_data()


def test_demo_loaders_are_registered_after_the_employers():
    names = [loader.__name__ for loader in crm.demo.DEMO_LOADERS]
    assert names.index("load_demo_employers") < names.index("load_demo_contacts") < names.index("load_demo_activities")


def test_demo_history_lies_in_the_last_twelve_months_and_sets_last_contact(demo):
    now = utcnow()
    activities = db.session.scalars(select(Activity)).all()
    assert len(activities) > 50
    assert all(now - timedelta(days=366) <= a.occurred_at <= now for a in activities)
    assert {a.kind.value for a in activities} >= {"call", "email", "visit", "meeting", "letter", "note"}
    newest = dict(
        db.session.execute(
            select(Activity.employer_id, func.max(Activity.occurred_at)).group_by(Activity.employer_id)
        ).all()
    )
    for employer in db.session.scalars(select(Employer)):
        assert employer.last_contact_at == newest.get(employer.id), employer.name


def test_every_demo_employer_has_a_contact_and_one_person_has_left(demo):
    without = db.session.scalar(
        select(func.count()).select_from(Employer).where(~Employer.id.in_(select(Contact.employer_id)))
    )
    assert without == 0
    assert db.session.scalar(select(func.count()).select_from(Contact).where(Contact.has_left)) >= 1


def test_demo_runs_twice_without_duplicates(demo):
    counts = (db.session.scalar(select(func.count(Activity.id))), db.session.scalar(select(func.count(Contact.id))))
    crm.demo.load_demo_data()
    again = (db.session.scalar(select(func.count(Activity.id))), db.session.scalar(select(func.count(Contact.id))))
    assert again == counts
