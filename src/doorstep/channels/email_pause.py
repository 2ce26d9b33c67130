"""E-mail's circuit breaker: after a failure no retry can fix, e-mail stops for the whole installation.

Why. A wrong SMTP password used to be retried by every queued e-mail job, up to eight
attempts each: a few hundred invitations made thousands of failed logins, and Office 365,
Gmail or Tencent Exmail lock the account (or block the server's address) for hours, well
after someone has fixed the password. So the first lasting failure pauses e-mail:
``SmtpFailed.lasting`` (a refused login, a certificate we do not trust, settings that
cannot work; see doorstep.channels.email). Transient ones (a timeout, a 4xx) keep the
ordinary retry with backoff.

While paused. The row in ``channel_pauses`` is read by every worker process, on any
machine. A worker claims no e-mail job at all (:class:`EmailGate`); a job claimed just
before the pause is deferred (:class:`EmailPaused`, a Deferred): back to the queue a few
minutes later, its attempt not counted, never to the dead letters. Nothing connects.

What lifts it. A worker whose SMTP settings are not the ones that failed (an operator
fixed DOORSTEP_SMTP_* and restarted it): compared by :func:`fingerprint`, which covers
server, port, security, user, CA file (path and contents) and a salted slow hash of the
password, never the password itself. A person: "Try again" on /admin/jobs or ``doorstep email resume``
(audited, ``email_resumed``), and ``doorstep email test`` when its message was accepted.
The jobs deferred by the pause are then due at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from doorstep.accounts import audit
from doorstep.channels.models import ChannelPause
from doorstep.config import Settings
from doorstep.db import Database, table_of
from doorstep.jobs.models import Job
from doorstep.jobs.worker import Deferred, JobContext

log = logging.getLogger("doorstep.email")

CHANNEL = "email"
# Every job kind that talks to the SMTP server (tests/channels/test_email_pause.py checks
# each is a real handler). The password reset mail is sent by the web process, not a job;
# it asks the same breaker (doorstep.web.auth).
KINDS = frozenset({"invitation.send", "invitation.remind", "brief.email", "note.email"})
# A job claimed just before the pause waits this long, then asks again (the gate keeps
# the rest from being claimed at all, so this is a handful of jobs, not the queue).
DEFER = dt.timedelta(minutes=5)
# The last error of a deferred job starts so: the resume finds them by it and makes them due.
NOTE_PREFIX = "e-mail paused"
# While paused, a worker says so in its log this often (and on its first look).
LOG_EVERY = dt.timedelta(minutes=15)
# PBKDF2 rounds for the password's share of the fingerprint: the table may end up in a
# backup or a support ticket; a fast hash of a short password is guessed in minutes.
# Computed once per process and salt (cached), so the cost is paid once.
ROUNDS = 200_000
MAX_ERROR = 2000


@dataclass(frozen=True)
class Pause:
    """E-mail is paused: since when, at which step, why, with which server (no secret)."""

    step: str
    error: str
    server: dict[str, Any]
    paused_at: dt.datetime
    failed_at: dt.datetime
    paused_by: str | None

    def note(self) -> str:
        """A deferred job's last error: why it waits."""
        return f"{NOTE_PREFIX} ({self.step}) since {self.paused_at:%Y-%m-%d %H:%M} UTC: {self.error}"

    def as_dict(self) -> dict[str, Any]:
        return {"paused": True, "step": self.step, "error": self.error, "server": self.server,
                "paused_at": self.paused_at.isoformat(), "failed_at": self.failed_at.isoformat(),
                "paused_by": self.paused_by}


class EmailPaused(Deferred):
    """Raised instead of connecting while e-mail is paused (and by the send that pauses it):
    the worker puts the job back :data:`DEFER` later without counting the attempt."""

    def __init__(self, pause: Pause) -> None:
        super().__init__(pause.note(), delay=DEFER)
        self.pause = pause


