"""The outbox: mail is written as a row in the same transaction as its cause and delivered later.

Requests never talk to SMTP. `deliver_due_messages` (run by `crm scheduler`, or by hand with
`crm send-outbox`) claims each queued row, sends it and stamps it in its own transaction, so a
crash or a second sender never loses a message and never sends one twice (except when the process
dies between the server's "250 OK" and the commit — SMTP cannot be made exactly-once).
"""

import enum
import smtplib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit

from flask import current_app
from flask_mail import Message
from sqlalchemy import ForeignKey, Index, String, Text, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import enum_column, utcnow
from crm.extensions import db


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The database makes "once per cause" a fact: e.g. "digest:<user>:<day>".
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    covers_date: Mapped[date | None]
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(250))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus), default=OutboxStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    # When the row may be tried next; a sender also pushes it forward to claim the row while sending.
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A message that is pointless later (today's digest) is given up at this time instead of sent late.
    expires_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    @property
    def message_id(self) -> str:
        """Stable per row, so a receiving server or client can spot a duplicate delivery."""
        domain = sender_address().rsplit("@", 1)[-1] or "localhost"
        return f"<outbox-{self.id}-{self.dedupe_key.replace(':', '.').replace(' ', '')}@{domain}>"


def sender_address() -> str:
    """The bare address of MAIL_DEFAULT_SENDER ("Name <a@b>" → "a@b")."""
    return parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1]


def absolute_url(endpoint: str, **values: object) -> str:
    """An absolute link for e-mails, built from BASE_URL: never from a request's Host header (which an
    attacker chooses), and the scheduler has no request anyway."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)


def enqueue_mail(
    *,
    dedupe_key: str,
    kind: str,
    recipient: str,
    subject: str,
    body_text: str,
    body_html: str | None = None,
    user_id: int | None = None,
    covers_date: date | None = None,
    expires_at: datetime | None = None,
) -> OutboxMessage | None:
    """Queue a message once per `dedupe_key`; return None when it was queued before."""
    exists = db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key))
    if exists is not None:
        return None
    message = OutboxMessage(
        dedupe_key=dedupe_key,
        kind=kind,
        recipient=recipient,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        user_id=user_id,
        covers_date=covers_date,
        expires_at=expires_at,
    )
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        # Another process queued the same key between our check and insert: the key wins.
        return None
    return message


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    expired: int = 0
    # (outbox id, recipient, "sent" | "retry" | "failed", error or None) per row tried, for the CLI.
    rows: list[tuple[int, str, str, str | None]] = field(default_factory=list)


def retry_delay(attempts: int) -> timedelta:
    """Back off 1, 2, 4 … minutes, at most one hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def claim_lease() -> timedelta:
    """How long a claimed row stays hidden from other senders: longer than one SMTP exchange can take."""
    return timedelta(seconds=max(60, 4 * float(current_app.config["MAIL_TIMEOUT_SECONDS"])))


def build_message(row: OutboxMessage) -> Message:
    message = Message(
        subject=row.subject,
        recipients=[row.recipient],
        body=row.body_text,
        html=row.body_html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        # RFC 3834: tells vacation responders not to answer a machine.
        extra_headers={"Auto-Submitted": "auto-generated"},
        charset="utf-8",
    )
    # Flask-Mail makes a random Message-ID; a second header would be invalid, so replace its value.
    message.msgId = row.message_id
    return message


def open_smtp() -> smtplib.SMTP:
    """Connect with a timeout (Flask-Mail sets none; a hung server would hang the job)."""
    config = current_app.config
    timeout = float(config["MAIL_TIMEOUT_SECONDS"])
    if config.get("MAIL_USE_SSL"):
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=timeout)
    else:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=timeout)
    if config.get("MAIL_USE_TLS"):
        smtp.starttls()
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    return smtp


