"""Corrections and removals: the author fixes or takes back a note; an admin removes one.

* **Edit** — only the note's author, only while it is ``new`` (no CS person has answered
  it yet): what CS heard, acted on or replied to stays what they read. The text is checked
  as when it was filed and analysed again (language, themes, sentiment); ``edited_at``
  says when it was last corrected. Someone else gets Forbidden (403); the author of a note
  already answered gets Conflict (409).
* **Delete** — the author, while the note is ``new``; an **admin**, any note at any time
  (personal data or abuse posted by mistake). CS may not: they answer notes, and a channel
  where the team being told about a problem could remove the telling would not be trusted.
  A CS person who sees something that must go asks an admin; their own new notes they may
  delete as authors.

A deletion removes the note, its photos and its votes, so the brief (which reads notes
live) stops showing it; the quotes of its text and reply in briefs already published
are replaced by "[erased]", as for an erased customer (doorstep.deliveries.privacy). It is
recorded in the audit log, in the same transaction: who, which note (``frontline_note:<id>``),
when, and what went with it — never its text.

Both take the note's row lock first (doorstep.frontline.services.get_note), so a CS answer
arriving at the same moment either comes first (then the edit is refused) or answers the
corrected text; and every act on a note being deleted waits, then finds it gone.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any, Literal

from markupsafe import escape
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from doorstep.accounts import audit
from doorstep.accounts.models import Workspace
from doorstep.briefs.models import Brief
from doorstep.db import utcnow
from doorstep.deliveries.privacy import ERASED
from doorstep.deliveries.services import list_stages
from doorstep.errors import Conflict, Forbidden
from doorstep.frontline.models import FrontlineNote, NotePhoto, NoteVote
from doorstep.frontline.services import (
    WRITERS,
    checked_text,
    get_note,
    stage_from_words,
    stage_named,
)
from doorstep.insight.services import analyzer_for

MODERATORS = frozenset({"admin"})  # remove any note, whoever wrote it and whatever its status


class _Unchanged(enum.Enum):
    KEEP = "keep"


KEEP = _Unchanged.KEEP  # edit_note(stage_key=KEEP): the stage stays as it is


def may_edit(*, role: str, mine: bool, status: str) -> bool:
    """May this person correct this note now? Its author, while it is new."""
    return role in WRITERS and mine and status == "new"


def may_delete(*, role: str, mine: bool, status: str) -> bool:
    """May this person delete this note now? Its author while it is new; an admin always."""
    return role in MODERATORS or may_edit(role=role, mine=mine, status=status)


def _authors_only(note: FrontlineNote, *, role: str, user_id: int | None, act: str) -> None:
    """Forbidden unless the caller is the note's author (in a writing role); Conflict when
    the author comes too late (the note has been answered)."""
    if role not in WRITERS:
        raise Forbidden(f"the role '{role}' may not {act} notes")
    if user_id is None or note.author_id != user_id:
        who = "its author or an admin" if act == "delete" else "its author"
        raise Forbidden(f"only {who} may {act} note {note.id}")
    if note.status != "new":
        raise Conflict(f"note {note.id} has been {note.status} by CS: its author can no longer {act} it"
                       + (" (an admin can)" if act == "delete" else ""))


def edit_note(
    *,
    session: Session,
    workspace: Workspace,
    note_id: int,
    user_id: int | None,
    role: str,
    text: str | None = None,
    stage_key: str | Literal[_Unchanged.KEEP] | None = KEEP,
    now: dt.datetime | None = None,
) -> FrontlineNote:
    """The author's correction of their new note (rules in the module docstring).

    ``text``: None keeps it. ``stage_key``: KEEP keeps the stage; None or "" is "not sure",
    the stage the words point to, as when a note is filed. Nothing changes, and
    ``edited_at`` stays, when the result is what the note already says."""
    note = get_note(session=session, workspace=workspace, note_id=note_id, lock="update")
    _authors_only(note, role=role, user_id=user_id, act="edit")
    body = note.text if text is None else checked_text(text)
    stages = list_stages(session=session, workspace=workspace)
    stage_id = note.stage_id if stage_key is KEEP else stage_named(stages, stage_key)
    text_changed = body != note.text
    if not text_changed and stage_key is KEEP:
        return note
    found = analyzer_for(workspace, [s.key for s in stages]).analyze(body)
    if stage_id is None:
        stage_id = stage_from_words(stages, found.stage)
    if not text_changed and stage_id == note.stage_id:
        return note
    note.text = body
    note.language = found.language
    note.themes = list(found.themes)
    note.sentiment = found.sentiment
    note.stage_id = stage_id
    note.edited_at = now or utcnow()
    session.flush()
    return note


@dataclass(frozen=True)
class Removal:
    """What a deletion took with it (what the audit entry records)."""

    note_id: int
    by: Literal["author", "admin"]
    status: str
    photos: int
    votes: int
    briefs_scrubbed: int

    def details(self) -> dict[str, Any]:
        return {"as": self.by, "status": self.status, "photos": self.photos, "votes": self.votes,
                "briefs_scrubbed": self.briefs_scrubbed}


def delete_note(
    *,
    session: Session,
    workspace: Workspace,
    note_id: int,
    user_id: int | None,
    role: str,
    actor_kind: str,
    actor: str | None,
    client: str | None = None,
    now: dt.datetime | None = None,
) -> Removal:
    """Delete a note with its photos and votes, scrub its quotes from published briefs, and
    record it in the audit log — all in the caller's transaction (rules in the module
    docstring). ``actor_kind``/``actor``/``client`` name the caller in the audit entry."""
    note = get_note(session=session, workspace=workspace, note_id=note_id, lock="delete")
    mine = user_id is not None and note.author_id == user_id
    if role not in MODERATORS:
        _authors_only(note, role=role, user_id=user_id, act="delete")
    photos = session.scalar(select(func.count()).select_from(NotePhoto).where(NotePhoto.note_id == note.id)) or 0
    votes = session.scalar(select(func.count()).select_from(NoteVote).where(NoteVote.note_id == note.id)) or 0
    # Children first, by hand: the foreign keys cascade, but the deletion must not depend on
    # SQLite's foreign_keys pragma being on for whoever opened the database.
    session.execute(delete(NoteVote).where(NoteVote.note_id == note.id))
    session.execute(delete(NotePhoto).where(NotePhoto.note_id == note.id))
    scrubbed = _scrub_briefs(session, workspace, note)
    removal = Removal(note_id=note.id, by="author" if mine else "admin", status=note.status, photos=photos,
                      votes=votes, briefs_scrubbed=scrubbed)
    session.delete(note)
    session.flush()
    audit.record(session, action="deleted", actor_kind=actor_kind, actor=actor, workspace_id=workspace.id,
                 target=f"frontline_note:{removal.note_id}", details=removal.details(), client=client, at=now)
    return removal


def _scrub_briefs(session: Session, workspace: Workspace, note: FrontlineNote) -> int:
    """Replace the note's text and reply in the briefs published since it was written (a
    brief quotes notes by value); how many briefs changed.

    In ``content`` the note is found by its id. In the stored ``html`` its text is found
    as the brief prints it, “escaped”, and — when it is long enough not to match by chance
    (4 characters, as for an erased customer) — anywhere; the reply likewise after "↳ "."""
    texts = [t for t in (note.text, note.reply) if t and t.strip()]
    if not texts:
        return 0
    changed = 0
    for brief in session.scalars(
        select(Brief).where(Brief.workspace_id == workspace.id, Brief.created_at >= note.created_at)
    ):
        content = _scrub_content(brief.content, note.id)
        html = brief.html
        for raw in texts:
            safe = str(escape(raw))
            html = html.replace(f"“{safe}”", f"“{ERASED}”").replace(f"↳ {safe}<", f"↳ {ERASED}<")
            if len(raw.strip()) >= 4:
                html = html.replace(safe, ERASED).replace(raw, ERASED)
        if content != brief.content or html != brief.html:
            brief.content, brief.html = content, html
            changed += 1
    return changed


def _scrub_content(value: Any, note_id: int) -> Any:
    """The brief's JSON with every note entry of ``note_id`` (a dict with its id, text and
    votes) stripped of its text and reply."""
    if isinstance(value, list):
        return [_scrub_content(v, note_id) for v in value]
    if isinstance(value, dict):
        if value.get("id") == note_id and "text" in value and "votes" in value:
            return {**value, "text": ERASED, "reply": None}
        return {k: _scrub_content(v, note_id) for k, v in value.items()}
    return value
