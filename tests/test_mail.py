"""The outbox against a real SMTP server on loopback: delivery, retries, refusals, expiry, timeouts."""

import socket
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from crm.extensions import db
from crm.mail import OutboxMessage, OutboxStatus, _claim, deliver_due_messages, enqueue_mail, retry_delay

T0 = datetime(2026, 3, 30, 6, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    """The clock stands still at T0 (Monday 30 March 2026, 08:00 in Berlin) until moved."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def queue(key: str = "test:1", recipient: str = "anna@example.org", **fields) -> OutboxMessage:
    message = enqueue_mail(
        dedupe_key=key,
        kind=fields.pop("kind", "test"),
        recipient=recipient,
        subject=fields.pop("subject", "Wiedervorlagen für März: Bäckerei Müller, Größe"),
        body_text=fields.pop("body_text", "Grüße aus der Werkstatt – äöü ß"),
        body_html=fields.pop("body_html", "<p>Grüße aus der <b>Werkstatt</b></p>"),
        **fields,
    )
    db.session.commit()
    return message


def rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_queued_mail_is_sent_once_to_one_recipient_with_umlauts_and_a_stable_message_id(app, smtp_server, clock):
    row = queue()
    report = deliver_due_messages()
    again = deliver_due_messages()
    assert (report.sent, again.sent) == (1, 0)
    [message] = smtp_server.messages
    assert message["To"] == "anna@example.org"
    assert message["Subject"] == "Wiedervorlagen für März: Bäckerei Müller, Größe"
    assert message.get_all("Message-ID") == [f"<outbox-{row.id}-test.1@example.org>"]
    assert message["Auto-Submitted"] == "auto-generated"
    assert "Grüße aus der Werkstatt – äöü ß" in message.get_body(("plain",)).get_content()
    assert "<b>Werkstatt</b>" in message.get_body(("html",)).get_content()
    [stored] = rows()
    assert stored.status == OutboxStatus.SENT and stored.attempts == 1 and stored.sent_at == T0


def test_the_same_dedupe_key_is_queued_only_once(app, clock):
    assert queue("digest:1:2026-03-30") is not None
    assert queue("digest:1:2026-03-30") is None
    assert len(rows()) == 1


def test_server_down_keeps_the_mail_queued_with_backoff_and_sends_it_once_when_back(app, smtp_server, clock):
    queue()
    smtp_server.stop()
    report = deliver_due_messages()
    assert report.retried == 1 and report.sent == 0
    [row] = rows()
    assert row.status == OutboxStatus.QUEUED and row.attempts == 1
    assert row.next_attempt_at == T0 + retry_delay(1)
    assert "ConnectionRefusedError" in row.last_error

    clock.move_to(T0 + timedelta(seconds=30))
    assert deliver_due_messages().sent == 0  # backing off: not due yet
    smtp_server.start()
    clock.move_to(T0 + timedelta(minutes=2))
    assert deliver_due_messages().sent == 1
    assert deliver_due_messages().sent == 0
    assert len(smtp_server.messages) == 1
    [row] = rows()
    assert row.status == OutboxStatus.SENT and row.attempts == 2 and row.last_error is None


def test_backoff_doubles_up_to_one_hour():
    assert [retry_delay(n).total_seconds() / 60 for n in (1, 2, 3, 4, 7, 8, 20)] == [1, 2, 4, 8, 60, 60, 60]


def test_451_at_rcpt_then_250_delivers_exactly_once(app, smtp_server, clock):
    queue()
    smtp_server.rcpt_script.append("451 4.7.1 Greylisted, try again later")
    first = deliver_due_messages()
    assert first.retried == 1 and not smtp_server.messages
    [row] = rows()
    assert row.status == OutboxStatus.QUEUED and "451" in row.last_error
    clock.move_to(T0 + timedelta(minutes=1))
    assert deliver_due_messages().sent == 1
    assert len(smtp_server.messages) == 1


def test_451_at_data_is_retried_too(app, smtp_server, clock):
    queue()
    smtp_server.data_script.append("451 4.3.0 Temporary local problem")
    assert deliver_due_messages().retried == 1
    clock.move_to(T0 + timedelta(minutes=1))
    assert deliver_due_messages().sent == 1
    assert len(smtp_server.messages) == 1


def test_550_for_one_address_fails_only_that_mail(app, smtp_server, clock):
    queue("test:1", "anna@example.org")
    queue("test:2", "kaputt@example.org")
    queue("test:3", "jonas@example.org")
    smtp_server.refused["kaputt@example.org"] = "550 5.1.1 No such user"
    report = deliver_due_messages()
    assert (report.sent, report.failed, report.retried) == (2, 1, 0)
    states = {row.recipient: row.status for row in rows()}
    assert states == {
        "anna@example.org": OutboxStatus.SENT,
        "kaputt@example.org": OutboxStatus.FAILED,
        "jonas@example.org": OutboxStatus.SENT,
    }
    assert "550" in next(r for r in rows() if r.recipient == "kaputt@example.org").last_error
    clock.move_to(T0 + timedelta(hours=2))
    assert deliver_due_messages().sent == 0  # a failed mail is not retried
    assert sorted(m["To"] for m in smtp_server.messages) == ["anna@example.org", "jonas@example.org"]


def test_a_mail_is_given_up_after_the_maximum_attempts(app, smtp_server, clock):
    app.config["MAIL_MAX_ATTEMPTS"], saved = 2, app.config["MAIL_MAX_ATTEMPTS"]
    try:
        queue()
        smtp_server.stop()
        deliver_due_messages()
        clock.move_to(T0 + timedelta(minutes=5))
        assert deliver_due_messages().failed == 1
        assert rows()[0].status == OutboxStatus.FAILED
    finally:
        app.config["MAIL_MAX_ATTEMPTS"] = saved


def test_an_expired_mail_is_not_sent_late(app, smtp_server, clock):
    queue(expires_at=T0 + timedelta(hours=1))
    clock.move_to(T0 + timedelta(hours=2))
    report = deliver_due_messages()
    assert report.expired == 1 and report.sent == 0
    assert rows()[0].status == OutboxStatus.FAILED and rows()[0].last_error.startswith("expired")
    assert smtp_server.messages == []


def test_a_claimed_row_is_not_taken_by_a_second_sender(app, clock):
    row = queue()
    assert _claim(row.id, now=T0 + timedelta(seconds=1))
    assert not _claim(row.id, now=T0 + timedelta(seconds=2))  # leased to the first sender


def test_a_hung_server_times_out_and_the_mail_stays_queued(app):
    """A server that accepts the connection and never greets must not hang the job."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                held.append(conn)  # accepted, never answered
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_TIMEOUT_SECONDS")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=listener.getsockname()[1], MAIL_TIMEOUT_SECONDS=1)
    try:
        queue()
        started = time.monotonic()
        report = deliver_due_messages()
        assert time.monotonic() - started < 5
        assert report.retried == 1
        assert rows()[0].status == OutboxStatus.QUEUED
    finally:
        app.config.update(saved)
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        listener.close()
