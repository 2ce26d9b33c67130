"""A real SMTP server on loopback (aiosmtpd) for tests that send e-mail.

It keeps every message it accepted, can be stopped and started again on the same port
(an SMTP server that goes away), told to refuse (``refuse_rcpt = (451, "...")`` for a
temporary refusal, ``(550, "...")`` for a permanent one, optionally only ``refuse_times``
times), to stop listening right after its n-th accepted message (``down_after``:
a server that goes away in the middle of a run of sends), or to keep a message and
hang up before saying so (``hang_up_after_data``: the answer lost on the way back).

Use the ``smtp_server`` fixture (``from tests.channels.smtp import smtp_server``) or
:class:`SmtpServer` directly; ``server.settings(base)`` points Doorstep's Settings at it.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from doorstep.config import Settings


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(self, _server: Any, _session: Any, envelope: Any, address: str,
                          _options: list[str]) -> str:
        owner = self.server
        with owner.lock:
            if owner.refuse_rcpt is not None and (owner.refuse_times is None or owner.refuse_times > 0):
                if owner.refuse_times is not None:
                    owner.refuse_times -= 1
                owner.refusals += 1
                code, text = owner.refuse_rcpt
                return f"{code} {text}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, _session: Any, envelope: Any) -> str:
        owner = self.server
        if owner.delay_seconds:
            await asyncio.sleep(owner.delay_seconds)
        with owner.lock:
            owner.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
            going_down = owner.down_after is not None and len(owner.received) >= owner.down_after
            hang_up = owner.hang_up_after_data > 0
            if hang_up:
                owner.hang_up_after_data -= 1
        if hang_up:
            server.transport.close()  # the message is kept; the client never hears "250"
        if going_down and owner.controller is not None and owner.controller.server is not None:
            # Close the listening socket from inside the server's loop: this message is still
            # accepted, every later connection is refused, deterministically.
            owner.controller.server.close()
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpServer:
    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self.lock = threading.Lock()
        self.received: list[Received] = []
        self.refuse_rcpt: tuple[int, str] | None = None
        self.refuse_times: int | None = None
        self.refusals = 0
        self.down_after: int | None = None
        self.hang_up_after_data = 0
        self.delay_seconds = 0.0  # a slow server: each message takes this long to accept
        self.controller: Controller | None = None

    @property
    def running(self) -> bool:
        return self.controller is not None

    def start(self) -> None:
        if self.controller is None:
            self.down_after = None
            self.controller = Controller(_Handler(self), hostname=self.host, port=self.port)
            self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def refuse(self, code: int, text: str, times: int | None = None) -> None:
        with self.lock:
            self.refuse_rcpt, self.refuse_times = (code, text), times

    def accept(self) -> None:
        with self.lock:
            self.refuse_rcpt, self.refuse_times = None, None

    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [r.message for r in self.received]

    def __enter__(self) -> SmtpServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def settings(self, base: Settings) -> Settings:
        """``base`` with e-mail sent to this server (plain SMTP on loopback)."""
        return base.model_copy(update={"smtp_host": self.host, "smtp_port": self.port, "smtp_security": "none",
                                       "smtp_timeout_seconds": 5.0,
                                       "smtp_from": "Doorstep Surveys <surveys@doorstep.test>"})


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
