"""What guards every page that is not public: a live session, a role, a form's CSRF token.

* ``require_page(roles…)``: without a live session the browser is sent to
  ``/login?next=<where it was going>``; with the wrong role it gets a 403 page.
* ``require_form(roles…)``: the same, plus the form's ``csrf_token`` (an HMAC of the
  session secret, see doorstep.accounts.sessions) and, as a second line, that the post
  came from one of our own pages (``Origin``, else ``Referer``). A refused form
  changes nothing and answers a 403 page.

The answers (redirect, 403 page) are drawn by doorstep.web.auth, which installs the
exception handlers; this module draws nothing, so every page module can import it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request

from doorstep.accounts import sessions as login_sessions
from doorstep.accounts.models import ROLES
from doorstep.api.deps import Caller, get_clock, get_db, get_settings, session_caller
from doorstep.config import Settings
from doorstep.db import Database

# --- where a person may go back to --------------------------------------------------


def safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else "/": never an open redirect."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(c in target for c in "\r\n\t\\"):
        return "/"
    return target


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_origin(request: Request, settings: Settings) -> bool:
    """Did this POST come from one of our own pages (``Origin``, else ``Referer``)?"""
    claimed = request.headers.get("origin")
    if not claimed or claimed == "null":
        referer = request.headers.get("referer")
        claimed = _origin(referer) if referer else None
    if not claimed:
        return False
    return claimed.lower() in {_origin(str(request.base_url)), _origin(settings.base_url)}


# --- the guards ---------------------------------------------------------------------


class LoginRequired(Exception):
    """No live session: off to the login page, then back."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class PageRefused(Exception):
    """Signed in, but the role may not see this page, or the form's token is wrong."""

    def __init__(self, kind: str) -> None:
        self.kind = kind  # "role" or "csrf"


def _here(request: Request) -> str:
    query = request.url.query
    return safe_next(request.url.path + (f"?{query}" if query else ""))


def signed_in(request: Request, db: Database, settings: Settings, now: dt.datetime) -> Caller | None:
    secret = request.cookies.get(login_sessions.COOKIE)
    return session_caller(db, secret, settings, now) if secret else None


def require_page(*roles: str) -> Callable[..., Caller]:
    """A page dependency: the signed-in person, if their role is one of ``roles``
    (admin always is); else a redirect to /login or a 403 page."""
    allowed = frozenset(roles) | {"admin"}
    assert allowed <= set(ROLES), allowed

    def check(
        request: Request,
        db: Annotated[Database, Depends(get_db)],
        settings: Annotated[Settings, Depends(get_settings)],
        clock: Annotated[Callable[[], dt.datetime], Depends(get_clock)],
    ) -> Caller:
        caller = signed_in(request, db, settings, clock())
        if caller is None:
            raise LoginRequired(_here(request) if request.method in ("GET", "HEAD") else "/")
        request.state.caller = caller  # the templates show who is signed in, and the CSRF token
        if caller.role not in allowed:
            raise PageRefused("role")
        return caller

    check.roles = allowed  # type: ignore[attr-defined]  # read by the role-matrix test
    return check


def require_form(*roles: str) -> Callable[..., Awaitable[Caller]]:
    """A dependency for a state-changing form: ``require_page`` plus the CSRF token and
    the same-origin check."""
    page_check = require_page(*roles)

    # A default, not Annotated[…]: under postponed annotations a closure's local name
    # cannot be resolved from the annotation string.
    async def check(
        request: Request,
        settings: Annotated[Settings, Depends(get_settings)],
        caller: Caller = Depends(page_check),
    ) -> Caller:
        form = await request.form()  # parsed once: the route's Form() fields read the same copy
        # The hidden field of our forms, or the X-CSRF-Token header of a script on our pages.
        token = form.get("csrf_token") or request.headers.get("x-csrf-token")
        secret = caller.session_secret or ""
        if not isinstance(token, str) or not login_sessions.csrf_matches(secret, token):
            raise PageRefused("csrf")
        if not same_origin(request, settings):
            raise PageRefused("csrf")
        return caller

    check.roles = page_check.roles  # type: ignore[attr-defined]
    return check