def server_summary(settings: Settings) -> dict[str, Any]:
    """What a person may see of the SMTP settings: never the password, only whether one is set.
    The CA file by its path and a digest of its contents: an operator who puts the right CA
    into the same file has changed the settings as much as one who points to another file."""
    return {
        "host": settings.smtp_host,
        "port": settings.smtp_port,
        "security": settings.smtp_security,
        "username": settings.smtp_username,
        "ca_file": settings.smtp_ca_file,
        "ca_sha256": _file_digest(settings.smtp_ca_file),
        "password_set": bool(settings.smtp_password and settings.smtp_password.get_secret_value()),
    }


def _file_digest(path: str | None) -> str | None:
    """SHA-256 of a file's bytes; "unreadable" when it cannot be read (that too is a setting)."""
    if not path:
        return None
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return "unreadable"


@lru_cache(maxsize=64)
def _fingerprint(salt: str, shown: str, password: str) -> str:
    secret = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), bytes.fromhex(salt), ROUNDS)
    return hashlib.sha256(shown.encode("utf-8") + b"\0" + secret).hexdigest()


def fingerprint(settings: Settings, salt: str) -> str:
    """The SMTP settings that decide whether a login can work, as one hex digest: equal
    settings give equal digests (with the same ``salt``), and nothing can be read back."""
    shown = json.dumps(server_summary(settings), sort_keys=True)
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
    return _fingerprint(salt, shown, password)


def _view(row: ChannelPause) -> Pause:
    return Pause(step=row.step, error=row.error, server=dict(row.server or {}), paused_at=row.paused_at,
                 failed_at=row.failed_at, paused_by=row.paused_by)


def current(session: Session) -> Pause | None:
    """The pause as it is stored, whatever settings this process has (pages, the CLI)."""
    row = session.get(ChannelPause, CHANNEL, populate_existing=True)
    return _view(row) if row is not None else None


