"""A browser page with no internet: loopback only, everything else refused and recorded.

Doorstep's pages must work on a machine without internet (charts, API docs: all from
installed packages). :func:`offline_page` opens a page on which any request to another
host is aborted, and records it, with the console errors, uncaught page errors and
failed requests, for the test to assert on once the page has been used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass
class Watch:
    requested: list[str] = field(default_factory=list)  # every URL the page asked for
    outside: list[str] = field(default_factory=list)  # those for another host (aborted)
    errors: list[str] = field(default_factory=list)  # console errors and uncaught exceptions
    failed: list[str] = field(default_factory=list)  # requests that failed, the aborted ones included


def offline_page(context: Any, *, timeout_ms: int = 30_000) -> tuple[Any, Watch]:
    """A new page of this Playwright ``context`` that may reach loopback only, and what it did."""
    watch = Watch()

    def guard(route: Any) -> None:
        watch.requested.append(route.request.url)
        if urlsplit(route.request.url).hostname in LOOPBACK:
            route.continue_()
        else:
            watch.outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    page.on("console", lambda msg: watch.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: watch.errors.append(str(exc)))
    page.on("requestfailed", lambda req: watch.failed.append(req.url))
    return page, watch
