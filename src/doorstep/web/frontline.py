"""/notes: the frontline's notes on a phone — a form on top that takes seconds, the notes below.

Frontline people, CS and admins write notes (text, stage, delivery reference, a photo
from the camera) and +1 them (the same button takes the +1 back); CS and admins answer
them (heard, acting, done, with a reply the author sees); execs read. The author corrects
a new note in place and deletes it; an admin deletes any note. Deleting goes through a
confirmation page (GET shows what will go, its form POSTs), so one stray tap never deletes.
Plain HTML forms with the session's CSRF token and Post/Redirect/Get; no JavaScript.
"Your note is in" is said once: the POST leaves the filed note's id in a short-lived
cookie, the list it redirects to shows the notice and clears the cookie, so a reload (or
the bookmarked address) shows the list without it; "the note was deleted" likewise.
Every user text reaches the page through Jinja's autoescape; photos are shown from the
API route, which serves them as images only.

A refused note comes back with what was typed (not the photo: a browser cannot be handed
a file back) and the reason in the reader's language; nothing of it was stored.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from doorstep.accounts.models import Workspace
from doorstep.api.deps import Caller, DbDep, NowDep, SettingsDep, client_address
from doorstep.api.params import RowId
from doorstep.config import Settings
from doorstep.errors import Conflict, DoorstepError, Forbidden, InvalidInput, NotFound
from doorstep.frontline import corrections
from doorstep.frontline import services as notes
from doorstep.frontline.models import NOTE_STATUSES, FrontlineNote
from doorstep.frontline.photos import LIMIT_TEXT, MAX_PHOTOS, MAX_PIXELS, PhotoRefused, PreparedPhoto, prepare_photo
from doorstep.insight.services import workspace_taxonomy
from doorstep.web.guards import require_form, require_page, safe_next
from doorstep.web.i18n import t, url_code
from doorstep.web.inbox import _local as local_time
from doorstep.web.language import page_language
from doorstep.web.pages import _render as render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 30
FILED_COOKIE = "doorstep_note_filed"  # the id of the note just filed, until the list has said so once
FILED_SECONDS = 120  # the redirect follows at once; a cookie left by a lost redirect must not linger
DELETED_COOKIE = "doorstep_note_deleted"  # "a note was deleted": said once by the list the delete redirects to
NoteReader = Annotated[Caller, Depends(require_page("cs", "frontline", "exec"))]
NoteWriter = Annotated[Caller, Depends(require_form("cs", "frontline"))]
NoteResponder = Annotated[Caller, Depends(require_form("cs"))]
NoteWriterPage = Annotated[Caller, Depends(require_page("cs", "frontline"))]  # who may ask to delete; the note decides


def _lang(request: Request, lang: str | None, workspace: Workspace) -> str:
    return page_language(request, lang, workspace.locale)


def _problem(lang: str, exc: DoorstepError, *, typed: str = "") -> str:
    """What went wrong, for the person holding the phone, in their language."""
    if isinstance(exc, PhotoRefused):
        if exc.reason == "size":
            return t(lang, "notes.error_photo_size", limit=LIMIT_TEXT)
        if exc.reason == "count":
            return t(lang, "notes.error_photo_count", count=MAX_PHOTOS)
        if exc.reason == "empty":
            return t(lang, "notes.error_photo_empty")
        if exc.reason == "pixels":
            return t(lang, "notes.error_photo_pixels", megapixels=f"{MAX_PIXELS / 1_000_000:g}")
        if exc.reason == "broken":
            return t(lang, "notes.error_photo_broken")
        if exc.looks_like:
            return t(lang, "notes.error_photo_seen", kind=exc.looks_like)
        return t(lang, "notes.error_photo_type")
    if isinstance(exc, NotFound):
        return t(lang, "notes.error_not_found")
    if isinstance(exc, Forbidden):
        return t(lang, "notes.error_not_yours")
    if isinstance(exc, Conflict):
        return t(lang, "notes.error_answered")
    field = exc.problem.field if isinstance(exc, InvalidInput) else None
    if field == "text" and len(typed.strip()) > notes.MAX_TEXT:
        return t(lang, "notes.error_text_long", limit=notes.MAX_TEXT)
    if field == "text":
        return t(lang, "notes.error_text")
    if field == "stage":
        return t(lang, "notes.error_stage")
    if field == "delivery":
        return t(lang, "notes.error_delivery")
    if field == "reply":
        return t(lang, "notes.error_reply_long", limit=notes.MAX_TEXT)
    return t(lang, "notes.error_other")


def _filters(status: str | None, mine: str | None, stage: str | None) -> dict[str, str]:
    return {"status": status if status in NOTE_STATUSES else "", "mine": "1" if mine in ("1", "on", "true") else "",
            "stage": stage or ""}


def _page(
    request: Request, db: Any, caller: Caller, *, lang: str | None, filters: dict[str, str], page: int = 1,
    form: dict[str, str] | None = None, error: str | None = None, notice: str | None = None, code: int = 200,
    editing: dict[str, Any] | None = None,
) -> HTMLResponse:
    with db.read() as session:
        workspace = session.get_one(Workspace, caller.workspace.id)
        chosen = _lang(request, lang, workspace)
        stages = notes.journey_stages(session=session, workspace=workspace)
        stage_names = {s.key: (s.name_zh if chosen == "zh-CN" and s.name_zh else s.name) for s in stages}
        stage = filters["stage"] if filters["stage"] in stage_names else None
        found = notes.list_notes(
            session=session, workspace=workspace, viewer_id=caller.user_id, status=filters["status"] or None,
            stage=stage, author_id=(caller.user_id or -1) if filters["mine"] else None,
            limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        themes = {th.key: (th.name_zh if chosen == "zh-CN" and th.name_zh else th.name_en)
                  for th in workspace_taxonomy(workspace).themes}
        for n in found.notes:  # which buttons each note gets: the rules of doorstep.frontline.corrections
            n["may_edit"] = corrections.may_edit(role=caller.role, mine=n["mine"], status=n["status"])
            n["may_delete"] = corrections.may_delete(role=caller.role, mine=n["mine"], status=n["status"])
        shown = {k: v for k, v in filters.items() if v}

        def query(**changes: object) -> str:
            params = {k: str(v) for k, v in (shown | {"lang": url_code(chosen)} | changes).items() if v}
            return "/notes?" + urlencode(params)

        here = query(page=page if page > 1 else "")
        return render(
            request, "notes.html", chosen, status=code, private=True, active="notes", switch_params=shown,
            workspace=workspace, notes=found.notes, total=found.total, page=page,
            pages=max(1, -(-found.total // PAGE_SIZE)), filters=filters, query=query, here=here,
            stages=stages, stage_names=stage_names, themes=themes, statuses=NOTE_STATUSES,
            answers=notes.ANSWERS, form=form or {"text": "", "stage": "", "delivery": ""},
            error=error, notice=notice, can_write=caller.role in notes.WRITERS,
            can_answer=caller.role in notes.RESPONDERS, local=local_time(workspace.timezone),
            photo_limit=LIMIT_TEXT, max_text=notes.MAX_TEXT, editing=editing or {},
        )


@router.get("/notes", response_class=HTMLResponse)
def notes_page(
    request: Request, db: DbDep, caller: NoteReader, settings: SettingsDep, status: str | None = None,
    mine: str | None = None, stage: str | None = None, page: int = 1, lang: str | None = None,
) -> HTMLResponse:
    """The form (for those who write notes) and the workspace's notes, newest first."""
    filed = request.cookies.get(FILED_COOKIE)
    deleted = request.cookies.get(DELETED_COOKIE)
    notice = "filed" if filed is not None and _filed_by(db, caller, filed) else "deleted" if deleted else None
    response = _page(request, db, caller, lang=lang, filters=_filters(status, mine, stage[:64] if stage else None),
                     page=max(1, min(page, 100_000)), notice=notice)
    for cookie in (FILED_COOKIE, DELETED_COOKIE):
        if request.cookies.get(cookie) is not None:  # said once (or not at all, when it was not theirs): gone
            response.delete_cookie(cookie, path="/notes", httponly=True, samesite="lax",
                                   secure=_secure(request, settings))
    return response


