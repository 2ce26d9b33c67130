"""A real HTTP server on a free loopback port that records what it is sent.

Stands in for a customer's webhook endpoint or a chat tool's incoming webhook.
Tell it how to answer the next requests (:meth:`Receiver.script`), else it answers
``default`` (200 ``{"ok": true}``)::

    with Receiver() as rx:
        rx.script(Reply.error(500), Reply.hang(2.0), Reply.redirect("http://elsewhere/"))
        ... point a subscription at rx.url, run the worker ...
        assert [r.path for r in rx.requests] == [...]

It checks Doorstep's signature with its own ten lines (:func:`verify_signature`),
as a receiver would, rather than with Doorstep's code. As a fixture:
``from tests.channels.receiver import receiver`` (a started one, stopped after the test).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = field(default_factory=lambda: {"ok": True})
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (longer than the client's timeout: a hang)

    @classmethod
    def ok(cls, body: Any = None) -> Reply:
        return cls(200, {"ok": True} if body is None else body)

    @classmethod
    def error(cls, status: int = 500, text: str = "internal error") -> Reply:
        return cls(status, text)

    @classmethod
    def hang(cls, seconds: float) -> Reply:
        return cls(200, {"ok": True}, delay=seconds)

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Reply:
        return cls(status, "", {"Location": location})

    @classmethod
    def chat_error(cls, answer: dict[str, Any]) -> Reply:
        """HTTP 200 with a refusal in the body, as Feishu, DingTalk and WeCom do."""
        return cls(200, answer)


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    def __init__(self, default: Reply | None = None) -> None:
        self.default = default or Reply.ok()
        self.requests: list[Recorded] = []
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._release = threading.Event()  # ends every hang at shutdown
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                parts = urlsplit(self.path)
                with receiver._lock:
                    receiver.requests.append(Recorded(
                        "POST", parts.path, parse_qs(parts.query), {k.lower(): v for k, v in self.headers.items()},
                        body))
                    reply = receiver._script.popleft() if receiver._script else receiver.default
                if reply.delay:
                    receiver._release.wait(reply.delay)
                payload = reply.body if isinstance(reply.body, bytes | str) else json.dumps(reply.body)
                data = payload.encode() if isinstance(payload, str) else payload
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "application/json" if not isinstance(reply.body, str)
                                     else "text/plain")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout): that is the point of a hang

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="receiver", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def script(self, *replies: Reply) -> None:
        """Answer the next requests with these, in order; then ``default`` again."""
        with self._lock:
            self._script.extend(replies)

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def verify_signature(secret: str, headers: dict[str, str], body: bytes, now: float, tolerance: float = 300) -> bool:
    """What a receiver does (docs/webhooks.md): recompute the HMAC over "<timestamp>.<body>"."""
    timestamp = headers.get("x-doorstep-timestamp", "")
    signature = headers.get("x-doorstep-signature", "")
    if not timestamp.isdigit() or abs(now - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(signature, f"sha256={expected}")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as rx:
        yield rx
