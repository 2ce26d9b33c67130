"""The author hears back: CS's or an admin's answer to a note is e-mailed to its author.

:func:`enqueue_answer_mail` runs in the answer's own transaction (called by
:func:`doorstep.frontline.services.change_status` under the note's row lock), so the
job exists exactly when the answer committed: a rolled-back answer mails nothing.
The job is sent by doorstep.channels.note_mail through the e-mail path every other mail
takes (the outbox's retries, the send keys, the circuit breaker of
doorstep.channels.email_pause).

Nothing is enqueued when there is no one to tell: a note written with an API key (no
author), an author without an e-mail address or no longer active, an author who turned
these e-mails off on /account (``User.note_answer_emails``), an author answering their
own note, an answer that changed nothing. The job checks the author again when it runs:
one already queued sends nothing once they have turned the e-mails off. Whether e-mail is configured at all is
the worker's to say (its settings send the mail), so the handler checks that.

One pending e-mail per note. Answers come in bursts (``heard``, then the reply typed a
minute later), so the job waits :data:`DELAY` and carries no state: it reads the note
when it runs, so it says the latest answer. While a note's job is queued, a further
answer adds nothing; once it has been claimed (sending, sent, dead), the next answer
queues a new one. The pending job is found by its dedupe key ``note.email:<note id>``
(an equality look-up on a unique index); a job that stops being the pending one gives
its key up. The job's row is locked while this is decided, so a worker claiming it at
that moment either skips it (the answer's transaction holds it: it runs later, with
this answer) or has claimed it first (then a new job is queued). Two jobs that end up
saying the same answer send it once: the send key names the answer (see
doorstep.channels.note_mail).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.accounts.models import User
from doorstep.frontline.models import FrontlineNote
from doorstep.jobs import services as jobs
from doorstep.jobs.models import Job

KIND = "note.email"
# Long enough for "heard" then the reply typed after it to make one e-mail; short enough
# that the author hears the same hour. Counted from the first answer: more answers do not
# push it back, so a busy note still mails.
DELAY = dt.timedelta(minutes=2)


def pending_key(note_id: int) -> str:
    """The dedupe key of a note's pending answer e-mail (only one job holds it at a time)."""
    return f"{KIND}:{note_id}"


def mailable(author: User | None) -> bool:
    """Someone an answer can be e-mailed to: an active person with an address."""
    return author is not None and author.active and bool((author.email or "").strip())


def wants_answer_mail(author: User | None) -> bool:
    """Someone an answer can be e-mailed to who has not turned these e-mails off."""
    return author is not None and mailable(author) and author.note_answer_emails


def enqueue_answer_mail(
    session: Session, *, note: FrontlineNote, by_user_id: int | None, now: dt.datetime
) -> int | None:
    """Queue the e-mail telling ``note``'s author of the answer just given (in the answer's
    transaction, after it changed the note). Returns the pending job's id, or None when
    no one is to be told."""
    if note.author_id is None or note.author_id == by_user_id:
        return None  # an API key's note; the author answering their own note knows already
    if not wants_answer_mail(session.get(User, note.author_id)):
        return None
    key = pending_key(note.id)
    held = session.scalar(select(Job).where(Job.dedupe_key == key).with_for_update())
    if held is not None and held.status == "queued":
        return held.id  # it reads the note when it runs: it will say this answer too
    if held is not None:
        held.dedupe_key = None  # claimed, sent or dead: no longer the pending one
        session.flush()
    job_id, _created = jobs.enqueue(session, kind=KIND, payload={"note_id": note.id}, run_at=now + DELAY,
                                    dedupe_key=key, workspace_id=note.workspace_id)
    return job_id
