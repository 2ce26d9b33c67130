"""People who sign in: creating them, their role, deactivation, password login and reset.

Services flush; the caller commits. Every act lands in the audit log in the same
transaction (doorstep.accounts.audit).

A workspace keeps at least one active admin who can sign in: a role change or a
deactivation that would take the last one away is refused (:class:`LastAdmin`), from
the pages and the command line alike. The admin rows are locked while counting, so two
admins demoting each other at the same moment cannot both succeed.

A person can be added with a password typed by an admin, or invited: no password yet,
and a one-time link of the password-reset kind (valid ``INVITE_LIFETIME``) by e-mail,
where they choose one. Until they do, the invitation can be sent again (a new link; the
earlier ones stop working). An admin corrects a person's name and e-mail address
(update_profile); a correction to an address another person of the workspace has is
refused, since the login by e-mail opens neither of two people who share one.

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
from doorstep.accounts.models import ROLES, AuditEntry, LoginSession, PasswordReset, User, Workspace
from doorstep.errors import Conflict, Gone, InvalidInput, NotFound

FAILURE_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 30
RESET_LIFETIME = dt.timedelta(hours=1)
# A new person may not read the e-mail within the hour a reset link lives.
INVITE_LIFETIME = dt.timedelta(days=3)
MAX_HANDLE = 120
MAX_NAME = 200


class LastAdmin(Conflict):
    """The change would leave the workspace without an active admin who can sign in."""


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


def _check_email(email: str | None) -> str | None:
    """The e-mail address as stored (trimmed; empty is None), or InvalidInput."""
    email = (email or "").strip() or None
    if email is not None:
        local, at, domain = email.rpartition("@")
        if not (at and local and "." in domain) or any(c.isspace() or c in "<>,;" for c in email) \
                or len(email) > 320:
            raise InvalidInput(f"'{email[:80]}' is not an e-mail address", field="email")
    return email


def _check_name(name: str | None) -> str | None:
    """The display name as stored (trimmed; empty is None), or InvalidInput."""
    name = (name or "").strip() or None
    if name is not None and len(name) > MAX_NAME:
        raise InvalidInput(f"a name has at most {MAX_NAME} characters", field="name")
    return name


def _check_fields(handle: str, role: str, email: str | None, name: str | None) -> tuple[str, str | None, str | None]:
    """The handle, e-mail and name as stored (trimmed; empty ones None), or InvalidInput."""
    handle = handle.strip()
    if not handle or len(handle) > MAX_HANDLE or any(c.isspace() for c in handle):
        raise InvalidInput(f"a handle is 1–{MAX_HANDLE} characters without spaces", field="handle")
    check_role(role)
    return handle, _check_email(email), _check_name(name)


def _claim(session: Session, *, workspace: Workspace, handle: str, role: str, email: str | None,
           name: str | None) -> User:
    """The person row for a new login: a handle already known without a login (a frontline
    owner named in an import, someone invited) is reused; one that can sign in is a Conflict."""
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
    client: str | None = None,
    now: dt.datetime | None = None,
) -> User:
    """Give a person a login. A handle already known without a login (a frontline owner
    named in an import) gets one; a handle that can already sign in is a Conflict."""
    handle, email, name = _check_fields(handle, role, email, name)
    passwords.check_password(password)
    user = _claim(session, workspace=workspace, handle=handle, role=role, email=email, name=name)
    user.password_hash = passwords.hash_password(password)
    session.flush()
    audit.record(session, action="user_created", actor_kind=actor_kind, actor=actor, workspace_id=workspace.id,
                 target=_target(user), details={"handle": handle, "role": role}, client=client, at=now)
    return user


def invite_user(
    session: Session,
    *,
    workspace: Workspace,
    handle: str,
    role: str,
    email: str,
    now: dt.datetime,
    name: str | None = None,
    actor: str = "cli",
    actor_kind: str = "cli",
    client: str | None = None,
) -> tuple[User, str]:
    """A person without a password yet, and the one-time token of the link that lets them
    choose one (/reset/<token>, valid INVITE_LIFETIME; only its SHA-256 is kept). Inviting
    again someone who has not chosen a password yet spends their earlier link."""
    handle, checked_email, name = _check_fields(handle, role, email, name)
    if checked_email is None:
        raise InvalidInput("an invitation needs the person's e-mail address", field="email")
    user = _claim(session, workspace=workspace, handle=handle, role=role, email=checked_email, name=name)
    user.email = checked_email  # the link goes to this address, whatever was on file
    session.flush()
    token, _spent = _issue_invitation(session, user=user, now=now)
    audit.record(session, action="user_created", actor_kind=actor_kind, actor=actor, workspace_id=workspace.id,
                 target=_target(user), details={"handle": handle, "role": role, "invited": True}, client=client,
                 at=now)
    return user, token


def _spend_links(session: Session, *, user: User, now: dt.datetime) -> int:
    """Spend every unused reset or invitation link of ``user``; how many of them still worked."""
    spent = 0
    for earlier in session.scalars(
        select(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
    ):
        earlier.used_at = now
        spent += _aware(earlier.expires_at) > now
    return spent


def _issue_invitation(session: Session, *, user: User, now: dt.datetime) -> tuple[str, int]:
    """A fresh invitation token for ``user`` (valid INVITE_LIFETIME; only its SHA-256 is
    kept), every earlier unused link spent first, so only the newest e-mail works; the
    token and how many links were spent."""
    spent = _spend_links(session, user=user, now=now)
    token = secrets.token_urlsafe(32)
    session.add(PasswordReset(user_id=user.id, token_hash=_token_hash(token), created_at=now,
                              expires_at=now + INVITE_LIFETIME))
    session.flush()
    return token, spent


class NotInvited(Conflict):
    """No invitation can be sent to the person again; ``reason`` says why: "can_sign_in"
    (they chose a password: a link would reset it behind their back), "inactive" (the
    link would not open), "never_invited" (an import-named owner: the add form gives a
    sign-in, with a role chosen on purpose) or "no_email" (nowhere to send it)."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def check_resendable(session: Session, *, user: User) -> None:
    """Refuse (NotInvited) a person who cannot be sent their invitation again."""
    if user.password_hash is not None:
        raise NotInvited(f"'{user.handle}' has chosen a password already: they can sign in (or reset it at "
                         f"/login)", reason="can_sign_in")
    if not user.active:
        raise NotInvited(f"'{user.handle}' is deactivated: reactivate them first", reason="inactive")
    invited_before = session.scalar(
        select(func.count()).select_from(PasswordReset).where(PasswordReset.user_id == user.id))
    if not invited_before:
        raise NotInvited(f"'{user.handle}' was never invited: add them to give them a sign-in",
                         reason="never_invited")
    if not user.email:
        raise NotInvited(f"'{user.handle}' has no e-mail address on file to send the link to", reason="no_email")


