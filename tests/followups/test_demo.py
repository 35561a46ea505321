"""Demo follow-ups: the demo users find overdue and today's follow-ups, and the digest has something to send."""

from sqlalchemy import func, select

from crm.auth.models import Role, User
from crm.demo import load_demo_data
from crm.extensions import db
from crm.followups.jobs import queue_due_digests
from crm.followups.models import FollowUp, FollowUpStatus
from crm.followups.workdays import local_today


def test_demo_users_get_overdue_and_due_today_follow_ups_once(app, smtp_server):
    load_demo_data()
    total = db.session.scalar(select(func.count()).select_from(FollowUp))
    load_demo_data()
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == total > 10

    today = local_today()
    for role in (Role.ACQUISITION, Role.COACH, Role.ADMIN):
        user = db.session.scalar(select(User).where(User.role == role, User.email.like("%@example.org")))
        open_ones = db.session.scalars(
            select(FollowUp).where(FollowUp.assigned_to_id == user.id, FollowUp.status == FollowUpStatus.OPEN)
        ).all()
        assert any(f.due_date < today for f in open_ones), role
        assert any(f.due_date == today for f in open_ones), role
        assert all(not f.employer.stage.blocks_contact for f in open_ones)
    assert db.session.scalar(select(func.count()).where(FollowUp.status == FollowUpStatus.DONE)) >= 1

    report = queue_due_digests(ignore_time=True, any_day=True)
    queued = {o.email for o in report.outcomes if o.status == "queued"}
    assert {"akquise@example.org", "coach@example.org", "admin@example.org"} <= queued
