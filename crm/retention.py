"""Retention: login attempts and the bodies of sent e-mails are kept only as long as configured.

Run by `crm scheduler` (job "retention" in crm.scheduler.SCHEDULE). Login throttling needs only the last
LOGIN_FAILURE_WINDOW_MINUTES; the attempts are kept LOGIN_ATTEMPT_RETENTION_DAYS (default 90) so that an
attack can still be traced afterwards. A sent e-mail keeps its row (recipient, subject, sent_at) but its text,
which names employers and contacts, is emptied after OUTBOX_BODY_RETENTION_DAYS (default 30). Security events
(logins, exports, erasures …) are kept SECURITY_EVENT_RETENTION_DAYS (default 730: long enough to reconstruct
an incident found late, short enough not to become a record of everyone's working hours).

Each step works in batches with a commit after each, so a large backlog never holds a long write lock (SQLite)
and a crash loses nothing but the current batch. Every batch re-checks its condition, so running twice, or in
two processes at once, deletes or empties nothing twice.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from crm.auth.services import delete_login_attempts
from crm.db import utcnow
from crm.extensions import db
from crm.mail import empty_sent_bodies
from crm.security_events.services import delete_security_events

# Under crm.scheduler, so `crm scheduler` prints it with its own lines.
log = logging.getLogger("crm.scheduler.retention")

BATCH_SIZE = 5000
# At most this many batches per run: the next run (an hour later) continues a backlog.
MAX_BATCHES = 200


@dataclass
class RetentionReport:
    login_attempts_deleted: int = 0
    mail_bodies_emptied: int = 0
    security_events_deleted: int = 0


def login_attempts_cutoff(now: datetime) -> datetime:
    """Attempts before this are deleted; never within the throttling window, whatever the setting says."""
    config = current_app.config
    keep = max(
        timedelta(days=float(config["LOGIN_ATTEMPT_RETENTION_DAYS"])),
        timedelta(minutes=float(config["LOGIN_FAILURE_WINDOW_MINUTES"])),
    )
    return now - keep


def mail_bodies_cutoff(now: datetime) -> datetime:
    return now - timedelta(days=float(current_app.config["OUTBOX_BODY_RETENTION_DAYS"]))


def security_events_cutoff(now: datetime) -> datetime:
    return now - timedelta(days=float(current_app.config["SECURITY_EVENT_RETENTION_DAYS"]))


def _in_batches(step: Callable[..., int], *, batch_size: int) -> int:
    total = 0
    for _ in range(MAX_BATCHES):
        done = step(limit=batch_size)
        db.session.commit()
        total += done
        if done < batch_size:
            break
    return total


def apply_retention(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> RetentionReport:
    """Delete old login attempts and empty old sent mail bodies; commits after each batch."""
    now = now or utcnow()
    attempts_before = login_attempts_cutoff(now)
    bodies_before = mail_bodies_cutoff(now)
    events_before = security_events_cutoff(now)
    report = RetentionReport(
        login_attempts_deleted=_in_batches(
            lambda limit: delete_login_attempts(before=attempts_before, limit=limit), batch_size=batch_size
        ),
        mail_bodies_emptied=_in_batches(
            lambda limit: empty_sent_bodies(sent_before=bodies_before, limit=limit), batch_size=batch_size
        ),
        security_events_deleted=_in_batches(
            lambda limit: delete_security_events(before=events_before, limit=limit), batch_size=batch_size
        ),
    )
    if report.login_attempts_deleted or report.mail_bodies_emptied or report.security_events_deleted:
        log.info(
            "retention: %d login attempts deleted, %d sent mail bodies emptied, %d security events deleted",
            report.login_attempts_deleted,
            report.mail_bodies_emptied,
            report.security_events_deleted,
        )
    return report