def resend_invitation(
    session: Session, *, workspace: Workspace, handle: str, now: dt.datetime, actor: str = "cli",
    actor_kind: str = "cli", client: str | None = None,
) -> tuple[User, str]:
    """A new invitation link for someone invited who has not chosen a password yet (their
    earlier link pending or expired): the earlier links stop working, so only the newest
    e-mail does, and the new one lives INVITE_LIFETIME from now. The caller e-mails the
    token to ``user.email``. Refused as :func:`check_resendable` says."""
    user = find_user(session, workspace=workspace, handle=handle)
    check_resendable(session, user=user)
    token, spent = _issue_invitation(session, user=user, now=now)
    audit.record(session, action="invitation_resent", actor_kind=actor_kind, actor=actor, workspace_id=workspace.id,
                 target=_target(user), details={"handle": user.handle, "links_spent": spent}, client=client, at=now)
    return user, token


class EmailTaken(Conflict):
    """Another person of the workspace has this e-mail address already."""


@dataclass(frozen=True)
class ProfileChange:
    """What :func:`update_profile` did: the fields that changed ("name", "email"), and how
    many reset or invitation links that still worked were spent because the address changed."""

    user: User
    changed: tuple[str, ...]
    links_spent: int


def update_profile(
    session: Session, *, workspace: Workspace, handle: str, now: dt.datetime, name: str | None = None,
    email: str | None = None, actor: str = "cli", actor_kind: str = "cli", client: str | None = None,
) -> ProfileChange:
    """A person's display name and e-mail address, as an admin corrects them. ``None``
    leaves a field as it is; an empty string clears it. The same values again change (and
    log) nothing.

    An address another person of the workspace has already (compared ignoring case) is
    refused (EmailTaken): signing in by e-mail finds the person by it, and an address two
    people share opens neither account (_find_login). When the address changes, every
    unused reset or invitation link of the person is spent: it went to the old address,
    which may be a stranger's if it had a typo; an invited person is sent a new one
    (resend_invitation). The audit entry names the fields changed, never the addresses
    (the log holds no contact details)."""
    user = find_user(session, workspace=workspace, handle=handle)
    wanted: dict[str, str | None] = {}
    if name is not None:
        wanted["name"] = _check_name(name)
    if email is not None:
        wanted["email"] = _check_email(email)
    changed = tuple(f for f in ("name", "email") if f in wanted and wanted[f] != getattr(user, f))
    if not changed:
        return ProfileChange(user, (), 0)
    new_email = wanted.get("email")
    if "email" in changed and new_email is not None and session.scalar(
        select(User.id).where(User.workspace_id == workspace.id, User.id != user.id,
                              func.lower(User.email) == new_email.lower()).limit(1)
    ) is not None:
        raise EmailTaken(f"another person of '{workspace.slug}' has the e-mail address '{new_email[:80]}'")
    for field in changed:
        setattr(user, field, wanted[field])
    spent = _spend_links(session, user=user, now=now) if "email" in changed else 0
    session.flush()
    audit.record(session, action="user_updated", actor_kind=actor_kind, actor=actor, workspace_id=workspace.id,
                 target=_target(user), details={"handle": user.handle, "changed": list(changed), "links_spent": spent},
                 client=client, at=now)
    return ProfileChange(user, changed, spent)


