"""Activities: log, edit, archive and restore interactions; keep the employer's last contact time right."""

from collections.abc import Callable
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from crm.activities.models import Activity, ActivityKind
from crm.auth.models import User
from crm.contacts.models import Contact
from crm.db import utcnow
from crm.domain import DomainError
from crm.employers.models import Employer
from crm.extensions import db

# Staff log yesterday's call, and a visit planned for tomorrow morning may be noted tonight; more is a typo.
FUTURE_TOLERANCE = timedelta(days=1)

# Run by the log view right after log_activity, in the same transaction, before the one commit:
# hook(activity=Activity, form=ActivityForm) -> None. A hook may add rows (the next follow-up, …) and may
# raise ActivityError(message, field=<form field name>) to reject the whole step; nothing is then saved.
AFTER_LOG_HOOKS: list[Callable[..., None]] = []


class ActivityError(DomainError):
    """A rule stopped the change; `field` names the form field the message belongs to."""


def log_activity(
    *,
    employer: Employer,
    kind: ActivityKind,
    user: User | None,
    subject: str,
    occurred_at: datetime | None = None,
    contact: Contact | None = None,
    summary: str | None = None,
    outcome: str | None = None,
) -> Activity:
    """Record an interaction (default: now) and move the employer's last contact time if it is newer."""
    if employer.archived_at is not None:
        raise ActivityError(_("This employer is archived. Restore it before logging activities."))
    occurred_at = occurred_at or utcnow()
    _check(employer, subject=subject, occurred_at=occurred_at)
    if contact is not None:
        _check_contact(employer, contact)
        if not contact.is_current:
            raise ActivityError(
                _("%(name)s is no longer a current contact of this employer.", name=contact.full_name), "contact_id"
            )
    activity = Activity(
        employer_id=employer.id,
        kind=kind,
        user_id=user.id if user else None,
        contact_id=contact.id if contact else None,
        occurred_at=occurred_at,
        subject=subject,
        summary=summary,
        outcome=outcome,
    )
    db.session.add(activity)
    db.session.flush()
    refresh_last_contact(employer)
    return activity


def update_activity(
    *,
    activity: Activity,
    kind: ActivityKind,
    occurred_at: datetime,
    subject: str,
    contact: Contact | None = None,
    summary: str | None = None,
    outcome: str | None = None,
) -> Activity:
    """Correct a logged activity; the employer's last contact time follows a changed date either way."""
    if activity.archived_at is not None:
        raise ActivityError(_("Archived entries cannot be edited."))
    employer = activity.employer
    _check(employer, subject=subject, occurred_at=occurred_at)
    if contact is not None:
        _check_contact(employer, contact)
        # A person who left since may stay on the entry, but nobody new who is no longer current.
        if contact.id != activity.contact_id and not contact.is_current:
            raise ActivityError(
                _("%(name)s is no longer a current contact of this employer.", name=contact.full_name), "contact_id"
            )
    activity.kind = kind
    activity.occurred_at = occurred_at
    activity.subject = subject
    activity.contact_id = contact.id if contact else None
    activity.summary = summary
    activity.outcome = outcome
    db.session.flush()
    refresh_last_contact(employer)
    return activity


def archive_activity(*, activity: Activity) -> Activity:
    """Hide an entry logged by mistake (kept in the audit trail); the last contact time is recomputed."""
    if activity.archived_at is None:
        activity.archived_at = utcnow()
        db.session.flush()
        refresh_last_contact(activity.employer)
    return activity


def restore_activity(*, activity: Activity) -> Activity:
    """Bring an archived entry back (admins only; the view checks the role)."""
    if activity.archived_at is not None:
        activity.archived_at = None
        db.session.flush()
        refresh_last_contact(activity.employer)
    return activity


def refresh_last_contact(employer: Employer) -> None:
    """Set Employer.last_contact_at to the newest non-archived activity, computed by the database."""
    # Take the employer row first: a concurrent log for the same employer then waits, and the UPDATE
    # below sees its activity (on PostgreSQL a statement's subquery only sees rows committed before it).
    # NO KEY UPDATE does not conflict with the key-share lock our own activity insert holds.
    db.session.execute(
        select(Employer.id).where(Employer.id == employer.id).with_for_update(key_share=True)
    ).scalar_one()
    newest = (
        select(func.max(Activity.occurred_at))
        .where(Activity.employer_id == employer.id, Activity.archived_at.is_(None))
        .scalar_subquery()
    )
    # A derived value: no version bump (an open edit form of the employer stays valid), no updated_at.
    db.session.execute(
        update(Employer)
        .where(Employer.id == employer.id)
        .values(last_contact_at=newest, updated_at=Employer.updated_at)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(employer, ["last_contact_at"])


def contact_warnings(employer: Employer, kind: ActivityKind, contact: Contact | None) -> list[str]:
    """Reasons to think twice before contacting; logging stays allowed (the history must be complete)."""
    if kind == ActivityKind.NOTE:
        return []
    warnings = []
    if employer.stage.blocks_contact:
        warnings.append(
            _(
                "%(employer)s is in the stage “%(stage)s”: please make no further contact.",
                employer=employer.name,
                stage=employer.stage.name,
            )
        )
    if contact is not None and contact.do_not_contact:
        warnings.append(_("%(name)s does not want to be contacted by us.", name=contact.full_name))
    return warnings


def recent_activities(employer_id: int, *, limit: int = 3) -> list[Activity]:
    """The newest non-archived activities of an employer with user and contact, in one query."""
    query = (
        select(Activity)
        .where(Activity.employer_id == employer_id, Activity.archived_at.is_(None))
        .options(joinedload(Activity.user), joinedload(Activity.contact))
        .order_by(Activity.occurred_at.desc(), Activity.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def _check(employer: Employer, *, subject: str, occurred_at: datetime) -> None:
    if not (subject or "").strip():
        raise ActivityError(_("Please enter a subject."), "subject")
    if occurred_at.tzinfo is None:
        raise ValueError("occurred_at must be an aware datetime")
    if occurred_at > utcnow() + FUTURE_TOLERANCE:
        raise ActivityError(
            _("This date is more than one day in the future. Please enter when the contact took place."),
            "occurred_at",
        )


def _check_contact(employer: Employer, contact: Contact) -> None:
    if contact.employer_id != employer.id:
        raise ActivityError(_("This person is not a contact of this employer."), "contact_id")
