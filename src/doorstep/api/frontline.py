"""Frontline notes over HTTP: write, list, read, +1 (and take it back), answer, correct,
delete, and their photos.

Roles: everyone of the workspace reads notes (exec included); frontline people, CS and
admins write and +1 them; CS and admins answer them (heard, acting, done, with a reply).
A photo is added by the note's author, CS or an admin. The author corrects or deletes
their note while it is new; an admin deletes any note. Another workspace's note or photo
id answers 404, like one that does not exist. The rules themselves live in
doorstep.frontline.services and doorstep.frontline.corrections; this layer parses and shapes.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import Response

from doorstep.api.deps import Caller, DbDep, NowDep, client_address, require
from doorstep.api.params import MAX_OFFSET, RowId
from doorstep.api.responses import error
from doorstep.errors import NotFound
from doorstep.frontline import corrections
from doorstep.frontline import services as notes
from doorstep.frontline.photos import ACCEPTED, LIMIT_TEXT, MAX_PHOTOS, photo_bytes, prepare_photo
from doorstep.frontline.schemas import (
    NoteCreate,
    NoteList,
    NotePublic,
    NoteStatus,
    NoteStatusUpdate,
    NoteUpdate,
    PhotoPublic,
)

router = APIRouter(prefix="/api/v1", tags=["notes"])

NoteReaderDep = Annotated[Caller, Depends(require("cs", "frontline", "exec"))]  # everyone of the workspace
NoteWriterDep = Annotated[Caller, Depends(require("cs", "frontline"))]
NoteResponderDep = Annotated[Caller, Depends(require("cs"))]

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: error("No such note (or photo) in this workspace.")}
# No schema for 422: it is either our {"error": …} (a rule refused, naming the field) or FastAPI's
# {"detail": […]} (a shape refused), as on every route.
INVALID: dict[int | str, dict[str, Any]] = {422: {"description": "Bad input; the message names the field."}}
PHOTO_ERRORS: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    411: error("A chunked upload without Content-Length: send the photo's length."),
    413: error(f"The photo (or the whole upload) is {LIMIT_TEXT} or more."),
    422: {"description": f"Not a JPEG, PNG or WebP image (by its bytes), empty, does not decode, too large in "
                          f"pixels, or the note already holds {MAX_PHOTOS}; or no photo part at all."},
}
PHOTO_CONTENT: dict[str, Any] = {kind: {"schema": {"type": "string", "format": "binary"}} for kind in ACCEPTED}
PHOTO_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Never a document: no script, no style, no plugin, sandboxed even if opened on its own.
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "private, max-age=3600",
}


def _public(caller: Caller, session: Any, note_id: int) -> NotePublic:
    return NotePublic(**notes.note_public(session=session, workspace=caller.workspace, note_id=note_id,
                                          viewer_id=caller.user_id))


@router.post("/notes", response_model=NotePublic, status_code=201, responses=INVALID,
             summary="File a frontline note (analysed like a customer's comment)")
def post_note(body: NoteCreate, caller: NoteWriterDep, db: DbDep, now: NowDep) -> NotePublic:
    """The note's author is the signed-in person (none for an API key). Add photos with
    `POST /api/v1/notes/{note_id}/photos`."""
    with db.write() as session:
        note = notes.create_note(session=session, workspace=caller.workspace, text=body.text, stage_key=body.stage,
                                 delivery_external_id=body.delivery, author_id=caller.user_id, now=now)
        return _public(caller, session, note.id)


@router.get("/notes", response_model=NoteList, responses=INVALID, summary="The workspace's notes, newest first")
def get_notes(
    caller: NoteReaderDep,
    db: DbDep,
    status: NoteStatus | None = None,
    stage: str | None = Query(None, max_length=64, description="A stage key of the journey."),
    theme: str | None = Query(None, max_length=64, pattern=r"^[a-z0-9_]+$", description="A taxonomy theme key."),
    mine: bool = Query(False, description="Only the signed-in person's own notes."),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> NoteList:
    with db.read() as session:
        page = notes.list_notes(session=session, workspace=caller.workspace, viewer_id=caller.user_id,
                                status=status, stage=stage, theme=theme,
                                author_id=(caller.user_id or -1) if mine else None, limit=limit, offset=offset)
    return NoteList(notes=[NotePublic(**n) for n in page.notes], total=page.total, limit=limit, offset=offset)


@router.get("/notes/{note_id}", response_model=NotePublic, responses=NOT_FOUND, summary="One note")
def get_note(note_id: RowId, caller: NoteReaderDep, db: DbDep) -> NotePublic:
    with db.read() as session:
        return _public(caller, session, note_id)


@router.post("/notes/{note_id}/votes", response_model=NotePublic, responses=NOT_FOUND,
             summary="+1 a note (once per person; again changes nothing)")
def post_vote(note_id: RowId, caller: NoteWriterDep, db: DbDep, now: NowDep) -> NotePublic:
    """A vote is a person's: with an API key it is refused (403)."""
    with db.write() as session:
        notes.vote(session=session, workspace=caller.workspace, note_id=note_id, user_id=caller.user_id,
                   role=caller.role, now=now)
        return _public(caller, session, note_id)


@router.delete("/notes/{note_id}/votes", response_model=NotePublic, responses=NOT_FOUND,
               summary="Take back one's +1 (without one, changes nothing)")
def delete_vote(note_id: RowId, caller: NoteWriterDep, db: DbDep) -> NotePublic:
    """The count goes down by one only when the caller's vote was there to remove, so
    repeating the call (or a double click) changes nothing. An API key has no vote (403)."""
    with db.write() as session:
        notes.unvote(session=session, workspace=caller.workspace, note_id=note_id, user_id=caller.user_id,
                     role=caller.role)
        return _public(caller, session, note_id)