def list_people(session: Session, *, workspace: Workspace, logins_only: bool = False) -> list[User]:
    query = select(User).where(User.workspace_id == workspace.id)
    if logins_only:
        query = query.where(User.password_hash.is_not(None))
    return list(session.scalars(query.order_by(User.handle)))


@dataclass(frozen=True)
class PersonRow:
    """One line of the people page, copied out of the unit of work.

    ``invitation`` is "pending" (a link to choose a password is live), "expired" (one was
    sent, none is live) or None (never invited, or the password is chosen); ``last_login``
    is the start of their latest session, None when they never signed in."""

    id: int
    handle: str
    name: str | None
    email: str | None
    role: str
    active: bool
    can_sign_in: bool
    invitation: str | None
    last_login: dt.datetime | None
    created_at: dt.datetime


def people_overview(session: Session, *, workspace: Workspace, now: dt.datetime,
                    everyone: bool = False) -> list[PersonRow]:
    """The workspace's people who can sign in or were invited to (``everyone``: also those
    without a login, such as frontline owners named in imports), by handle."""
    last_login = dict(session.execute(
        select(LoginSession.user_id, func.max(LoginSession.created_at))
        .join(User, User.id == LoginSession.user_id).where(User.workspace_id == workspace.id)
        .group_by(LoginSession.user_id)
    ).all())
    invited: dict[int, bool] = {}  # user id → a live link exists
    for user_id, used_at, expires_at in session.execute(
        select(PasswordReset.user_id, PasswordReset.used_at, PasswordReset.expires_at)
        .join(User, User.id == PasswordReset.user_id)
        .where(User.workspace_id == workspace.id, User.password_hash.is_(None))
    ):
        live = used_at is None and _aware(expires_at) > now
        invited[user_id] = invited.get(user_id, False) or live
    rows = []
    for user in list_people(session, workspace=workspace):
        can_sign_in = user.password_hash is not None
        invitation = None if can_sign_in or user.id not in invited else "pending" if invited[user.id] else "expired"
        if not (everyone or can_sign_in or invitation):
            continue
        rows.append(PersonRow(id=user.id, handle=user.handle, name=user.name, email=user.email, role=user.role,
                              active=user.active, can_sign_in=can_sign_in, invitation=invitation,
                              last_login=last_login.get(user.id), created_at=user.created_at))
    return rows


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)  # SQLite hands back naive UTC


