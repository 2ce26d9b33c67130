"""Rate limits of the public surfaces: survey links, open links, the signed inbound webhook.

A token bucket per (surface, key) — a survey token, an open link's token, a client
address, a workspace and address — held in this process's memory. Why in memory: the
survey answer is the hot path, and a limit kept in the database would add a write to
every request (and a lock to fight over). The price is that limits are **per process**:
three API processes behind a balancer let three times the configured rate through.
That still stops what the limits are for (a script walking tokens or hammering one
link); run one process per host, or a limit at the proxy, where the exact figure matters.

A bucket holds up to N requests and refills at N per period, so ``30/minute`` allows a
burst of 30 and then one every two seconds. A bucket idle for a whole period is full
again, which is the same as having none: such buckets are dropped as new keys come, and
at most ``rate_limit_max_keys`` are kept per surface (the least recently used goes first),
so a flood of random tokens or addresses cannot grow memory without bound. Measured: a
check costs about 4 µs, a surface at its 50,000-key bound holds about 10 MB.

The client address is the TCP peer's; ``X-Forwarded-For`` is believed only when that
peer is one of ``trusted_proxies``, and then the right-most address not itself a
trusted proxy is the client's (the left part of the header is whatever the client sent).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from doorstep.config import Settings, parse_rate, proxy_networks
from doorstep.errors import RateLimited

Networks = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]


class RateLimiter:
    """Token buckets for one surface. Thread-safe: routes run on a thread pool."""

    def __init__(self, rate: str, *, clock: Callable[[], float], max_keys: int = 50_000) -> None:
        parsed = parse_rate(rate)
        self.capacity = float(parsed[0]) if parsed else 0.0
        self.period = parsed[1] if parsed else 0.0
        self.per_second = self.capacity / self.period if parsed else 0.0
        self.enabled = parsed is not None
        self.max_keys = max_keys
        self._clock = clock
        self._lock = threading.Lock()
        # key → (tokens left, when last counted); oldest use first.
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def hit(self, key: str) -> float:
        """Count one request. Returns 0 when it may go ahead, else the seconds to wait."""
        if not self.enabled:
            return 0.0
        now = self._clock()
        with self._lock:
            buckets = self._buckets
            self._forget_idle(now)
            tokens, last = buckets.pop(key, (self.capacity, now))
            # max(0, …): a wall clock stepped back must not drain the bucket.
            tokens = min(self.capacity, tokens + max(0.0, now - last) * self.per_second)
            if tokens >= 1.0:
                buckets[key] = (tokens - 1.0, now)
                wait = 0.0
            else:
                buckets[key] = (tokens, now)
                wait = (1.0 - tokens) / self.per_second
            if len(buckets) > self.max_keys:
                buckets.popitem(last=False)
            return wait

    def _forget_idle(self, now: float) -> None:
        # The front is the least recently used; a bucket idle for a period is full again.
        buckets = self._buckets
        while buckets:
            _key, (_tokens, last) = next(iter(buckets.items()))
            if now - last < self.period:
                break
            buckets.popitem(last=False)


class RateLimits:
    """Every surface's limiter, built from the settings; lives on ``app.state.rate_limits``."""

    def __init__(self, settings: Settings, clock: Callable[[], float]) -> None:
        size = settings.rate_limit_max_keys
        self.survey = RateLimiter(settings.rate_limit_per_token, clock=clock, max_keys=size)
        self.open_link = RateLimiter(settings.rate_limit_per_open_link, clock=clock, max_keys=size)
        self.survey_address = RateLimiter(settings.rate_limit_per_address, clock=clock, max_keys=size)
        self.open_link_address = RateLimiter(settings.rate_limit_per_address, clock=clock, max_keys=size)
        self.inbound = RateLimiter(settings.rate_limit_inbound, clock=clock, max_keys=size)
        self.trusted: Networks = proxy_networks(settings.trusted_proxies)

    def check(self, *hits: tuple[RateLimiter, str]) -> None:
        """Count the request in each (limiter, key); raise RateLimited with the longest wait."""
        wait = max((limiter.hit(key) for limiter, key in hits), default=0.0)
        if wait > 0:
            raise RateLimited(math.ceil(wait))


def _in(address: str, networks: Networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(request: Request, trusted: Networks) -> str:
    """The client's address: the peer's, or — behind a trusted proxy — what it forwarded."""
    peer = request.client.host if request.client else "unknown"
    if not trusted or not _in(peer, trusted):
        return peer
    forwarded = [part.strip() for part in request.headers.get("x-forwarded-for", "").split(",") if part.strip()]
    for address in reversed(forwarded):
        if not _in(address, trusted):
            return address[:64]
    return forwarded[0][:64] if forwarded else peer


def _limits(request: Request) -> RateLimits:
    limits: RateLimits = request.app.state.rate_limits
    return limits


# The dependencies: async, so the check runs on the event loop without a thread hop.


async def limit_survey(request: Request) -> None:
    """/s/{token}…: per token and per client address."""
    limits = _limits(request)
    address = client_address(request, limits.trusted)
    limits.check((limits.survey_address, address), (limits.survey, request.path_params.get("token", "")))


async def limit_open_link(request: Request) -> None:
    """/o/{token}…: per open link and per client address."""
    limits = _limits(request)
    address = client_address(request, limits.trusted)
    limits.check((limits.open_link_address, address), (limits.open_link, request.path_params.get("token", "")))


async def limit_inbound(request: Request) -> None:
    """The signed inbound webhook: per workspace named in the call and client address."""
    limits = _limits(request)
    slug = request.headers.get("x-doorstep-workspace") or request.query_params.get("workspace") or ""
    limits.check((limits.inbound, f"{slug[:64]}|{client_address(request, limits.trusted)}"))


def _too_many(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RateLimited)
    headers = {"Retry-After": str(exc.retry_after)}
    if request.url.path.startswith("/api/"):
        body: dict[str, Any] = {"type": "RateLimited", "message": str(exc), "retry_after": exc.retry_after}
        return JSONResponse({"error": body}, status_code=429, headers=headers)
    from doorstep.web.pages import rate_limited_page  # the pages import this module's dependencies

    page = rate_limited_page(request, exc.retry_after)
    page.headers.update(headers)
    return page


def install(app: FastAPI, settings: Settings, clock: Callable[[], dt.datetime]) -> None:
    """Limiters on ``app.state`` and the 429 answer: a page (zh-CN / English) or JSON.

    They count time on the app's clock, so a test's FakeClock moves them too.
    """
    app.state.rate_limits = RateLimits(settings, lambda: clock().timestamp())
    app.add_exception_handler(RateLimited, _too_many)
