"""Frontline notes: what couriers, agents and engineers see where customers get stuck.

A note is analysed with the same theme and sentiment analysis as customer comments
(:func:`doorstep.insight.services.analyzer_for`), so the brief can set the frontline's
words beside the customers' on the same stage and theme.

Who may do what (the API and the pages check the role first; these functions check it
again, so no entry point can forget):

* anyone of the workspace reads its notes; frontline people, CS and admins write them
  and +1 them (one vote per person, the author's own included, counted once);
* a photo is added by the note's author, or by CS or an admin;
* CS and admins say what became of a note: ``heard``, ``acting``, ``done``, with a reply
  the author sees. Any of the three may follow any other (a note dealt with at once goes
  straight to ``done``; ``done`` goes back to ``acting`` when the fix did not hold), but
  never back to ``new``: a note once heard stays heard. Setting the same status with a new
  reply changes the reply; the same status and reply again changes nothing.
* a person takes their +1 back (:func:`unvote`), as often as they like;
* the author corrects or deletes their own note while it is still ``new``; an admin
  removes any note (doorstep.frontline.corrections).

A note of another workspace is NotFound, exactly like one that does not exist.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import Any, BinaryIO, Literal

from sqlalchemy import String, and_, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session

from doorstep.accounts.models import User, Workspace
from doorstep.db import table_of, utcnow
from doorstep.deliveries.models import Delivery, Journey, Stage
from doorstep.deliveries.services import list_stages
from doorstep.errors import Conflict, Forbidden, InvalidInput, NotFound
from doorstep.frontline.models import NOTE_STATUSES, FrontlineNote, NotePhoto, NoteVote
from doorstep.frontline.photos import PreparedPhoto, attach_photo, check_room
from doorstep.frontline.replies import enqueue_answer_mail
from doorstep.insight.services import analyzer_for

MAX_TEXT = 2000
WRITERS = frozenset({"admin", "cs", "frontline"})  # write notes, +1 them
RESPONDERS = frozenset({"admin", "cs"})  # say what became of a note, with a reply
ANSWERS = ("heard", "acting", "done")  # the statuses a responder may set


def _clean(text: str | None) -> str:
    # As people type it: NUL dropped (PostgreSQL cannot store it), one character per line break.
    return (text or "").replace("\x00", "").replace("\r\n", "\n").strip()


def _visible(text: str) -> bool:
    """Has the text something to see? An emoji is; spaces, zero-width joiners and variation
    selectors or other marks without a character to sit on are not."""
    return any(unicodedata.category(c)[0] not in "CZM" for c in text)


def checked_text(text: str | None) -> str:
    """A note's text as it is stored: cleaned, with something to see, at most MAX_TEXT
    characters (else InvalidInput naming ``text``). For a new note and a corrected one alike."""
    body = _clean(text)
    if not _visible(body):
        raise InvalidInput("a note needs some text", field="text")
    if len(body) > MAX_TEXT:
        raise InvalidInput(f"a note is at most {MAX_TEXT} characters (this one has {len(body)})", field="text")
    return body


def stage_named(stages: list[Stage], stage_key: str | None) -> int | None:
    """The id of the journey stage ``stage_key`` (None for none; InvalidInput naming ``stage``
    for a key that is not one of ``stages``)."""
    if not stage_key:
        return None
    stage_id = next((s.id for s in stages if s.key == stage_key), None)
    if stage_id is None:
        raise InvalidInput(f"'{stage_key[:80]}' is not a stage of this workspace's journey", field="stage")
    return stage_id


def stage_from_words(stages: list[Stage], found_stage: str | None) -> int | None:
    """A note that names no stage but whose words point to one counts on that stage."""
    return next((s.id for s in stages if s.key == found_stage), None) if found_stage else None


def create_note(
    *,
    session: Session,
    workspace: Workspace,
    text: str,
    stage_key: str | None = None,
    delivery_external_id: str | None = None,
    author_id: int | None = None,
    now: dt.datetime | None = None,
) -> FrontlineNote:
    """Store and analyse one note. The stage must be one of the workspace's journey, the
    delivery one of its deliveries; the text is non-empty and at most 2,000 characters."""
    body = checked_text(text)
    stages = list_stages(session=session, workspace=workspace)
    stage_id = stage_named(stages, stage_key)
    delivery_id: int | None = None
    if delivery_external_id:
        delivery_id = session.scalar(
            select(Delivery.id).where(
                Delivery.workspace_id == workspace.id, Delivery.external_id == delivery_external_id
            )
        )
        if delivery_id is None:
            raise InvalidInput(f"delivery '{delivery_external_id[:80]}' does not exist", field="delivery")
    if author_id is not None:
        owner = session.scalar(select(User.workspace_id).where(User.id == author_id))
        if owner != workspace.id:
            raise InvalidInput("the author is not a person of this workspace", field="author")
    found = analyzer_for(workspace, [s.key for s in stages]).analyze(body)
    if stage_id is None:
        stage_id = stage_from_words(stages, found.stage)
    note = FrontlineNote(
        workspace_id=workspace.id,
        author_id=author_id,
        stage_id=stage_id,
        delivery_id=delivery_id,
        text=body,
        language=found.language,
        status="new",
        votes=0,
        themes=list(found.themes),
        sentiment=found.sentiment,
        created_at=now or utcnow(),
    )
    session.add(note)
    session.flush()
    return note


def set_status(
    *,
    session: Session,
    note: FrontlineNote,
    status: str,
    reply: str | None = None,
    by_user_id: int | None = None,
    now: dt.datetime | None = None,
) -> FrontlineNote:
    """Say what became of a note (heard, acting, done), optionally with a reply.

    ``reply``: None keeps the current one, "" removes it. Never back to ``new``; the same
    status and reply again is a no-op (the time and person of the last answer stay)."""
    if status not in NOTE_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(ANSWERS)}", field="status")
    if status == "new" and note.status != "new":
        raise Conflict(f"note {note.id} has been {note.status}: it can move between {', '.join(ANSWERS)}, "
                       "not back to new")
    cleaned = None if reply is None else _clean(reply)
    if cleaned is not None and len(cleaned) > MAX_TEXT:
        raise InvalidInput(f"a reply is at most {MAX_TEXT} characters (this one has {len(cleaned)})",
                           field="reply")
    new_reply = note.reply if cleaned is None else (cleaned or None)
    if status == note.status and new_reply == note.reply:
        return note
    note.status = status
    note.reply = new_reply
    note.status_changed_at = now or utcnow()
    note.status_changed_by_id = by_user_id
    session.flush()
    return note


def notes_for_brief(
    *,
    session: Session,
    workspace: Workspace,
    since: dt.datetime,
    until: dt.datetime,
) -> list[dict[str, Any]]:
    """Notes written in [since, until) with their stage key and author handle, most voted first."""
    rows = session.execute(
        select(FrontlineNote, Stage.key, User.handle)
        .outerjoin(Stage, Stage.id == FrontlineNote.stage_id)
        .outerjoin(User, User.id == FrontlineNote.author_id)
        .where(
            FrontlineNote.workspace_id == workspace.id,
            FrontlineNote.created_at >= since,
            FrontlineNote.created_at < until,
        )
        .order_by(FrontlineNote.votes.desc(), FrontlineNote.created_at.desc(), FrontlineNote.id.desc())
    ).all()
    return [
        {
            "id": note.id,
            "text": note.text,
            "language": note.language,
            "stage": stage_key,
            "themes": list(note.themes or []),
            "sentiment": None if note.sentiment is None else round(float(note.sentiment), 3),
            "votes": note.votes,
            "status": note.status,
            "reply": note.reply,
            "author": handle,
            "created_at": note.created_at.isoformat(),
        }
        for note, stage_key, handle in rows
    ]



# --- reading notes ------------------------------------------------------------------


@dataclass
class NotePage:
    notes: list[dict[str, Any]]
    total: int


def journey_stages(*, session: Session, workspace: Workspace) -> list[Stage]:
    """The workspace's stages in journey order, without creating a journey (safe in a read)."""
    return list(session.scalars(
        select(Stage).join(Journey, Journey.id == Stage.journey_id)
        .where(Journey.workspace_id == workspace.id, Journey.key == "default").order_by(Stage.position)
    ))


