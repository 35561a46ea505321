"""The digest job: an idempotent poll that queues each user's digest once per working day.

Run every minute by `crm scheduler` and by hand with `crm send-reminders`. It only ever looks at
*today* (Europe/Berlin): a scheduler that was down at 07:00 sends today's digest when it starts and
never yesterday's. A user is handled once per day (digest_runs unique key); the mail itself is
guarded by the outbox key digest:<user>:<day>.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError

from crm.auth.models import User
from crm.db import utcnow
from crm.extensions import db
from crm.followups.digest import Digest, RenderedDigest, build_digests, render_digest
from crm.followups.models import DEFAULT_DIGEST_TIME, DigestRun, ReminderSettings
from crm.followups.workdays import end_of_local_day, is_working_day, local_instant, local_today
from crm.mail import enqueue_mail


@dataclass
class DigestOutcome:
    user_id: int
    email: str
    overdue: int
    today: int
    contact: int
    subject: str | None
    status: str  # "queued", "would_queue", "empty", "taken" (another process handled it)


@dataclass
class PreparedDigest(DigestOutcome):
    rendered: RenderedDigest | None = None


@dataclass
class DigestJobReport:
    day: date
    working_day: bool
    outcomes: list[DigestOutcome] = field(default_factory=list)

    @property
    def queued(self) -> int:
        return sum(1 for o in self.outcomes if o.status in ("queued", "would_queue"))


def digest_key(user_id: int, day: date) -> str:
    return f"digest:{user_id}:{day.isoformat()}"


def users_due_for_digest(*, day: date, now: datetime, ignore_time: bool = False) -> list[User]:
    """Active users with the digest on, whose chosen time has come today and who were not handled today."""
    rows = db.session.execute(
        select(User, ReminderSettings.digest_time)
        .outerjoin(ReminderSettings, ReminderSettings.user_id == User.id)
        .where(
            User.active.is_(True),
            or_(ReminderSettings.id.is_(None), ReminderSettings.digest_enabled.is_(True)),
            ~exists().where(DigestRun.user_id == User.id, DigestRun.covers_date == day),
        )
        .order_by(User.id)
    ).all()
    return [
        user
        for user, at in rows
        if ignore_time or local_instant(day, at if at is not None else DEFAULT_DIGEST_TIME) <= now
    ]


def queue_due_digests(
    *,
    now: datetime | None = None,
    day: date | None = None,
    ignore_time: bool = False,
    any_day: bool = False,
    dry_run: bool = False,
) -> DigestJobReport:
    """Queue today's digest for every user whose time has come; commit per user.

    `day` other than today is only allowed as a dry run (a preview); `ignore_time` and `any_day`
    are for running it by hand.
    """
    now = now or utcnow()
    today = local_today(now)
    day = day or today
    if day != today and not dry_run:
        raise ValueError("only today's digest can be queued; preview other days with dry_run")
    report = DigestJobReport(day=day, working_day=is_working_day(day))
    if not report.working_day and not any_day:
        return report
    users = users_due_for_digest(day=day, now=now, ignore_time=ignore_time or day != today)
    batch_size = int(current_app.config.get("DIGEST_BATCH_SIZE", 200))
    for start in range(0, len(users), batch_size):
        batch = users[start : start + batch_size]
        digests = build_digests(batch, day=day, now=now)
        prepared = [_prepare(digests[user.id]) for user in batch]
        # Everything needed is in `prepared` now. Without the loaded rows in the session, the commit
        # after each user does not have to expire thousands of objects (and nothing reloads them).
        db.session.expunge_all()
        for item in prepared:
            report.outcomes.append(item if dry_run else _store(item, day=day))
    if dry_run:
        db.session.rollback()
    return report


def _prepare(digest: Digest) -> PreparedDigest:
    """Render one user's digest (or note that nothing is due)."""
    user = digest.user
    rendered = None if digest.is_empty else render_digest(digest)
    return PreparedDigest(
        user_id=user.id,
        email=user.email,
        overdue=digest.overdue_total,
        today=digest.today_total,
        contact=digest.contact_total,
        subject=rendered.subject if rendered else None,
        status="empty" if rendered is None else "would_queue",
        rendered=rendered,
    )


def _store(item: "PreparedDigest", *, day: date) -> DigestOutcome:
    """Claim the user's day (unique key), queue the mail if there is one, commit."""
    run = DigestRun(
        user_id=item.user_id,
        covers_date=day,
        overdue_count=item.overdue,
        today_count=item.today,
        contact_count=item.contact,
    )
    outcome = DigestOutcome(**{k: getattr(item, k) for k in DigestOutcome.__dataclass_fields__})
    try:
        with db.session.begin_nested():
            db.session.add(run)
    except IntegrityError:
        # Another process handled this user today (the unique key decided).
        outcome.status = "taken"
        return outcome
    outcome.status = "empty"
    if item.rendered is not None:
        message = enqueue_mail(
            dedupe_key=digest_key(item.user_id, day),
            kind="digest",
            recipient=item.email,
            subject=item.rendered.subject,
            body_text=item.rendered.text,
            body_html=item.rendered.html,
            user_id=item.user_id,
            covers_date=day,
            expires_at=end_of_local_day(day),
        )
        if message is None:
            outcome.status = "taken"
        else:
            db.session.flush()
            run.queued = True
            run.outbox_message_id = message.id
            outcome.status = "queued"
    db.session.commit()
    return outcome