def expire_messages(*, now: datetime) -> int:
    """Give up queued messages past their expiry (yesterday's digest is never sent today)."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.QUEUED,
            OutboxMessage.expires_at.is_not(None),
            OutboxMessage.expires_at <= now,
        )
        .values(status=OutboxStatus.FAILED, last_error="expired: not delivered in time")
    )
    return result.rowcount or 0


def empty_sent_bodies(*, sent_before: datetime, limit: int) -> int:
    """Empty the bodies of up to `limit` messages sent before `sent_before`; return how many were emptied.

    The row stays (recipient, subject, sent_at, dedupe key: what was sent to whom and when, and the
    once-per-day guard); the text, which names employers and contacts, goes. Rows already empty are
    not counted, so a second run, or a second process at the same time, changes nothing.
    """
    still_full = (
        OutboxMessage.status == OutboxStatus.SENT,
        OutboxMessage.sent_at < sent_before,
        or_(OutboxMessage.body_text != "", OutboxMessage.body_html.is_not(None)),
    )
    batch = select(OutboxMessage.id).where(*still_full).order_by(OutboxMessage.id).limit(limit)
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(batch.scalar_subquery()), *still_full)
        .values(body_text="", body_html=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def _claim(row_id: int, *, now: datetime) -> bool:
    """Take one due row for this sender by pushing its next attempt past the lease; True if ours."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == row_id,
            OutboxMessage.status == OutboxStatus.QUEUED,
            OutboxMessage.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + claim_lease())
    )
    db.session.commit()
    return result.rowcount == 1


def deliver_due_messages(*, now: datetime | None = None, limit: int = 500) -> DeliveryReport:
    """Send queued messages whose time has come; one transaction per row so progress survives a crash."""
    now = now or utcnow()
    report = DeliveryReport()
    report.expired = expire_messages(now=now)
    db.session.commit()
    candidate_ids = list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
    )
    db.session.commit()
    smtp: smtplib.SMTP | None = None
    try:
        for row_id in candidate_ids:
            if not _claim(row_id, now=now):
                continue  # another sender has it, or it was sent meanwhile
            row = db.session.get(OutboxMessage, row_id, populate_existing=True)
            stop = False
            try:
                if smtp is None:
                    smtp = open_smtp()
                smtp.sendmail(sender_address(), [row.recipient], build_message(row).as_bytes())
            except smtplib.SMTPRecipientsRefused as error:
                # 550 for this address: only this mail fails; 4xx: try it again later.
                _record_failure(row, error, permanent=_is_permanent(error), now=now, report=report)
            except smtplib.SMTPSenderRefused as error:
                # The server refuses our sender: every message would fail the same way; retry later.
                _record_failure(row, error, permanent=False, now=now, report=report)
                stop = True
            except smtplib.SMTPResponseException as error:
                # DATA answered 4xx (e.g. 451 greylisting) → retry; 5xx → this message is refused.
                _record_failure(row, error, permanent=500 <= error.smtp_code < 600, now=now, report=report)
                if error.smtp_code == 421:  # the server is closing the connection
                    smtp = _close(smtp)
            except (TimeoutError, OSError, smtplib.SMTPException) as error:
                # The server is down, hung or dropped us: keep the row queued and stop this round.
                _record_failure(row, error, permanent=False, now=now, report=report)
                smtp = _close(smtp)
                stop = True
            else:
                row.status = OutboxStatus.SENT
                row.sent_at = utcnow()
                row.attempts += 1
                row.last_error = None
                report.sent += 1
                report.rows.append((row.id, row.recipient, "sent", None))
            db.session.commit()
            if stop:
                break
    finally:
        db.session.rollback()
        _close(smtp)
    return report


def _is_permanent(error: smtplib.SMTPRecipientsRefused) -> bool:
    return all(500 <= code < 600 for code, _ in error.recipients.values())


def _record_failure(
    row: OutboxMessage, error: Exception, *, permanent: bool, now: datetime, report: DeliveryReport
) -> None:
    row.attempts += 1
    row.last_error = f"{type(error).__name__}: {error}"[:2000]
    if permanent or row.attempts >= int(current_app.config["MAIL_MAX_ATTEMPTS"]):
        row.status = OutboxStatus.FAILED
        report.failed += 1
        report.rows.append((row.id, row.recipient, "failed", row.last_error))
    else:
        row.next_attempt_at = now + retry_delay(row.attempts)
        report.retried += 1
        report.rows.append((row.id, row.recipient, "retry", row.last_error))
    current_app.logger.warning("mail %s to outbox row %s not delivered: %s", row.kind, row.id, row.last_error)


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return None