Lock = Literal["share", "update", "delete"]


def get_note(
    *, session: Session, workspace: Workspace, note_id: int, lock: Lock | None = None
) -> FrontlineNote:
    """The note, only if it belongs to ``workspace`` (another workspace's id is just unknown).

    ``lock`` (PostgreSQL; SQLite's writers take turns anyway) holds the note's row until the
    transaction ends, so what is checked stays true while it is acted on:

    * ``"share"`` (FOR KEY SHARE, what a vote row's foreign key takes): votes go on side by
      side, but wait for a deletion and then find the note gone (404, not a foreign-key 500);
    * ``"update"`` (FOR NO KEY UPDATE, what an UPDATE takes): an edit and an answer take
      turns, so an edit never lands on a note CS has just heard;
    * ``"delete"`` (FOR UPDATE): every other act on the note waits, then finds it gone.

    A locked read reloads the row (populate_existing): what the lock holds is what is checked.
    """
    query = select(FrontlineNote).where(FrontlineNote.id == note_id, FrontlineNote.workspace_id == workspace.id)
    if lock is not None:
        query = query.with_for_update(read=lock == "share", key_share=lock != "delete").execution_options(
            populate_existing=True)
    note = session.scalar(query)
    if note is None:
        raise NotFound(f"no note {note_id} in this workspace")
    return note


