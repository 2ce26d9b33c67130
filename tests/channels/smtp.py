"""A real SMTP server on loopback (aiosmtpd) for tests that send e-mail.

It keeps every message it accepted, can be stopped and started again on the same port
(an SMTP server that goes away), told to refuse (``refuse_rcpt = (451, "...")`` for a
temporary refusal, ``(550, "...")`` for a permanent one, optionally only ``refuse_times``
times), to stop listening right after its n-th accepted message (``down_after``:
a server that goes away in the middle of a run of sends), or to keep a message and
hang up before saying so (``hang_up_after_data``: the answer lost on the way back).

As the providers people use speak it: ``SmtpServer(security="starttls", tls=context)``
offers STARTTLS and refuses everything but EHLO before it (port 587);
``security="ssl"`` is TLS from the first byte (port 465). ``credentials=(user, password)``
then requires AUTH (PLAIN or LOGIN) before MAIL, accepted over TLS only; with
``security="none"`` it is offered in clear text (a badly set up relay: a client must not
use it). Every AUTH attempt is kept in ``auth_attempts``; ``auth_refusal`` is what a refused
login answers instead of aiosmtpd's "535 5.7.8" (``"454 4.7.0 Try again later"``: a temporary one).

Use the ``smtp_server`` fixture (``from tests.channels.smtp import smtp_server``) or
:class:`SmtpServer` directly; ``server.settings(base)`` points Doorstep's Settings at it.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Literal

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

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


@dataclass(frozen=True)
class AuthAttempt:
    mechanism: str
    login: str
    accepted: bool
    over_tls: bool


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_MAIL(self, _server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        if self.server.credentials is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

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


def _over_tls(server: Any) -> bool:
    transport = getattr(server, "transport", None)
    return transport is not None and transport.get_extra_info("ssl_object") is not None


class SmtpServer:
    def __init__(self, *, security: Literal["none", "starttls", "ssl"] = "none", tls: ssl.SSLContext | None = None,
                 credentials: tuple[str, str] | None = None, mechanisms: tuple[str, ...] = ("LOGIN", "PLAIN")) -> None:
        assert (security == "none") == (tls is None), "starttls and ssl need the server's TLS context"
        self.host = "127.0.0.1"
        self.port = free_port()
        self.security = security
        self.tls = tls
        self.credentials = credentials
        self.mechanisms = mechanisms  # the AUTH mechanisms it offers (aiosmtpd has LOGIN and PLAIN)
        self.auth_attempts: list[AuthAttempt] = []
        self.auth_refusal: str | None = None  # None: aiosmtpd's "535 5.7.8 Authentication credentials invalid"
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

    def _authenticate(self, server: Any, _session: Any, _envelope: Any, mechanism: str, data: Any) -> AuthResult:
        over_tls = _over_tls(server)
        ok = False
        login = ""
        if isinstance(data, LoginPassword) and self.credentials is not None:
            login = data.login.decode("utf-8", "replace")
            user, password = self.credentials
            # Over TLS only, when the server requires TLS (as every provider does).
            ok = (data.login, data.password) == (user.encode(), password.encode()) and (
                over_tls or self.security == "none")
        with self.lock:
            self.auth_attempts.append(AuthAttempt(mechanism, login, ok, over_tls))
        # aiosmtpd answers 235, or 535 unless told another refusal.
        return AuthResult(success=ok, handled=False, message=None if ok else self.auth_refusal)

    def start(self) -> None:
        if self.controller is None:
            self.down_after = None
            options: dict[str, Any] = {}
            if self.credentials is not None:
                # auth_require_tls only knows STARTTLS: on implicit TLS the listener is the TLS.
                options |= {"authenticator": self._authenticate, "auth_require_tls": self.security == "starttls",
                            "auth_exclude_mechanism": [m for m in ("LOGIN", "PLAIN") if m not in self.mechanisms]}
            if self.security == "starttls":
                options |= {"tls_context": self.tls, "require_starttls": True}
            elif self.security == "ssl":
                options |= {"ssl_context": self.tls}
            self.controller = Controller(_Handler(self), hostname=self.host, port=self.port, **options)
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
        """``base`` with e-mail sent to this server, with its security (the login and CA file are the test's)."""
        return base.model_copy(update={"smtp_host": self.host, "smtp_port": self.port, "smtp_security": self.security,
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