def _filed_by(db: Any, caller: Caller, filed: str) -> bool:
    # The cookie is only a hint: the notice is shown when it names a note this person filed
    # in this workspace (not someone else's left on a shared phone, not a made-up id).
    if not filed.isdigit() or len(filed) > 18 or caller.user_id is None:
        return False
    with db.read() as session:
        note = session.get(FrontlineNote, int(filed))
        return note is not None and note.workspace_id == caller.workspace.id and note.author_id == caller.user_id


def _secure(request: Request, settings: Settings) -> bool:
    return request.url.scheme == "https" or settings.base_url.startswith("https://")


def _back(back: str | None, lang: str | None, anchor: str = "") -> Response:
    # Post/Redirect/Get to the list the button was pressed on (never another site).
    target = safe_next(back) if back and back.startswith("/notes") else "/notes" + (
        f"?{urlencode({'lang': lang})}" if lang else "")
    return RedirectResponse(target + anchor, status_code=303)


@router.post("/notes", response_class=HTMLResponse)
def file_note(
    request: Request, db: DbDep, now: NowDep, caller: NoteWriter, settings: SettingsDep,
    text: Annotated[str, Form(max_length=notes.MAX_TEXT * 4)] = "",
    stage: Annotated[str, Form(max_length=200)] = "",
    delivery: Annotated[str, Form(max_length=200)] = "",
    photo: Annotated[UploadFile | None, File()] = None,
    lang: Annotated[str | None, Form(max_length=8)] = None,
) -> Response:
    """One note and its photo in one unit of work: a refused photo leaves no note behind."""
    picked = photo if photo is not None and (photo.filename or photo.size) else None
    try:
        # Decoded and cleaned before the write transaction (it takes a moment); a refused
        # photo still leaves no note behind, since the note is not written yet.
        prepared: PreparedPhoto | None = None if picked is None else prepare_photo(picked.file)
        with db.write() as session:
            workspace = session.get_one(Workspace, caller.workspace.id)
            note = notes.create_note(session=session, workspace=workspace, text=text, stage_key=stage or None,
                                     delivery_external_id=delivery.strip() or None, author_id=caller.user_id,
                                     now=now)
            if prepared is not None:
                notes.add_photo(session=session, workspace=workspace, note_id=note.id, stream=prepared,
                                role=caller.role, user_id=caller.user_id, now=now)
            note_id = note.id
    except (InvalidInput, NotFound) as exc:
        chosen = _lang(request, lang, caller.workspace)
        return _page(request, db, caller, lang=lang, filters=_filters(None, None, None),
                     form={"text": text, "stage": stage, "delivery": delivery},
                     error=_problem(chosen, exc, typed=text),
                     code=exc.http_status)
    # Post/Redirect/Get: the list, at the new note; the notice rides in a cookie the list
    # clears, so reloading the list neither posts again nor says "thank you" again.
    target = "/notes" + (f"?{urlencode({'lang': lang})}" if lang else "")
    response = RedirectResponse(f"{target}#note-{note_id}", status_code=303)
    response.set_cookie(FILED_COOKIE, str(note_id), max_age=FILED_SECONDS, path="/notes", httponly=True,
                        samesite="lax", secure=_secure(request, settings))
    return response