def _bring_forward(session: Session, now: dt.datetime) -> int:
    """The jobs a pause deferred are due now, not at the end of their wait."""
    result = session.execute(
        update(table_of(Job))
        .where(Job.status == "queued", Job.kind.in_(sorted(KINDS)), Job.run_at > now,
               Job.last_error.startswith(NOTE_PREFIX, autoescape=True))
        .values(run_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def check(session: Session, settings: Settings, now: dt.datetime) -> Pause | None:
    """The pause that holds for ``settings``, in the caller's (write) transaction. If these
    settings are not the ones that failed, someone changed them: the pause is lifted (and
    said in the log) and None returned, so this process tries again."""
    row = session.get(ChannelPause, CHANNEL, populate_existing=True)
    if row is None:
        return None
    if fingerprint(settings, row.salt) == row.fingerprint:
        return _view(row)
    pause = _view(row)
    # Only the pause we read: another worker may have paused again meanwhile with these settings.
    session.execute(delete(ChannelPause).where(ChannelPause.channel == CHANNEL,
                                               ChannelPause.fingerprint == row.fingerprint))
    moved = _bring_forward(session, now)
    log.warning("e-mail resumes: the SMTP settings differ from those that failed at %s (%s); trying %s with "
                "them (%s deferred e-mail job(s) due now)", pause.paused_at.isoformat(timespec="seconds"),
                pause.step, _where(server_summary(settings)), moved)
    return None


def active(db: Database, settings: Settings, now: dt.datetime) -> Pause | None:
    """:func:`check` in transactions of its own: a read, and a write only to lift the pause."""
    with db.read() as session:
        row = session.get(ChannelPause, CHANNEL)
        if row is None:
            return None
        if fingerprint(settings, row.salt) == row.fingerprint:
            return _view(row)
    with db.write() as session:
        return check(session, settings, now)


def _upsert(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    return insert(table_of(ChannelPause))


def trip(db: Database, settings: Settings, *, now: dt.datetime, step: str, error: str, by: str | None) -> Pause:
    """Pause e-mail after a lasting failure with ``settings``; says so loudly in the log.
    Two workers failing at once make one pause (the first one's time is kept)."""
    salt = secrets.token_hex(16)
    values: dict[str, Any] = {
        "step": step, "error": error[:MAX_ERROR], "fingerprint": fingerprint(settings, salt), "salt": salt,
        "server": server_summary(settings), "paused_by": (by or "")[:120] or None, "failed_at": now,
    }
    with db.write() as session:
        stmt = _upsert(session).values(channel=CHANNEL, paused_at=now, **values)
        session.execute(stmt.on_conflict_do_update(index_elements=["channel"], set_=values))
        row = session.get_one(ChannelPause, CHANNEL, populate_existing=True)
        pause = _view(row)
    log.error("E-MAIL PAUSED for the whole installation (%s): %s. Nothing more is sent and no e-mail job uses up "
              "its attempts until the SMTP settings change (fix DOORSTEP_SMTP_* and restart the worker: it resumes "
              "by itself) or a person resumes it: `doorstep email resume`, or 'Try again' on /admin/jobs",
              step, pause.error)
    return pause


def resume(
    session: Session, *, now: dt.datetime, actor_kind: str, actor: str | None, workspace_id: int | None,
    via: str, client: str | None = None,
) -> Pause | None:
    """Lift the pause by hand ("try again"), audited; the deferred jobs are due now.
    None (and no audit entry) when e-mail was not paused. If the settings are still
    wrong, the next e-mail pauses it again after one attempt."""
    row = session.get(ChannelPause, CHANNEL, with_for_update=True, populate_existing=True)
    if row is None:
        return None
    pause = _view(row)
    session.delete(row)
    session.flush()
    moved = _bring_forward(session, now)
    audit.record(session, action="email_resumed", actor_kind=actor_kind, actor=actor, workspace_id=workspace_id,
                 target=f"channel:{CHANNEL}", client=client, at=now,
                 details={"via": via, "step": pause.step, "paused_at": pause.paused_at.isoformat(),
                          "server": _where(pause.server), "error": pause.error[:300], "jobs_due": moved})
    log.warning("e-mail resumed by %s:%s (%s); it was paused since %s (%s)", actor_kind, actor or "-", via,
                pause.paused_at.isoformat(timespec="seconds"), pause.step)
    return pause


def waiting(session: Session, *, workspace_id: int | None = None) -> int:
    """Queued e-mail jobs (one workspace's, or all): what the pause holds back."""
    where = [Job.status == "queued", Job.kind.in_(sorted(KINDS))]
    if workspace_id is not None:
        where.append(Job.workspace_id == workspace_id)
    return int(session.scalar(select(func.count()).select_from(Job).where(*where)) or 0)


def _where(server: dict[str, Any]) -> str:
    return f"{server.get('host')}:{server.get('port')}"


@dataclass
class EmailGate:
    """The worker's gate (doorstep.jobs.worker.Gate): while e-mail is paused for this
    worker's settings, it claims no e-mail job; it says so in its log on its first look
    and every :data:`LOG_EVERY` after."""

    kinds: frozenset[str] = KINDS
    _told: dt.datetime | None = field(default=None, repr=False)

    def closed(self, session: Session, ctx: JobContext) -> bool:
        now = ctx.clock()
        pause = check(session, ctx.settings, now)
        if pause is None:
            self._told = None
            return False
        if self._told is None or now - self._told >= LOG_EVERY:
            self._told = now
            log.warning("e-mail is PAUSED since %s (%s at %s): %s. E-mail jobs wait; fix DOORSTEP_SMTP_* and "
                        "restart the worker, or `doorstep email resume` once fixed elsewhere",
                        pause.paused_at.isoformat(timespec="seconds"), pause.step,
                        _where(pause.server), pause.error)
        return True