def get_person(session: Session, *, workspace: Workspace, user_id: int) -> User:
    """A person of this workspace by id; another workspace's answers NotFound like a missing one."""
    user = session.get(User, user_id)
    if user is None or user.workspace_id != workspace.id:
        raise NotFound(f"no person {user_id} in workspace '{workspace.slug}'")
    return user


def _keep_an_admin(session: Session, *, workspace: Workspace, user: User) -> None:
    """Refuse (LastAdmin) to take away ``user``'s admin role or login when nobody else
    could then administer the workspace. The active admins' rows are locked (PostgreSQL;
    SQLite writes one at a time anyway), so a concurrent change waits and then counts again."""
    if user.role != "admin" or not user.active or user.password_hash is None:
        return  # not one of the admins who count: nothing is taken away
    admins = session.scalars(
        select(User.id).where(User.workspace_id == workspace.id, User.role == "admin", User.active.is_(True),
                              User.password_hash.is_not(None)).with_for_update()
    ).all()
    if not any(other != user.id for other in admins):
        raise LastAdmin(f"'{user.handle}' is the last active admin of '{workspace.slug}': make someone else "
                        f"admin first")


def set_role(
    session: Session, *, workspace: Workspace, handle: str, role: str, actor: str = "cli", actor_kind: str = "cli",
    client: str | None = None, now: dt.datetime | None = None,
) -> User:
    """A new role for a person, from their next page or call; the same role again changes
    (and logs) nothing."""
    user = find_user(session, workspace=workspace, handle=handle)
    check_role(role)
    if role == user.role:
        return user
    if role != "admin":
        _keep_an_admin(session, workspace=workspace, user=user)
    before = user.role
    user.role = role
    session.flush()
    audit.record(session, action="role_changed", actor_kind=actor_kind, actor=actor, workspace_id=workspace.id,
                 target=_target(user), details={"handle": handle, "from": before, "to": role}, client=client,
                 at=now)
    return user


def deactivate(
    session: Session, *, workspace: Workspace, handle: str, now: dt.datetime, actor: str = "cli",
    actor_kind: str = "cli", client: str | None = None,
) -> User:
    """The person can no longer sign in; their sessions end now. Their deliveries and
    cases keep their name."""
    user = find_user(session, workspace=workspace, handle=handle)
    _keep_an_admin(session, workspace=workspace, user=user)
    user.active = False
    ended = login_sessions.revoke_all(session, user_id=user.id, now=now)
    session.flush()
    audit.record(session, action="user_deactivated", actor_kind=actor_kind, actor=actor, workspace_id=workspace.id,
                 target=_target(user), details={"handle": handle, "sessions_ended": ended}, client=client, at=now)
    return user


def reactivate(
    session: Session, *, workspace: Workspace, handle: str, now: dt.datetime, actor: str = "cli",
    actor_kind: str = "cli", client: str | None = None,
) -> User:
    """A deactivated person may sign in again (with the password they had; their old
    sessions stay ended). Someone already active: nothing changes, nothing is logged."""
    user = find_user(session, workspace=workspace, handle=handle)
    if user.active:
        return user
    user.active = True
    session.flush()
    audit.record(session, action="user_reactivated", actor_kind=actor_kind, actor=actor, workspace_id=workspace.id,
                 target=_target(user), details={"handle": handle}, client=client, at=now)
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


def throttled(session: Session, *, user: User | None, client: str | None, now: dt.datetime) -> str | None:
    """Why no password of ``user`` may be tried from ``client`` now ("address_locked",
    "account_locked"), or None. Failures count from the audit log's ``login_failed`` rows
    (targeted ``user:<id>``), wherever a password was tried: the login, or /account."""
    since = now - FAILURE_WINDOW
    if client and _failures(session, since=since, client=client) >= MAX_FAILURES_PER_ADDRESS:
        return "address_locked"
    if user is not None and _failures(session, since=since, target=_target(user)) >= MAX_FAILURES_PER_ACCOUNT:
        return "account_locked"
    return None


def authenticate(
    session: Session, *, workspace_slug: str, login: str, password: str, now: dt.datetime, client: str | None
) -> LoginResult:
    """Check a password login and record the outcome in the audit log (success or not:
    the caller commits either way)."""
    workspace, user = _find_login(session, workspace_slug, login)
    reason = throttled(session, user=user, client=client, now=now)
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
