"""The e-mail that tells a note's author it was answered: rendering and the ``note.email`` job.

Queued by doorstep.frontline.replies in the answer's transaction; sent here the way every
e-mail is (doorstep.channels.email): behind the circuit breaker (``send_guarded``; the
kind is one of doorstep.channels.email_pause.KINDS, so a paused installation claims none),
retried with the outbox's backoff, exactly once in effect by a send key recorded before
the SMTP conversation and confirmed after it.

The job carries only the note's id: it says the note's answer as it is when the job
runs (the latest of a burst of answers). The send key names that answer (status, reply,
when and by whom), so two jobs that find the same answer send it once, and an answer
already e-mailed is not e-mailed again.

The language is the author's as far as Doorstep knows it: the one they chose on
/account, else the language they wrote the note in (they read what they write), else
the workspace's, else English.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass
from email.message import EmailMessage
from functools import partial
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from doorstep.accounts.models import User, Workspace
from doorstep.channels.email import (
    SurveyMail,
    _env,
    build_message,
    mark_sent,
    message_id,
    send_once,
    smtp_enabled,
)
from doorstep.frontline.models import FrontlineNote
from doorstep.frontline.replies import KIND, mailable
from doorstep.jobs.worker import Handler, JobContext, JobView, Permanent
from doorstep.web.i18n import normalise, t, url_code

log = logging.getLogger("doorstep.email")

EXCERPT = 80  # characters of the note the e-mail quotes to say which note it is


def answer_language(author_locale: str | None, note_language: str | None, workspace_locale: str | None) -> str:
    """The author's chosen language, else the note's (the author wrote it), else the
    workspace's, else English."""
    return normalise(author_locale) or normalise(note_language) or normalise(workspace_locale) or "en"


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """The note on one line, cut at ``limit`` characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def note_url(base_url: str, note_id: int, lang: str) -> str:
    """The note's lasting link: it opens the notes page the note is on, at its anchor."""
    return f"{base_url.rstrip('/')}/notes/{note_id}?{urlencode({'lang': url_code(lang)})}"


def render_answer_mail(
    *, lang: str, base_url: str, note_id: int, text: str, status: str, reply: str | None,
    answered_by: str | None, author_name: str, workspace_name: str,
) -> SurveyMail:
    """The e-mail in ``lang``, as plain text and HTML (the HTML autoescapes every value)."""
    # Literal message ids: tests/web/test_i18n.py finds every id a page or e-mail uses.
    labels = {"new": t(lang, "notes.status_new"), "heard": t(lang, "notes.status_heard"),
              "acting": t(lang, "notes.status_acting"), "done": t(lang, "notes.status_done")}
    label = labels.get(status, status)
    who = answered_by or t(lang, "notes.mail_team")
    context: dict[str, Any] = {
        "lang": lang,
        "t": partial(t, lang),
        "subject": t(lang, "notes.mail_subject", status=label),
        "greeting": t(lang, "notes.mail_greeting", name=author_name),
        "intro": t(lang, "notes.mail_intro", who=who),
        "excerpt": excerpt(text),
        "status_line": t(lang, "notes.mail_status", status=label),
        "reply": reply,
        "note_link": note_url(base_url, note_id, lang),
        "workspace_name": workspace_name,
    }
    return SurveyMail(subject=context["subject"], text=_env.get_template("note_answer.txt").render(context),
                      html=_env.get_template("note_answer.html").render(context), lang=lang)


def answer_version(note: FrontlineNote) -> str:
    """Names one answer: the same status, reply, time and person give the same version."""
    when = note.status_changed_at.isoformat() if note.status_changed_at else ""
    said = json.dumps([note.status, note.reply, when, note.status_changed_by_id], ensure_ascii=True)
    return hashlib.sha256(said.encode()).hexdigest()[:16]


def send_key(note_id: int, version: str) -> str:
    return f"email:note:{note_id}:{version}"


@dataclass(frozen=True)
class Outgoing:
    key: str
    message: EmailMessage


def _note_id(job: JobView) -> int:
    value = job.payload.get("note_id")
    if not isinstance(value, int) or isinstance(value, bool):
        raise Permanent(f"payload has no note_id: {job.payload!r}")
    return value


def _prepare(ctx: JobContext, session: Session, note_id: int, now: dt.datetime) -> Outgoing | str:
    """The message to send, or why there is nothing to send (checked again when the job
    runs: the note, its author and their address may have changed since it was queued)."""
    note = session.get(FrontlineNote, note_id)
    if note is None:
        return "the note no longer exists"
    if note.status == "new" or note.status_changed_at is None:
        return "the note has not been answered"
    author = session.get(User, note.author_id) if note.author_id is not None else None
    if author is None:
        return "the note has no author (written with an API key, or the author was removed)"
    if not mailable(author):
        return "the author has no e-mail address or is no longer active"
    if not author.note_answer_emails:
        return "the author turned these e-mails off on /account"
    if note.status_changed_by_id == author.id:
        return "the last answer is the author's own"
    answerer = session.get(User, note.status_changed_by_id) if note.status_changed_by_id is not None else None
    workspace = session.get_one(Workspace, note.workspace_id)
    lang = answer_language(author.locale, note.language, workspace.locale)
    mail = render_answer_mail(
        lang=lang, base_url=ctx.settings.base_url, note_id=note.id, text=note.text, status=note.status,
        reply=note.reply, answered_by=(answerer.name or answerer.handle) if answerer is not None else None,
        author_name=author.name or author.handle, workspace_name=workspace.name,
    )
    key = send_key(note.id, answer_version(note))
    try:
        message = build_message(mail, sender=ctx.settings.smtp_from, to_address=author.email or "",
                                to_name=author.name, msg_id=message_id(key, f"note{note.id}", ctx.settings.smtp_from),
                                date=now)
    except ValueError as exc:
        raise Permanent(f"cannot e-mail the answer to note {note.id}: {exc}") from exc
    return Outgoing(key, message)


def send_answer(ctx: JobContext, job: JobView) -> None:
    """Job ``note.email``: the note's latest answer, to its author."""
    note_id = _note_id(job)
    if not smtp_enabled(ctx.settings):
        log.info("answer to note %s: nothing sent: e-mail is off (no SMTP host configured)", note_id)
        return
    now = ctx.clock()
    with ctx.db.read() as session:
        outgoing = _prepare(ctx, session, note_id, now)
    if isinstance(outgoing, str):
        log.info("answer to note %s: nothing sent: %s", note_id, outgoing)
        return
    if not send_once(ctx, outgoing.key, job.id, outgoing.message, now=now):
        log.info("answer to note %s: this answer was e-mailed already (%s)", note_id, outgoing.key)
        return
    with ctx.db.write() as session:
        mark_sent(session, outgoing.key, ctx.clock())
    log.info("answer to note %s e-mailed to its author", note_id)


HANDLERS: dict[str, Handler] = {KIND: send_answer}
