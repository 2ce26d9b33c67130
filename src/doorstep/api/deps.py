"""What every route needs: the database, the clock, and the caller with its role.

Every API route names the roles it allows with ``require(...)`` (the table is in
README "People and roles"; tests/core/test_role_matrix.py checks every route).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from doorstep.accounts import audit
from doorstep.accounts.models import ROLES, ApiKey, Workspace
from doorstep.accounts.services import authenticate_key
from doorstep.accounts.sessions import COOKIE, csrf_matches, csrf_token, lookup, touch
from doorstep.config import Settings
from doorstep.db import Database
from doorstep.errors import AuthError, Forbidden

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
KEY_USE_EVERY = dt.timedelta(hours=1)

bearer = HTTPBearer(auto_error=False, description="A workspace API key: `Authorization: Bearer dsk_…`")


# The small dependencies below are ``async def`` on purpose: FastAPI runs a plain ``def``
# dependency on its thread pool, a thread hop per dependency per request (a fifth of the
# event loop's time under 32 survey clients, bench/bench_trust.py).
async def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_clock(request: Request) -> Callable[[], dt.datetime]:
    clock: Callable[[], dt.datetime] = request.app.state.clock
    return clock


async def get_now(clock: Annotated[Callable[[], dt.datetime], Depends(get_clock)]) -> dt.datetime:
    return clock()


class Caller:
    """Who is asking: an API key or a signed-in person, with the role and workspace.

    ``user_id`` is the person behind a browser session (None for a key): frontline
    people see only the deliveries they own. ``session_secret`` is set for a browser
    session (the CSRF token of its forms is derived from it); ``locale`` is the language
    that person chose for their pages (None: follow the browser).
    """

    def __init__(
        self,
        workspace: Workspace,
        role: str,
        *,
        key: ApiKey | None = None,
        user_id: int | None = None,
        handle: str | None = None,
        session_secret: str | None = None,
        locale: str | None = None,
    ) -> None:
        self.workspace = workspace
        self.role = role
        self.key = key
        self.user_id = user_id
        self.handle = handle
        self.session_secret = session_secret
        self.locale = locale

    @property
    def actor(self) -> str:
        """How the case timeline and the audit log name this caller."""
        if self.key is not None:
            return f"api:{self.key.name}"
        return self.handle or "unknown"

    @property
    def actor_kind(self) -> str:
        return "key" if self.key is not None else "user"

    @property
    def csrf_token(self) -> str:
        return csrf_token(self.session_secret) if self.session_secret else ""


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def _key_used(db: Database, key: ApiKey, now: dt.datetime, client: str | None) -> None:
    """Note the key's use: last_used_at and one audit entry, at most once an hour per key,
    so the log does not grow with traffic."""
    last = key.last_used_at
    if last is not None and (last if last.tzinfo else last.replace(tzinfo=dt.UTC)) + KEY_USE_EVERY > now:
        return
    with db.write() as session:
        row = session.get(ApiKey, key.id)
        if row is None:
            return
        row.last_used_at = now
        audit.record(session, action="key_used", actor_kind="key", actor=key.name, workspace_id=key.workspace_id,
                     target=f"key:{key.prefix}", client=client, at=now)


def session_caller(db: Database, secret: str, settings: Settings, now: dt.datetime) -> Caller | None:
    """The signed-in person for a session cookie's secret, or None."""
    idle = dt.timedelta(minutes=settings.session_idle_minutes)
    with db.read() as session:
        found = lookup(session, secret=secret, now=now, idle=idle)
        if found is None:
            return None
        workspace = session.get_one(Workspace, found.workspace_id)
        session.expunge(workspace)
    if found.stale:
        with db.write() as session:
            touch(session, session_id=found.session_id, now=now)
    return Caller(workspace, found.role, user_id=found.user_id, handle=found.handle, session_secret=secret,
                  locale=found.locale)


def get_caller(
    request: Request,
    db: Annotated[Database, Depends(get_db)],
    settings: Annotated[Settings, Depends(get_settings)],
    clock: Annotated[Callable[[], dt.datetime], Depends(get_clock)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    """An API key (``Authorization: Bearer``) or, for the pages' own calls, the session cookie.

    A cookie alone does not authorise a state-changing call: it must also carry the
    session's CSRF token in ``X-CSRF-Token`` (a script on another site cannot read it).
    """
    now = clock()
    if credentials is not None and credentials.scheme.lower() == "bearer":
        with db.read() as session:
            key, workspace = authenticate_key(session=session, secret=credentials.credentials)
            session.expunge_all()
        _key_used(db, key, now, client_address(request))
        return Caller(workspace, key.role, key=key)
    secret = request.cookies.get(COOKIE)
    caller = session_caller(db, secret, settings, now) if secret else None
    if caller is None:
        raise AuthError("send a workspace API key as 'Authorization: Bearer dsk_…'")
    if request.method not in SAFE_METHODS and not csrf_matches(secret or "", request.headers.get("x-csrf-token")):
        raise Forbidden("a call made with a browser session needs its X-CSRF-Token header")
    return caller


def require(*roles: str) -> Callable[..., Caller]:
    """A dependency: the caller, if their role is one of ``roles`` (admin always is)."""
    allowed = frozenset(roles) | {"admin"}
    unknown = allowed - set(ROLES)
    assert not unknown, f"unknown roles {unknown}"  # a typo in a route table, caught at import

    def check(caller: Annotated[Caller, Depends(get_caller)]) -> Caller:
        if caller.role not in allowed:
            raise Forbidden(f"the role '{caller.role}' may not do this (it needs: {', '.join(sorted(allowed))})")
        return caller

    check.roles = allowed  # type: ignore[attr-defined]  # read by the role-matrix test and the docs
    return check


DbDep = Annotated[Database, Depends(get_db)]
CallerDep = Annotated[Caller, Depends(get_caller)]  # any role: prefer a named dependency below
# The roles of the route table. Admin may do everything in its workspace.
AdminDep = Annotated[Caller, Depends(require("admin"))]
CaseWorkerDep = Annotated[Caller, Depends(require("cs"))]  # cases: CS and admin
ReaderDep = Annotated[Caller, Depends(require("cs", "exec"))]  # dashboards and metrics
DeliveryReaderDep = Annotated[Caller, Depends(require("cs", "frontline"))]  # frontline: own deliveries only
NoteWriterDep = Annotated[Caller, Depends(require("cs", "frontline"))]  # frontline: own deliveries' cases
NowDep = Annotated[dt.datetime, Depends(get_now)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
