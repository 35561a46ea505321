"""A real SMTP server on loopback (aiosmtpd) that collects messages and can be told to misbehave."""

import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A free TCP port on loopback (aiosmtpd's Controller(port=0) cannot report the port it got)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SinkHandler:
    """aiosmtpd handler: refuses chosen recipients, answers scripted transient errors, stores the rest."""

    def __init__(self, sink: "SmtpSink") -> None:
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd API)
        with self.sink.lock:
            if address in self.sink.refused:
                return self.sink.refused[address]
            if self.sink.rcpt_script:
                return self.sink.rcpt_script.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        with self.sink.lock:
            if self.sink.data_script:
                return self.sink.data_script.pop(0)
            message = message_from_bytes(envelope.content, policy=policy.default)
            self.sink.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class SmtpSink:
    """Start/stop a loopback SMTP server on a fixed port; read what it received."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.lock = threading.Lock()
        self.received: list[tuple[str, list[str], EmailMessage]] = []
        self.refused: dict[str, str] = {}
        self.rcpt_script: list[str] = []  # answers for the next RCPT commands, e.g. "451 4.7.1 Try later"
        self.data_script: list[str] = []  # answers for the next DATA commands
        self.controller: Controller | None = None

    def start(self) -> "SmtpSink":
        self.controller = Controller(SinkHandler(self), hostname="127.0.0.1", port=self.port, ready_timeout=10)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [message for _sender, _rcpts, message in self.received]

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [message for _sender, rcpts, message in self.received if address in rcpts]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                break
            time.sleep(0.05)
        return self.messages
