"""Follow-ups that DuoDay, postings and placements create by themselves (through the follow-up services).

Automatic reminders never fail the user's action: an employer that must not be contacted, or one
without anybody who could hold the follow-up, simply gets none.
"""

from datetime import date

from crm.auth.models import User
from crm.employers.models import Employer
from crm.extensions import db
from crm.followups.models import FollowUp, FollowUpStatus
from crm.followups.services import (
    ASSIGNABLE_ROLES,
    FollowUpError,
    cancel_followup,
    complete_followup,
    default_assignee,
    schedule_followup,
)
from crm.followups.workdays import local_today


def _can_hold(user: User | None) -> bool:
    return user is not None and user.active and user.role in ASSIGNABLE_ROLES


def ensure_reminder(
    *,
    existing: FollowUp | None,
    employer: Employer,
    title: str,
    due_date: date,
    actor: User | None,
    assignee: User | None = None,
    note: str | None = None,
    today: date | None = None,
) -> FollowUp | None:
    """Keep one open reminder up to date (date, title, holder), or schedule a new one; None if not allowed."""
    today = today or local_today()
    due_date = max(due_date, today)
    if existing is not None and existing.status == FollowUpStatus.OPEN:
        if existing.due_date != due_date:
            existing.due_date = due_date
        if existing.title != title[:200]:
            existing.title = title[:200]
        # The reminder follows the person responsible for the record (e.g. a new coach).
        if _can_hold(assignee) and existing.assigned_to_id != assignee.id:
            existing.assigned_to = assignee
        db.session.flush()
        return existing
    holder = assignee if _can_hold(assignee) else default_assignee(employer, actor if _can_hold(actor) else None)
    if holder is None:
        return None
    try:
        return schedule_followup(
            employer=employer,
            title=title,
            due_date=due_date,
            created_by=actor,
            assigned_to=holder,
            note=note,
            today=today,
        )
    except FollowUpError:
        # Do-not-contact or archived employer: no reminder, the action itself still counts.
        return None


def close_reminder(*, followup: FollowUp | None, actor: User | None) -> None:
    """The reason for the reminder is gone: mark it done (by a person) or cancel it (by the system)."""
    if followup is None or followup.status != FollowUpStatus.OPEN:
        return
    if actor is not None:
        complete_followup(followup=followup, by=actor)
    else:
        cancel_followup(followup=followup, by=None)


def cancel_reminder(*, followup: FollowUp | None, actor: User | None) -> None:
    """The record behind the reminder was archived: cancel the open reminder (kept for the history)."""
    if followup is not None and followup.status == FollowUpStatus.OPEN:
        cancel_followup(followup=followup, by=actor)
