"""What a signed-in person changes about themselves: their password, their language, their e-mails.

Services flush; the caller commits (doorstep.web.account is the page).

* The password: the current one is required, and the new one follows the reset's rules
  (doorstep.accounts.passwords). A wrong current password is a failed login in the audit
  log, counted by the login's own limits (doorstep.accounts.people.throttled): a borrowed
  session must not give anyone a guessing form the login's limit does not see. A change
  ends every other session of the person and spends any reset link still out there.
* The language ("zh-CN", "en", or None to follow the browser): the language of the
  person's pages (doorstep.web.language) and of the e-mails sent to them.
* The e-mail that says a note of theirs was answered (doorstep.frontline.replies): on
  unless they turn it off.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.accounts import audit, passwords, people
from doorstep.accounts import sessions as login_sessions
from doorstep.accounts.models import PasswordReset, User
from doorstep.errors import InvalidInput

LOCALES = ("zh-CN", "en")  # what a person may choose; None follows the browser


def _target(user: User) -> str:
    return f"user:{user.id}"  # the target the login's failure count reads (people.throttled)


def change_password(
    session: Session, *, user_id: int, current: str, new: str, keep: str | None, now: dt.datetime,
    client: str | None,
) -> str | None:
    """Change the person's own password. None when it was changed, else why not:
    "wrong_password", "account_locked" or "address_locked".

    The new password is checked first (InvalidInput, nothing recorded: that says nothing
    about the current one). A refusal is recorded as a failed login, which the caller
    commits; once the login's limits are reached even the right password is refused, as
    at the login. On success every session of the person ends except ``keep`` (the cookie
    secret of the browser that changed it), and every unused reset link is spent."""
    user = session.get_one(User, user_id)
    passwords.check_password(new)
    reason = people.throttled(session, user=user, client=client, now=now)
    if reason is not None:
        passwords.burn()  # as slow as a verification, like the login
    elif not passwords.verify(user.password_hash, current)[0]:
        reason = "wrong_password"
    if reason is not None:
        audit.record(session, action="login_failed", actor_kind="user", actor=user.handle,
                     workspace_id=user.workspace_id, target=_target(user),
                     details={"reason": reason, "via": "account"}, client=client, at=now)
        return reason
    user.password_hash = passwords.hash_password(new)
    for reset in session.scalars(
        select(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
    ):
        reset.used_at = now
    ended = login_sessions.revoke_all(session, user_id=user.id, now=now, keep=keep)
    session.flush()
    audit.record(session, action="password_changed", actor_kind="user", actor=user.handle,
                 workspace_id=user.workspace_id, target=_target(user), details={"sessions_ended": ended},
                 client=client, at=now)
    return None


def check_locale(locale: str | None) -> str | None:
    """A language a person may choose, or None ("follow the browser"); else InvalidInput."""
    if locale is None or locale in LOCALES:
        return locale
    raise InvalidInput(f"a language is one of {', '.join(LOCALES)}, or none", field="locale")


def set_locale(session: Session, *, user_id: int, locale: str | None) -> User:
    """The language of the person's pages and of the e-mails sent to them. A preference,
    not a security act: not in the audit log."""
    user = session.get_one(User, user_id)
    user.locale = check_locale(locale)
    session.flush()
    return user


def set_note_answer_emails(session: Session, *, user_id: int, on: bool) -> User:
    """Whether the person is e-mailed when a note of theirs is answered. Read when an
    answer is given and again when its e-mail goes, so turning it off also stops an
    e-mail already waiting. A preference: not in the audit log."""
    user = session.get_one(User, user_id)
    user.note_answer_emails = on
    session.flush()
    return user
