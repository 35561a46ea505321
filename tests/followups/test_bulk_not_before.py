"""Bulk follow-ups respect the employer's re-approach date ("do not approach before")."""

from datetime import timedelta

from crm.extensions import db
from crm.followups.models import FollowUp
from crm.followups.services import bulk_schedule_followups
from crm.followups.workdays import local_today


def test_bulk_skips_employers_not_to_be_approached_before_the_due_date(make_user, create_employer):
    user = make_user("acquisition")
    free = create_employer(name="Gärtnerei Frei")
    waiting = create_employer(name="Bäckerei Später")
    waiting.do_not_approach_before = local_today() + timedelta(days=60)
    db.session.commit()
    result = bulk_schedule_followups(
        employers=[free, waiting], title="Nachfassen", due_date=local_today() + timedelta(days=7), created_by=user
    )
    db.session.commit()
    assert [f.employer_id for f in result.created] == [free.id]
    assert result.skipped_blocked == 1


def test_bulk_due_after_the_reapproach_date_includes_the_employer(make_user, create_employer):
    user = make_user("acquisition")
    waiting = create_employer(name="Bäckerei Später")
    waiting.do_not_approach_before = local_today() + timedelta(days=60)
    db.session.commit()
    result = bulk_schedule_followups(
        employers=[waiting], title="Wieder ansprechen", due_date=local_today() + timedelta(days=61), created_by=user
    )
    db.session.commit()
    assert db.session.query(FollowUp).count() == len(result.created) == 1
