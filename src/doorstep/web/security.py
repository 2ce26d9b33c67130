"""Security headers on every response: a strict CSP, no sniffing, no framing, no Referer.

A pure ASGI middleware rather than Starlette's ``BaseHTTPMiddleware``: it only
rewrites the ``http.response.start`` message, so a response body (a 5 MB
plotly.min.js, a streamed export) passes through untouched and no task is spawned
per request.

* ``Content-Security-Policy`` allows scripts from our own origin only: no inline
  script, no ``eval``. Pages keep their data in ``<script type="application/json">``
  blocks, which are data, not script, and are not subject to ``script-src``.
  ``style-src`` allows inline styles because Plotly sets ``style=""`` attributes and
  inserts its own ``<style>`` element while drawing.
* ``Referrer-Policy``: ``no-referrer`` on token pages (``/s/<token>``, ``/o/<token>``, ``/reset/<token>``),
  so a link followed from one never carries the token anywhere; ``same-origin``
  elsewhere, so nothing leaks to another site while our own forms still carry a real
  ``Origin`` (with ``no-referrer`` Chromium sends ``Origin: null`` and the inbox's
  same-origin check would refuse every form).
* ``Cache-Control: no-store`` on token pages, so a shared computer's cache or a proxy
  never keeps a customer's survey.

The API docs (``/docs``, ``/redoc``, see ``doorstep.api.docs``) load Swagger UI and ReDoc
from our own origin too; each page sets its own :func:`docs_content_security_policy`, which
differs from the pages' only in allowing Swagger UI's one inline start-up script by its hash
(and, on ReDoc's page, the Web Worker it builds from a ``blob:`` URL for its search).
A route's own Content-Security-Policy is kept by the middleware; everything else here applies.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "object-src 'none'",
    )
)


def docs_content_security_policy(script_hashes: Iterable[str] = (), *, blob_workers: bool = False) -> str:
    """The pages' policy, plus the given inline scripts (``'sha256-…'`` sources): nothing from other hosts.

    ``blob_workers``: the page may start a Web Worker from a ``blob:`` URL it made itself
    (ReDoc's search index does; nothing is fetched for it).
    """
    allowed = " ".join(("'self'", *script_hashes))
    policy = CONTENT_SECURITY_POLICY.replace("script-src 'self'", f"script-src {allowed}", 1)
    return f"{policy}; worker-src 'self' blob:" if blob_workers else policy


COMMON_HEADERS: tuple[tuple[str, str], ...] = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)

# Pages whose URL holds a secret token.
TOKEN_PREFIXES = ("/s/", "/o/", "/reset/")


def headers_for(path: str) -> list[tuple[str, str]]:
    """The security headers a response to ``path`` gets."""
    headers = [("Content-Security-Policy", CONTENT_SECURITY_POLICY), *COMMON_HEADERS]
    if path.startswith(TOKEN_PREFIXES):
        return [*headers, ("Referrer-Policy", "no-referrer"), ("Cache-Control", "no-store")]
    return [*headers, ("Referrer-Policy", "same-origin")]


RawHeaders = list[tuple[bytes, bytes]]
_CSP = b"content-security-policy"


def _encoded(headers: list[tuple[str, str]]) -> tuple[RawHeaders, frozenset[bytes]]:
    raw = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]
    return raw, frozenset(name for name, _ in raw)


class SecurityHeaders:
    """ASGI middleware that sets :func:`headers_for` on every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # Encoded once: the survey endpoint is benchmarked, and this runs on every response.
        self._page = _encoded(headers_for("/"))
        self._token_page = _encoded(headers_for(TOKEN_PREFIXES[0]))

    def _headers(self, path: str) -> tuple[RawHeaders, frozenset[bytes]]:
        return self._token_page if path.startswith(TOKEN_PREFIXES) else self._page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra, ours = self._headers(scope["path"])
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                # Ours replace any the route set (a token page is never cacheable), except a
                # route's own Content-Security-Policy, which is stricter (an image: none at all).
                route = list(message.get("headers", ()))
                own_csp = any(k.lower() == b"content-security-policy" for k, _ in route)
                kept = [(k, v) for k, v in route if k.lower() not in ours or (own_csp and k.lower() == _CSP)]
                message["headers"] = kept + ([h for h in extra if h[0] != _CSP] if own_csp else extra)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # Starlette's ServerErrorMiddleware sits outside every user middleware, so its
            # plain 500 would go out without these headers. Answer here instead; it sees
            # the response as started and only re-raises (for the server's log).
            if not started:
                await send_with_headers(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8")],
                    }
                )
                await send({"type": "http.response.body", "body": b"Internal Server Error"})
            raise


def add_security_headers(app: Starlette) -> None:
    """Wrap ``app`` (a FastAPI or Starlette app, before it starts) in :class:`SecurityHeaders`."""
    app.add_middleware(SecurityHeaders)