def _refused(request: Request, db: Any, caller: Caller, lang: str | None, exc: DoorstepError) -> Response:
    """The notes page again, with why an action on a note was refused, under the error's status."""
    chosen = _lang(request, lang, caller.workspace)
    return _page(request, db, caller, lang=lang, filters=_filters(None, None, None),
                 error=_problem(chosen, exc), code=exc.http_status)


@router.post("/notes/{note_id}/votes", response_class=HTMLResponse)
def vote_note(
    request: Request, note_id: int, db: DbDep, now: NowDep, caller: NoteWriter,
    back: Annotated[str | None, Form(max_length=2000)] = None,
    lang: Annotated[str | None, Form(max_length=8)] = None,
) -> Response:
    try:
        with db.write() as session:
            notes.vote(session=session, workspace=caller.workspace, note_id=note_id, user_id=caller.user_id,
                       role=caller.role, now=now)
    except NotFound as exc:
        return _refused(request, db, caller, lang, exc)
    return _back(back, lang, f"#note-{note_id}")


@router.post("/notes/{note_id}/status", response_class=HTMLResponse)
def answer_note(
    request: Request, note_id: int, db: DbDep, now: NowDep, caller: NoteResponder,
    status: Annotated[str, Form(max_length=16)] = "",
    reply: Annotated[str | None, Form(max_length=notes.MAX_TEXT * 4)] = None,
    back: Annotated[str | None, Form(max_length=2000)] = None,
    lang: Annotated[str | None, Form(max_length=8)] = None,
) -> Response:
    """heard / acting / done (one button each), with the reply field's text."""
    try:
        with db.write() as session:
            notes.change_status(session=session, workspace=caller.workspace, note_id=note_id, status=status,
                                reply=reply, role=caller.role, by_user_id=caller.user_id, now=now)
    except (InvalidInput, NotFound, Conflict) as exc:
        return _refused(request, db, caller, lang, exc)
    return _back(back, lang, f"#note-{note_id}")


@router.post("/notes/{note_id}/unvote", response_class=HTMLResponse)
def unvote_note(
    request: Request, note_id: RowId, db: DbDep, caller: NoteWriter,
    back: Annotated[str | None, Form(max_length=2000)] = None,
    lang: Annotated[str | None, Form(max_length=8)] = None,
) -> Response:
    """The pressed +1 button: takes the vote back (again, or without one: nothing changes)."""
    try:
        with db.write() as session:
            notes.unvote(session=session, workspace=caller.workspace, note_id=note_id, user_id=caller.user_id,
                         role=caller.role)
    except NotFound as exc:
        return _refused(request, db, caller, lang, exc)
    return _back(back, lang, f"#note-{note_id}")


