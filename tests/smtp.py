"""A real SMTP server for the mail tests: aiosmtpd in this process, on a
port of its own, keeping every message it accepted (parsed, with the
envelope's recipients). It can be stopped and started again on the same
port (the server away for a while), made slow, and told to answer a
recipient 550 (refused for good) or 451 (try again later).

The ``smtp_server`` fixture (registered in conftest.py) starts one and
points the test's app at it (MAIL_SERVER, MAIL_PORT, MAIL_USE_TLS=False);
``smtp_server.env()`` gives the same settings for a worker in a
subprocess."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    raw: bytes

    @property
    def message_id(self) -> str:
        return self.message["Message-ID"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler:
    def __init__(self, server: SMTPServer):
        self.server = server

    async def handle_MAIL(self, _session_server, _session, envelope, address, options):
        if self.server.mail_answer:
            return self.server.mail_answer
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, _session_server, _session, envelope, address, _options):
        answer = self.server.answers.get(address.lower())
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, session_server, _session, envelope):
        if self.server.data_answer:
            return self.server.data_answer
        message = message_from_bytes(envelope.content, policy=default_policy)
        # Kept before the (slow) answer: a client that dies while it waits
        # has had its message taken, as a lost acknowledgement does.
        self.server._keep(Received(envelope.mail_from, tuple(envelope.rcpt_tos), message,
                                   envelope.original_content or envelope.content))
        if self.server.cuts:
            # The session breaks before the answer: the client never learns
            # that the message was taken (a lost acknowledgement).
            self.server.cuts -= 1
            session_server.transport.close()
            return "421 4.4.2 Connection lost"
        if self.server.delay:
            await asyncio.sleep(self.server.delay)
        return "250 Message accepted for delivery"


class SMTPServer:
    """``messages``: what it accepted, in order. Controls: ``stop()``,
    ``start()``, ``slow(seconds)``, ``answer(address, "550 ...")``,
    ``answer_data("421 ...")``, ``answer_mail("550 ...")``, ``cut()``,
    ``normal()``."""

    def __init__(self, port: int | None = None):
        self.host = "127.0.0.1"
        self.port = port or _free_port()
        self.messages: list[Received] = []
        self.answers: dict[str, str] = {}
        self.data_answer: str | None = None
        self.mail_answer: str | None = None
        self.cuts = 0
        self.delay = 0.0
        self._controller: Controller | None = None
        self._changed = threading.Condition()

    # -- running ----------------------------------------------------------------

    def start(self) -> SMTPServer:
        if self._controller is None:
            self._controller = Controller(_Handler(self), hostname=self.host, port=self.port,
                                          ready_timeout=10)
            self._controller.start()
        return self

    def stop(self) -> None:
        """Away: connections refused, sessions open now cut."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    # -- behaviour --------------------------------------------------------------

    def slow(self, seconds: float) -> None:
        """Take ``seconds`` to answer each message (after keeping it)."""
        self.delay = seconds

    def answer(self, address: str, reply: str) -> None:
        """Answer RCPT TO ``address`` with ``reply``, e.g. "550 5.1.1 No such
        user" or "451 4.3.0 Try again later"."""
        self.answers[address.lower()] = reply

    def answer_data(self, reply: str | None) -> None:
        """Answer every message's DATA with ``reply`` (e.g. "421 ...")."""
        self.data_answer = reply

    def answer_mail(self, reply: str | None) -> None:
        """Answer every MAIL FROM with ``reply`` (e.g. "550 ..." for a sender
        this server does not relay for)."""
        self.mail_answer = reply

    def cut(self, times: int = 1) -> None:
        """Keep the next ``times`` messages, then close their sessions
        before answering (a connection lost at the worst moment)."""
        self.cuts = times

    def normal(self) -> None:
        self.answers.clear()
        self.data_answer = None
        self.mail_answer = None
        self.cuts = 0
        self.delay = 0.0

    # -- what came --------------------------------------------------------------

    def _keep(self, received: Received) -> None:
        with self._changed:
            self.messages.append(received)
            self._changed.notify_all()

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.rcpt_tos]

    def recipients(self) -> list[str]:
        return sorted(r for m in self.messages for r in m.rcpt_tos)

    def wait_for(self, count: int, timeout: float = 15) -> bool:
        """True once ``count`` messages came, False after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True

    # -- settings ---------------------------------------------------------------

    def config(self) -> dict:
        return {"MAIL_SERVER": self.host, "MAIL_PORT": self.port, "MAIL_USE_TLS": False,
                "MAIL_USERNAME": None, "MAIL_CONSOLE": False, "MAIL_TIMEOUT": 5}

    def env(self) -> dict[str, str]:
        """The same settings for a process of the app (``HRDEBATE_*``)."""
        return {"HRDEBATE_MAIL_SERVER": self.host, "HRDEBATE_MAIL_PORT": str(self.port),
                "HRDEBATE_MAIL_USE_TLS": "false", "HRDEBATE_MAIL_CONSOLE": "false",
                "HRDEBATE_MAIL_TIMEOUT": "5"}


@pytest.fixture
def smtp_server(app):
    """An aiosmtpd server the test's app sends its mail to."""
    server = SMTPServer().start()
    app.config.update(server.config())
    try:
        yield server
    finally:
        server.stop()
