"""The outbox: mail is written as a row in the same transaction as its cause and delivered later.

Requests never talk to SMTP. `deliver_due_messages` (run by `crm scheduler`, or by hand with
`crm send-outbox`) sends each queued row and stamps it in its own transaction.
"""

import enum
import smtplib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_mail import Message
from sqlalchemy import ForeignKey, Index, String, Text, select
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
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    @property
    def message_id(self) -> str:
        """Stable per row, so a receiving server or client can spot a duplicate delivery."""
        domain = current_app.config["MAIL_DEFAULT_SENDER"].rsplit("@", 1)[-1].strip("> ")
        return f"<outbox-{self.id}-{self.dedupe_key.replace(':', '.')}@{domain}>"


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


def retry_delay(attempts: int) -> timedelta:
    """Back off 1, 2, 4 … minutes, at most one hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def build_message(row: OutboxMessage) -> Message:
    message = Message(
        subject=row.subject,
        recipients=[row.recipient],
        body=row.body_text,
        html=row.body_html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        extra_headers={"Message-ID": row.message_id},
        charset="utf-8",
    )
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


def deliver_due_messages(*, now: datetime | None = None, limit: int = 500) -> DeliveryReport:
    """Send queued messages whose time has come; commit after each so progress survives a crash."""
    now = now or utcnow()
    report = DeliveryReport()
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list(db.session.scalars(query))
    if not rows:
        db.session.commit()
        return report
    smtp: smtplib.SMTP | None = None
    try:
        for row in rows:
            try:
                if smtp is None:
                    smtp = open_smtp()
                message = build_message(row)
                smtp.sendmail(current_app.config["MAIL_DEFAULT_SENDER"], [row.recipient], message.as_bytes())
            except smtplib.SMTPRecipientsRefused as error:
                _record_failure(row, error, permanent=_is_permanent(error), now=now, report=report)
            except smtplib.SMTPResponseException as error:
                _record_failure(row, error, permanent=500 <= error.smtp_code < 600, now=now, report=report)
                if error.smtp_code in (421,):
                    smtp = _close(smtp)
            except (TimeoutError, OSError, smtplib.SMTPException) as error:
                # The server is down or hung: keep the row queued and stop this round.
                _record_failure(row, error, permanent=False, now=now, report=report)
                smtp = _close(smtp)
                break
            else:
                row.status = OutboxStatus.SENT
                row.sent_at = utcnow()
                row.attempts += 1
                row.last_error = None
                report.sent += 1
            db.session.commit()
    finally:
        db.session.commit()
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
    else:
        row.next_attempt_at = now + retry_delay(row.attempts)
        report.retried += 1
    current_app.logger.warning("mail %s to outbox row %s not delivered: %s", row.kind, row.id, row.last_error)


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return None