def list_notes(
    *,
    session: Session,
    workspace: Workspace,
    viewer_id: int | None = None,
    status: str | None = None,
    stage: str | None = None,
    theme: str | None = None,
    author_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> NotePage:
    """The workspace's notes, newest first, filtered (AND) by status, stage key, theme key
    and author; each with what ``viewer_id`` needs to see (their vote, their own notes)."""
    where: list[Any] = [FrontlineNote.workspace_id == workspace.id]
    if status is not None:
        if status not in NOTE_STATUSES:
            raise InvalidInput(f"status must be one of {', '.join(NOTE_STATUSES)}", field="status")
        where.append(FrontlineNote.status == status)
    if stage is not None:
        stage_id = next((s.id for s in journey_stages(session=session, workspace=workspace) if s.key == stage), None)
        if stage_id is None:
            raise InvalidInput(f"'{stage[:80]}' is not a stage of this workspace's journey", field="stage")
        where.append(FrontlineNote.stage_id == stage_id)
    if theme is not None:
        # themes is a JSON list of taxonomy keys ([a-z0-9_]): its text holds "key" with the quotes
        # exactly when the list does, on either engine. Notes are few; no index is needed.
        where.append(cast(FrontlineNote.themes, String).contains(f'"{theme}"', autoescape=True))
    if author_id is not None:
        where.append(FrontlineNote.author_id == author_id)
    total = session.scalar(select(func.count()).select_from(FrontlineNote).where(*where)) or 0
    notes = list(session.scalars(
        select(FrontlineNote).where(*where)
        .order_by(FrontlineNote.created_at.desc(), FrontlineNote.id.desc()).limit(limit).offset(offset)
    ))
    return NotePage(notes=describe(session=session, workspace=workspace, notes=notes, viewer_id=viewer_id),
                    total=total)


def newer_than(*, session: Session, workspace: Workspace, note_id: int) -> int | None:
    """How many of the workspace's notes come before this one in :func:`list_notes`' order
    (newest first), so a link can open the page it is on; None when the workspace has no such note."""
    note = session.get(FrontlineNote, note_id)
    if note is None or note.workspace_id != workspace.id:
        return None
    before = or_(
        FrontlineNote.created_at > note.created_at,
        and_(FrontlineNote.created_at == note.created_at, FrontlineNote.id > note.id),
    )
    return session.scalar(
        select(func.count()).select_from(FrontlineNote).where(FrontlineNote.workspace_id == workspace.id, before)
    ) or 0


def describe(
    *, session: Session, workspace: Workspace, notes: list[FrontlineNote], viewer_id: int | None
) -> list[dict[str, Any]]:
    """The notes as the API and the pages show them (NotePublic), in the order given.

    Four small queries for a whole page of notes, whatever its length; photo bytes are
    never loaded here."""
    if not notes:
        return []
    ids = [n.id for n in notes]
    stages = {s.id: s.key for s in journey_stages(session=session, workspace=workspace)}
    people = {n.author_id for n in notes} | {n.status_changed_by_id for n in notes}
    known = {p for p in people if p is not None}
    handles: dict[int, str] = {uid: handle for uid, handle in session.execute(
        select(User.id, User.handle).where(User.id.in_(known)))} if known else {}
    delivery_ids = {n.delivery_id for n in notes if n.delivery_id is not None}
    deliveries: dict[int, str] = {did: ref for did, ref in session.execute(
        select(Delivery.id, Delivery.external_id).where(Delivery.id.in_(delivery_ids)))} if delivery_ids else {}
    photos: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for photo in session.execute(
        select(NotePhoto.id, NotePhoto.note_id, NotePhoto.content_type, NotePhoto.size, NotePhoto.sha256,
               NotePhoto.created_at).where(NotePhoto.note_id.in_(ids)).order_by(NotePhoto.id)
    ):
        photos[photo.note_id].append({
            "id": photo.id, "content_type": photo.content_type, "size": photo.size, "sha256": photo.sha256,
            "created_at": photo.created_at, "url": f"/api/v1/notes/{photo.note_id}/photos/{photo.id}",
        })
    voted: set[int] = set()
    if viewer_id is not None:
        voted = set(session.scalars(
            select(NoteVote.note_id).where(NoteVote.user_id == viewer_id, NoteVote.note_id.in_(ids))
        ))
    return [
        {
            "id": n.id,
            "text": n.text,
            "language": n.language,
            "stage": stages.get(n.stage_id) if n.stage_id is not None else None,
            "delivery": deliveries.get(n.delivery_id) if n.delivery_id is not None else None,
            "author": handles.get(n.author_id) if n.author_id is not None else None,
            "mine": viewer_id is not None and n.author_id == viewer_id,
            "status": n.status,
            "reply": n.reply,
            "status_changed_at": n.status_changed_at,
            "status_changed_by": handles.get(n.status_changed_by_id) if n.status_changed_by_id else None,
            "votes": n.votes,
            "voted": n.id in voted,
            "themes": list(n.themes or []),
            "sentiment": None if n.sentiment is None else round(float(n.sentiment), 3),
            "created_at": n.created_at,
            "edited_at": n.edited_at,
            "photos": photos[n.id],
        }
        for n in notes
    ]


def note_public(*, session: Session, workspace: Workspace, note_id: int, viewer_id: int | None) -> dict[str, Any]:
    """One note as :func:`describe` shows it; NotFound outside the workspace."""
    note = get_note(session=session, workspace=workspace, note_id=note_id)
    return describe(session=session, workspace=workspace, notes=[note], viewer_id=viewer_id)[0]


# --- acting on notes ----------------------------------------------------------------


def _insert_ignore(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    return insert(table_of(NoteVote))


def vote(
    *, session: Session, workspace: Workspace, note_id: int, user_id: int | None, role: str,
    now: dt.datetime | None = None,
) -> FrontlineNote:
    """+1 a note for one person. Idempotent: a second vote of the same person changes nothing,
    even when both arrive at once (the unique (note, person) row decides). The author may vote
    too; it counts once like anyone's."""
    if role not in WRITERS:
        raise Forbidden(f"the role '{role}' may not vote on notes")
    if user_id is None:
        raise Forbidden("a vote is one person's: sign in to vote (an API key is not a person)")
    note = get_note(session=session, workspace=workspace, note_id=note_id, lock="share")
    if session.scalar(select(User.workspace_id).where(User.id == user_id)) != workspace.id:
        raise InvalidInput("the voter is not a person of this workspace", field="user")
    added = session.execute(
        _insert_ignore(session).values(note_id=note.id, user_id=user_id, created_at=now or utcnow())
        .on_conflict_do_nothing(index_elements=["note_id", "user_id"]).returning(table_of(NoteVote).c.id)
    ).scalar()
    if added is not None:
        # An increment under the row's lock, not a recount: two people voting at once on
        # PostgreSQL each add their one (a recount in either could miss the other's row).
        session.execute(update(FrontlineNote).where(FrontlineNote.id == note.id)
                        .values(votes=FrontlineNote.votes + 1).execution_options(synchronize_session=False))
        session.refresh(note, ["votes"])
    return note


def unvote(*, session: Session, workspace: Workspace, note_id: int, user_id: int | None, role: str) -> FrontlineNote:
    """Take one person's +1 back. Idempotent: without a vote of theirs nothing changes.

    The count goes down only when this call deleted the person's vote row (DELETE …
    RETURNING), in the same transaction: a double click, or a +1 and its take-back at once,
    never make it drift or go below zero. On PostgreSQL the second of two deletes of one row
    waits for the first and then deletes nothing, so only one decrement happens."""
    if role not in WRITERS:
        raise Forbidden(f"the role '{role}' may not vote on notes")
    if user_id is None:
        raise Forbidden("a vote is one person's: sign in to take it back (an API key is not a person)")
    note = get_note(session=session, workspace=workspace, note_id=note_id, lock="share")
    votes = table_of(NoteVote)
    removed = session.execute(
        delete(votes).where(votes.c.note_id == note.id, votes.c.user_id == user_id).returning(votes.c.id)
    ).scalars().all()
    if removed:
        session.execute(update(FrontlineNote).where(FrontlineNote.id == note.id)
                        .values(votes=FrontlineNote.votes - len(removed))
                        .execution_options(synchronize_session=False))
        session.refresh(note, ["votes"])
    return note


def change_status(
    *, session: Session, workspace: Workspace, note_id: int, status: str, reply: str | None, role: str,
    by_user_id: int | None, now: dt.datetime | None = None,
) -> FrontlineNote:
    """A CS person's or admin's answer to a note: heard, acting or done, with a reply the
    author sees (rules in the module's docstring), e-mailed to the author when it changed
    something (doorstep.frontline.replies)."""
    if role not in RESPONDERS:
        raise Forbidden(f"the role '{role}' may not change a note's status (CS and admins do)")
    if status not in ANSWERS:
        raise InvalidInput(f"status must be one of {', '.join(ANSWERS)}", field="status")
    # Locked: an answer and the author's edit take turns; a deleted note is then a 404.
    note = get_note(session=session, workspace=workspace, note_id=note_id, lock="update")
    before = (note.status, note.reply)
    set_status(session=session, note=note, status=status, reply=reply, by_user_id=by_user_id, now=now)
    if (note.status, note.reply) != before:
        # The author hears of it by e-mail, in this transaction: no answer, no e-mail.
        enqueue_answer_mail(session, note=note, by_user_id=by_user_id, now=now or utcnow())
    return note


def _photo_adder(
    *, session: Session, workspace: Workspace, note_id: int, role: str, user_id: int | None
) -> FrontlineNote:
    """The note, if this person may add photos to it: the note (404), who adds it (403)."""
    note = get_note(session=session, workspace=workspace, note_id=note_id)
    if role not in WRITERS or (role not in RESPONDERS and (user_id is None or note.author_id != user_id)):
        raise Forbidden("only the note's author, CS or an admin may add a photo to it")
    return note


def may_add_photo(
    *, session: Session, workspace: Workspace, note_id: int, role: str, user_id: int | None
) -> FrontlineNote:
    """The note, if this person may add a photo to it now: the note (404), who adds it (403),
    how many it holds (422). The API asks this before it reads the upload: an early answer;
    :func:`add_photo` counts again, under the note's lock, and that count decides."""
    note = _photo_adder(session=session, workspace=workspace, note_id=note_id, role=role, user_id=user_id)
    check_room(session=session, note=note)
    return note


def add_photo(
    *, session: Session, workspace: Workspace, note_id: int, stream: BinaryIO | PreparedPhoto, role: str,
    user_id: int | None, now: dt.datetime | None = None,
) -> NotePhoto:
    """A photo on a note: by its author, or by CS or an admin. Checked before a byte is read:
    the note (404), who adds it (403), how many it holds; then the photo itself (``stream``
    is the upload, or the photo doorstep.frontline.photos.prepare_photo made of it). Uploads
    to one note at once count and insert in turn (attach_photo locks the note): never more
    than MAX_PHOTOS, the rest refused (PhotoRefused, reason "count")."""
    note = _photo_adder(session=session, workspace=workspace, note_id=note_id, role=role, user_id=user_id)
    return attach_photo(session=session, note=note, stream=stream, now=now)