@router.patch("/notes/{note_id}", response_model=NotePublic,
              responses={**NOT_FOUND, **INVALID,
                         403: error("Not the note's author (an API key is no one's), or a role that may not write."),
                         409: error("CS has answered the note already: it can no longer be edited.")},
              summary="Correct one's own note (text, stage) while it is still new")
def patch_note(note_id: RowId, body: NoteUpdate, caller: NoteWriterDep, db: DbDep, now: NowDep) -> NotePublic:
    """Only the author, and only until CS answers it (status `new`). The text is checked as
    when it was filed and analysed again; `edited_at` says when. Omitted fields stay; a
    `stage` of null or "" means not sure (the stage the words point to, if any)."""
    stage = body.stage if "stage" in body.model_fields_set else corrections.KEEP
    with db.write() as session:
        corrections.edit_note(session=session, workspace=caller.workspace, note_id=note_id,
                              user_id=caller.user_id, role=caller.role, text=body.text, stage_key=stage, now=now)
        return _public(caller, session, note_id)


@router.delete("/notes/{note_id}", status_code=204, response_class=Response,
               responses={**NOT_FOUND,
                          403: error("Neither the note's author nor an admin, or a role that may not write."),
                          409: error("The author's note has been answered: only an admin can delete it now.")},
               summary="Delete a note with its photos and votes (its author while new; an admin always)")
def delete_note(note_id: RowId, request: Request, caller: NoteWriterDep, db: DbDep, now: NowDep) -> Response:
    """The author may delete their own note until CS answers it; an admin may delete any
    note (personal data or abuse posted by mistake). Its photos and votes go with it, its
    quotes in published briefs are replaced by "[erased]", and the audit log records who
    deleted which note and when (never its text)."""
    with db.write() as session:
        corrections.delete_note(session=session, workspace=caller.workspace, note_id=note_id,
                                user_id=caller.user_id, role=caller.role, actor_kind=caller.actor_kind,
                                actor=caller.actor, client=client_address(request), now=now)
    return Response(status_code=204)


@router.post("/notes/{note_id}/status", response_model=NotePublic,
             responses={**NOT_FOUND, **INVALID, 409: error("The note was heard already: never back to new.")},
             summary="Answer a note: heard, acting or done, with a reply the author sees")
def post_status(note_id: RowId, body: NoteStatusUpdate, caller: NoteResponderDep, db: DbDep,
                now: NowDep) -> NotePublic:
    """Any of heard, acting, done may follow any other (done → acting when the fix did not
    hold); a note never goes back to new. The same status and reply again changes nothing."""
    with db.write() as session:
        notes.change_status(session=session, workspace=caller.workspace, note_id=note_id, status=body.status,
                            reply=body.reply, role=caller.role, by_user_id=caller.user_id, now=now)
        return _public(caller, session, note_id)


@router.post("/notes/{note_id}/photos", response_model=PhotoPublic, status_code=201, responses=PHOTO_ERRORS,
             summary=f"Add a photo to a note (JPEG, PNG or WebP, under {LIMIT_TEXT})")
def post_photo(
    note_id: RowId,
    caller: NoteWriterDep,
    db: DbDep,
    now: NowDep,
    photo: Annotated[UploadFile, File(description=f"The image: its type is read from its bytes (JPEG, PNG, "
                                                  f"WebP), never from its name. Under {LIMIT_TEXT}.")],
) -> PhotoPublic:
    """By the note's author, CS or an admin; at most 5 per note. The upload is read in
    chunks and refused as soon as it passes the limit; it is then decoded and re-encoded
    without its metadata (EXIF, GPS …), upright. `size` and `sha256` are those of the
    stored image. Nothing is stored unless all of it is accepted."""
    with db.read() as session:  # 404, 403, full: before a byte of the upload is read
        notes.may_add_photo(session=session, workspace=caller.workspace, note_id=note_id, role=caller.role,
                            user_id=caller.user_id)
    prepared = prepare_photo(photo.file)  # decoding takes a moment: outside the write transaction
    with db.write() as session:
        stored = notes.add_photo(session=session, workspace=caller.workspace, note_id=note_id, stream=prepared,
                                 role=caller.role, user_id=caller.user_id, now=now)
        return PhotoPublic(id=stored.id, content_type=stored.content_type,
                           size=stored.size, sha256=stored.sha256, created_at=stored.created_at,
                           url=f"/api/v1/notes/{note_id}/photos/{stored.id}")


@router.get("/notes/{note_id}/photos/{photo_id}", response_class=Response,
            responses={200: {"content": PHOTO_CONTENT,
                             "description": "The image as stored: re-encoded, without its metadata."},
                       **NOT_FOUND},
            summary="A note's photo, with its sniffed type; never run as a page")
def get_photo(note_id: RowId, photo_id: RowId, caller: NoteReaderDep, db: DbDep) -> Response:
    with db.read() as session:
        notes.get_note(session=session, workspace=caller.workspace, note_id=note_id)
        found = photo_bytes(session=session, note_id=note_id, photo_id=photo_id)
    if found is None:
        raise NotFound(f"no photo {photo_id} on note {note_id}")
    content_type, data, sha256 = found
    extension = content_type.split("/", 1)[1].replace("jpeg", "jpg")
    return Response(data, media_type=content_type, headers={
        **PHOTO_HEADERS,
        "Content-Disposition": f'inline; filename="note-{note_id}-photo-{photo_id}.{extension}"',
        "ETag": f'"{sha256}"',
    })