@router.post("/notes/{note_id}/edit", response_class=HTMLResponse)
def edit_note(
    request: Request, note_id: RowId, db: DbDep, now: NowDep, caller: NoteWriter,
    text: Annotated[str, Form(max_length=notes.MAX_TEXT * 4)] = "",
    stage: Annotated[str, Form(max_length=200)] = "",
    back: Annotated[str | None, Form(max_length=2000)] = None,
    lang: Annotated[str | None, Form(max_length=8)] = None,
) -> Response:
    """The author's correction (text and stage; "not sure" lets the words choose, as when filed).
    Refused: the list again, this note's form open with what was typed and the reason."""
    try:
        with db.write() as session:
            corrections.edit_note(session=session, workspace=caller.workspace, note_id=note_id,
                                  user_id=caller.user_id, role=caller.role, text=text, stage_key=stage or None,
                                  now=now)
    except (InvalidInput, NotFound, Forbidden, Conflict) as exc:
        chosen = _lang(request, lang, caller.workspace)
        return _page(request, db, caller, lang=lang, filters=_filters(None, None, None),
                     error=_problem(chosen, exc, typed=text), code=exc.http_status,
                     editing={"id": note_id, "text": text, "stage": stage})
    return _back(back, lang, f"#note-{note_id}")


@router.get("/notes/{note_id}", response_class=HTMLResponse)
def note_link(
    request: Request, note_id: RowId, db: DbDep, caller: NoteReader, lang: str | None = None,
) -> Response:
    """A lasting link to one note (the answer e-mail carries it): the list page it is on, at its anchor."""
    with db.read() as session:
        workspace = session.get_one(Workspace, caller.workspace.id)
        before = notes.newer_than(session=session, workspace=workspace, note_id=note_id)
        if before is None:
            chosen = _lang(request, lang, workspace)
            exc = NotFound(f"no note {note_id} in this workspace")
            return _page(request, db, caller, lang=lang, filters=_filters(None, None, None),
                         error=_problem(chosen, exc), code=404)
    params = {"lang": lang} if lang else {}
    if (page := before // PAGE_SIZE + 1) > 1:
        params["page"] = str(page)
    return RedirectResponse(f"/notes?{urlencode(params)}#note-{note_id}" if params else f"/notes#note-{note_id}",
                            status_code=303)


@router.get("/notes/{note_id}/delete", response_class=HTMLResponse)
def confirm_delete(
    request: Request, note_id: RowId, db: DbDep, caller: NoteWriterPage, back: str | None = None,
    lang: str | None = None,
) -> Response:
    """Are you sure? The note as it stands, what goes with it, and the form that deletes it."""
    with db.read() as session:
        workspace = session.get_one(Workspace, caller.workspace.id)
        chosen = _lang(request, lang, workspace)
        try:
            note = notes.note_public(session=session, workspace=workspace, note_id=note_id,
                                     viewer_id=caller.user_id)
        except NotFound as exc:
            return _page(request, db, caller, lang=lang, filters=_filters(None, None, None),
                         error=_problem(chosen, exc), code=404)
        allowed = corrections.may_delete(role=caller.role, mine=note["mine"], status=note["status"])
        back_to = safe_next(back) if back and back.startswith("/notes") else f"/notes?lang={url_code(chosen)}"
        return render(
            request, "notes_delete.html", chosen, status=200 if allowed else 403, private=True, active="notes",
            switch_params={"back": back_to}, workspace=workspace, note=note, allowed=allowed,
            moderating=allowed and not note["mine"], back=back_to, local=local_time(workspace.timezone),
        )


@router.post("/notes/{note_id}/delete", response_class=HTMLResponse)
def delete_note(
    request: Request, note_id: RowId, db: DbDep, now: NowDep, caller: NoteWriter, settings: SettingsDep,
    back: Annotated[str | None, Form(max_length=2000)] = None,
    lang: Annotated[str | None, Form(max_length=8)] = None,
) -> Response:
    """The confirmation page's form: the note, its photos and votes go; the audit log says so."""
    try:
        with db.write() as session:
            corrections.delete_note(session=session, workspace=caller.workspace, note_id=note_id,
                                    user_id=caller.user_id, role=caller.role, actor_kind=caller.actor_kind,
                                    actor=caller.actor, client=client_address(request), now=now)
    except (NotFound, Forbidden, Conflict) as exc:
        return _refused(request, db, caller, lang, exc)
    response = _back(back, lang)
    response.set_cookie(DELETED_COOKIE, "1", max_age=FILED_SECONDS, path="/notes", httponly=True,
                        samesite="lax", secure=_secure(request, settings))
    return response
