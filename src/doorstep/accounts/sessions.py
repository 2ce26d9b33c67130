"""Web sign-in sessions: the browser holds a random secret, the database its SHA-256.

A stolen database copy therefore opens no session. A session ends at the first of:
logout, ``idle`` without a request, ``absolute`` after sign-in, the person being
deactivated, or their password being reset (every session of theirs is revoked) or
changed on /account (every session but the one that changed it).
Signing in always makes a new session (and revokes the one the browser had), so a
session id planted before login is worthless after it.

The CSRF token of the forms is an HMAC of the session secret: it needs no storage,
is different for every session, and cannot be computed without the cookie.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from doorstep.accounts.models import LoginSession, User, Workspace

COOKIE = "doorstep_session"
# A session seen within this long is not written again: a page view stays a read.
TOUCH_EVERY = dt.timedelta(minutes=1)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)  # SQLite hands back naive UTC


def csrf_token(secret: str) -> str:
    """The token every form of this session carries."""
    return hmac.new(secret.encode(), b"doorstep-csrf-v1", hashlib.sha256).hexdigest()


def csrf_matches(secret: str, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(csrf_token(secret), token or "")


@dataclass(frozen=True)
class SignedIn:
    """Who a session belongs to, copied out of the unit of work."""

    session_id: int
    user_id: int
    handle: str
    name: str | None
    role: str
    workspace_id: int
    workspace_slug: str
    locale: str | None  # the person's chosen language (None: follow the browser)
    stale: bool  # last seen longer than TOUCH_EVERY ago: worth a write


def create_session(
    session: Session,
    *,
    user: User,
    now: dt.datetime,
    lifetime: dt.timedelta,
    client: str | None = None,
    user_agent: str | None = None,
) -> str:
    """A new session for ``user``; returns the secret for the cookie (never stored)."""
    secret = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            user_id=user.id,
            token_hash=_hash(secret),
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
            client=(client or "")[:64] or None,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    session.flush()
    return secret


def lookup(session: Session, *, secret: str, now: dt.datetime, idle: dt.timedelta) -> SignedIn | None:
    """The live session for this cookie secret, or None (unknown, ended, expired, idle,
    or its person deactivated)."""
    if not secret or len(secret) > 200:
        return None
    row = session.execute(
        select(LoginSession, User, Workspace)
        .join(User, User.id == LoginSession.user_id)
        .join(Workspace, Workspace.id == User.workspace_id)
        .where(LoginSession.token_hash == _hash(secret))
    ).first()
    if row is None:
        return None
    login, user, workspace = row
    if login.revoked_at is not None or not user.active or user.password_hash is None:
        return None
    if _aware(login.expires_at) <= now or _aware(login.last_seen_at) + idle <= now:
        return None
    return SignedIn(
        session_id=login.id, user_id=user.id, handle=user.handle, name=user.name, role=user.role,
        workspace_id=workspace.id, workspace_slug=workspace.slug, locale=user.locale,
        stale=_aware(login.last_seen_at) + TOUCH_EVERY <= now,
    )


def touch(session: Session, *, session_id: int, now: dt.datetime) -> None:
    """Push the idle deadline back."""
    session.execute(update(LoginSession).where(LoginSession.id == session_id).values(last_seen_at=now))


def revoke(session: Session, *, secret: str, now: dt.datetime) -> LoginSession | None:
    """End the session of this cookie secret (logout); None if there was none."""
    login = session.scalar(select(LoginSession).where(LoginSession.token_hash == _hash(secret)))
    if login is None or login.revoked_at is not None:
        return None
    login.revoked_at = now
    session.flush()
    return login


def revoke_all(session: Session, *, user_id: int, now: dt.datetime, keep: str | None = None) -> int:
    """End every live session of a person (deactivated, password reset); how many.

    ``keep``: the cookie secret of one session that lives on (the browser in which the
    person changed their own password)."""
    query = update(LoginSession).where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
    if keep:
        query = query.where(LoginSession.token_hash != _hash(keep))
    result = session.execute(query.values(revoked_at=now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
