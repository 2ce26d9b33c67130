"""People who sign in: creating them, their role, deactivation, password login and reset.

Services flush; the caller commits. Every act lands in the audit log in the same
transaction (doorstep.accounts.audit).

Guessing is bounded with the audit log itself, so the limit holds across processes
and restarts: after ``MAX_FAILURES_PER_ACCOUNT`` failed logins for one account within
``FAILURE_WINDOW`` that account refuses every password (even the right one) until the
window has passed; one address gets ``MAX_FAILURES_PER_ADDRESS`` failures across all
accounts. A login for an unknown handle costs one argon2 verification like any other,
so timing does not tell which handles exist.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from doorstep.accounts import audit, passwords
from doorstep.accounts import sessions as login_sessions
from doorstep.accounts.models import ROLES, AuditEntry, PasswordReset, User, Workspace
from doorstep.errors import Conflict, Gone, InvalidInput, NotFound

FAILURE_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 30
RESET_LIFETIME = dt.timedelta(hours=1)
MAX_HANDLE = 120


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}", field="role")
    return role


def _target(user: User) -> str:
    return f"user:{user.id}"


def find_user(session: Session, *, workspace: Workspace, handle: str) -> User:
    user = session.scalar(select(User).where(User.workspace_id == workspace.id, User.handle == handle))
    if user is None:
        raise NotFound(f"no person '{handle}' in workspace '{workspace.slug}'")
    return user


def add_user(
    session: Session,
    *,
    workspace: Workspace,
    handle: str,
    role: str,
    password: str,
    email: str | None = None,
    name: str | None = None,
    actor: str = "cli",
    actor_kind: str = "cli",
    now: dt.datetime | None = None,
) -> User:
    """Give a person a login. A handle already known without a login (a frontline owner
    named in an import) gets one; a handle that can already sign in is a Conflict."""
    handle = handle.strip()
    if not handle or len(handle) > MAX_HANDLE or any(c.isspace() for c in handle):
        raise InvalidInput(f"a handle is 1–{MAX_HANDLE} characters without spaces", field="handle")
    check_role(role)
    passwords.check_password(password)
    if email is not None:
        email = email.strip()
        local, at, domain = email.rpartition("@")
        if not (at and local and "." in domain) or any(c.isspace() or c in "<>,;" for c in email):
            raise InvalidInput(f"'{email[:80]}' is not an e-mail address", field="email")
    user = session.scalar(select(User).where(User.workspace_id == workspace.id, User.handle == handle))
    if user is not None and user.password_hash is not None:
        raise Conflict(f"'{handle}' can already sign in to '{workspace.slug}' (change the role with: "
                       f"doorstep user role {handle} ROLE)")
    if user is None:
        user = User(workspace_id=workspace.id, handle=handle)
        session.add(user)
    user.role = role
    user.email = email or user.email
    user.name = name or user.name
    user.active = True
    user.password_hash = passwords.hash_password(password)
    session.flush()
    audit.record(session, action="user_created", actor_kind=actor_kind, actor=actor, workspace_id=workspace.id,
                 target=_target(user), details={"handle": handle, "role": role}, at=now)
    return user


def list_people(session: Session, *, workspace: Workspace, logins_only: bool = False) -> list[User]:
    query = select(User).where(User.workspace_id == workspace.id)
    if logins_only:
        query = query.where(User.password_hash.is_not(None))
    return list(session.scalars(query.order_by(User.handle)))


def set_role(
    session: Session, *, workspace: Workspace, handle: str, role: str, actor: str = "cli", actor_kind: str = "cli",
    now: dt.datetime | None = None,
) -> User:
    user = find_user(session, workspace=workspace, handle=handle)
    check_role(role)
    before = user.role
    user.role = role
    session.flush()
    audit.record(session, action="role_changed", actor_kind=actor_kind, actor=actor, workspace_id=workspace.id,
                 target=_target(user), details={"handle": handle, "from": before, "to": role}, at=now)
    return user


def deactivate(
    session: Session, *, workspace: Workspace, handle: str, now: dt.datetime, actor: str = "cli",
    actor_kind: str = "cli",
) -> User:
    """The person can no longer sign in; their sessions end now. Their deliveries and
    cases keep their name."""
    user = find_user(session, workspace=workspace, handle=handle)
    user.active = False
    ended = login_sessions.revoke_all(session, user_id=user.id, now=now)
    session.flush()
    audit.record(session, action="user_deactivated", actor_kind=actor_kind, actor=actor, workspace_id=workspace.id,
                 target=_target(user), details={"handle": handle, "sessions_ended": ended}, at=now)
    return user


def set_password(
    session: Session, *, workspace: Workspace, handle: str, password: str, now: dt.datetime, actor: str = "cli",
    actor_kind: str = "cli",
) -> User:
    """An admin sets a new password (no e-mail needed); every session of the person ends."""
    user = find_user(session, workspace=workspace, handle=handle)
    passwords.check_password(password)
    user.password_hash = passwords.hash_password(password)
    login_sessions.revoke_all(session, user_id=user.id, now=now)
    session.flush()
    audit.record(session, action="password_reset", actor_kind=actor_kind, actor=actor, workspace_id=workspace.id,
                 target=_target(user), details={"handle": handle, "by": "admin"}, at=now)
    return user


# --- signing in ---------------------------------------------------------------------


@dataclass(frozen=True)
class LoginResult:
    """``user`` is set only on success; ``reason`` says why not (for the log, never the page)."""

    user: User | None
    reason: str | None = None


def _failures(session: Session, *, since: dt.datetime, target: str | None = None, client: str | None = None) -> int:
    query = select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "login_failed", AuditEntry.at >= since
    )
    if target is not None:
        query = query.where(AuditEntry.target == target)
    if client is not None:
        query = query.where(AuditEntry.client == client)
    return int(session.scalar(query) or 0)


def _find_login(session: Session, workspace_slug: str, login: str) -> tuple[Workspace | None, User | None]:
    workspace = session.scalar(select(Workspace).where(Workspace.slug == workspace_slug.strip()))
    if workspace is None or not login.strip():
        return workspace, None
    login = login.strip()
    users = list(session.scalars(
        select(User).where(
            User.workspace_id == workspace.id,
            or_(User.handle == login, func.lower(User.email) == login.lower()),
        )
    ))
    # A handle wins over an e-mail; an e-mail two people share opens neither.
    by_handle = [u for u in users if u.handle == login]
    if by_handle:
        return workspace, by_handle[0]
    return workspace, users[0] if len(users) == 1 else None


def authenticate(
    session: Session, *, workspace_slug: str, login: str, password: str, now: dt.datetime, client: str | None
) -> LoginResult:
    """Check a password login and record the outcome in the audit log (success or not:
    the caller commits either way)."""
    workspace, user = _find_login(session, workspace_slug, login)
    since = now - FAILURE_WINDOW
    reason: str | None = None
    if client and _failures(session, since=since, client=client) >= MAX_FAILURES_PER_ADDRESS:
        reason = "address_locked"
    elif user is not None and _failures(session, since=since, target=_target(user)) >= MAX_FAILURES_PER_ACCOUNT:
        reason = "account_locked"
    if reason is not None:
        passwords.burn()  # a locked account answers as slowly as any other
    else:
        ok, rehash = passwords.verify(user.password_hash if user is not None else None, password)
        if user is None or not ok:
            reason = "unknown" if user is None or user.password_hash is None else "wrong_password"
        elif not user.active:
            reason = "inactive"
        elif rehash:
            user.password_hash = passwords.hash_password(password)  # parameters changed: upgrade now
    if reason is not None:
        audit.record(session, action="login_failed", actor_kind="anonymous", actor=None,
                     workspace_id=workspace.id if workspace else None,
                     target=_target(user) if user is not None else None,
                     details={"reason": reason}, client=client, at=now)
        return LoginResult(None, reason)
    assert user is not None
    audit.record(session, action="login", actor_kind="user", actor=user.handle, workspace_id=user.workspace_id,
                 target=_target(user), client=client, at=now)
    return LoginResult(user)


# --- password reset -----------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_reset(
    session: Session, *, workspace_slug: str, login: str, now: dt.datetime, client: str | None
) -> tuple[User, str] | None:
    """A one-time token for the person's e-mail, or None when there is nobody to send it
    to (unknown, no e-mail, inactive). The page says the same either way."""
    _workspace, user = _find_login(session, workspace_slug, login)
    if user is None or not user.active or not user.email or user.password_hash is None:
        return None
    token = secrets.token_urlsafe(32)
    session.add(PasswordReset(user_id=user.id, token_hash=_token_hash(token), created_at=now,
                              expires_at=now + RESET_LIFETIME))
    session.flush()
    audit.record(session, action="password_reset_requested", actor_kind="anonymous", actor=None,
                 workspace_id=user.workspace_id, target=_target(user), client=client, at=now)
    return user, token


def _live_reset(session: Session, token: str, now: dt.datetime) -> tuple[PasswordReset, User]:
    row = session.execute(
        select(PasswordReset, User).join(User, User.id == PasswordReset.user_id)
        .where(PasswordReset.token_hash == _token_hash(token))
    ).first()
    if row is None:
        raise NotFound("this reset link is not valid")
    reset, user = row
    expires = reset.expires_at if reset.expires_at.tzinfo else reset.expires_at.replace(tzinfo=dt.UTC)
    if reset.used_at is not None or expires <= now or not user.active:
        raise Gone("this reset link has been used or has expired")
    return reset, user


def check_reset(session: Session, *, token: str, now: dt.datetime) -> User:
    """The person a live reset token belongs to (NotFound, Gone)."""
    return _live_reset(session, token, now)[1]


def reset_password(session: Session, *, token: str, password: str, now: dt.datetime, client: str | None) -> User:
    """Set a new password with a live token; the token is spent, every other token of the
    person too, and every session of theirs ends."""
    reset, user = _live_reset(session, token, now)
    passwords.check_password(password)
    user.password_hash = passwords.hash_password(password)
    for other in session.scalars(
        select(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
    ):
        other.used_at = now
    reset.used_at = now
    login_sessions.revoke_all(session, user_id=user.id, now=now)
    session.flush()
    audit.record(session, action="password_reset", actor_kind="user", actor=user.handle,
                 workspace_id=user.workspace_id, target=_target(user), client=client, at=now)
    return user
