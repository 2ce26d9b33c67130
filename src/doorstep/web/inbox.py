"""The case inbox for CS people: /inbox and /cases/{id}, with a form for every legal move.

As thin as api/: parse, one unit of work, one service call, render. Server-rendered,
no JavaScript, no inline script or style; every user text goes through Jinja's
autoescape (a note with HTML in it shows as text).

Only CS people and admins see the inbox; frontline people may open the cases of the
deliveries they own and add notes to them (doorstep.accounts.access). The workspace
is the signed-in person's; a case of another workspace answers 404. Every form
carries the session's CSRF token (doorstep.web.guards).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from doorstep.accounts.access import check_case
from doorstep.accounts.models import Workspace
from doorstep.api.deps import Caller, DbDep, NowDep, SettingsDep
from doorstep.cases.messages import render as render_note
from doorstep.cases.priority import PRIORITIES
from doorstep.cases.queries import UNASSIGNED, owners
from doorstep.cases.services import add_note, assign_case, case_detail, list_cases, transition_case
from doorstep.cases.workflow import STATES, TransitionRefused
from doorstep.config import Settings
from doorstep.errors import InvalidInput, NotFound
from doorstep.timeutil import zone
from doorstep.web.guards import require_form, require_page
from doorstep.web.i18n import t
from doorstep.web.language import page_language
from doorstep.web.pages import _render as render  # the one page renderer: language, switch link, version

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
CaseWorker = Annotated[Caller, Depends(require_page("cs"))]
CaseReader = Annotated[Caller, Depends(require_page("cs", "frontline"))]  # frontline: own deliveries' cases
CaseMover = Annotated[Caller, Depends(require_form("cs"))]
NoteWriter = Annotated[Caller, Depends(require_form("cs", "frontline"))]


def _lang(request: Request, lang: str | None, workspace: Workspace | None) -> str:
    return page_language(request, lang, workspace.locale if workspace else "en")


def _local(timezone: str) -> Any:
    tz = zone(timezone)

    def fmt(value: str | dt.datetime | None) -> str:
        if value is None:
            return "—"
        moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")

    return fmt


def _note_text(lang: str, local: Callable[[str], str]) -> Callable[[Mapping[str, Any]], str | None]:
    """A timeline entry's note for this page: a system note in the page's language, its
    times in the workspace's zone; a person's note (or one written before system notes
    had ids) as it was written."""
    say = partial(t, lang)

    def text(event: Mapping[str, Any]) -> str | None:
        stored: str | None = event["note"]
        if stored is None or not event["note_key"]:
            return stored
        try:
            return render_note(event["note_key"], event["note_params"] or {},
                               lambda key, **values: say(f"note.{key}", **values), local)
        except (KeyError, IndexError, TypeError, ValueError):
            return stored  # an id this version does not know (a newer one wrote it): the English

    return text


def _not_found(request: Request, lang: str | None) -> HTMLResponse:
    chosen = _lang(request, lang, None)
    return render(request, "case_error.html", chosen, status=404, kind="not_found", workspace=None)


@router.get("/inbox", response_class=HTMLResponse)
def inbox(
    request: Request,
    db: DbDep,
    now: NowDep,
    caller: CaseWorker,
    status: str | None = None,
    owner: str | None = None,
    priority: str | None = None,
    breached: str | None = None,
    page: int = 1,
    lang: str | None = None,
) -> HTMLResponse:
    """The cases of the signed-in person's workspace, filtered."""
    status = status if status in STATES else None
    priority = priority if priority in PRIORITIES else None
    only_breached = breached in ("1", "on", "true")
    page = max(1, page)
    # One read unit of work, rendered inside it: the workspaces are live objects.
    with db.read() as session:
        current = session.get_one(Workspace, caller.workspace.id)
        spaces = [current]
        chosen = _lang(request, lang, current)
        result = list_cases(session=session, workspace=current, status=status, owner=owner or None,
                            priority=priority, breached=True if only_breached else None, now=now,
                            limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        filters = {"workspace": current.slug, "status": status or "", "owner": owner or "",
                   "priority": priority or "", "breached": "1" if only_breached else ""}

        def query(**changes: object) -> str:
            params = {k: str(v) for k, v in (filters | {"lang": lang or ""} | changes).items() if v not in ("", None)}
            return "?" + urlencode(params)

        return render(
            request, "inbox.html", chosen, switch_params={k: v for k, v in filters.items() if v},
            workspace=current, workspaces=spaces, cases=result.cases, total=result.total, filters=filters,
            owners=owners(session=session, workspace=current), unassigned=UNASSIGNED, page=page,
            pages=max(1, math.ceil(result.total / PAGE_SIZE)), query=query, local=_local(current.timezone),
            statuses=STATES, priorities=PRIORITIES,
        )


def _case_page(request: Request, db: Any, now: dt.datetime, settings: Settings, caller: Caller, case_id: int,
               lang: str | None, *, error: str | None = None, message: str | None = None,
               status: int = 200) -> HTMLResponse:
    with db.read() as session:
        workspace = session.get_one(Workspace, caller.workspace.id)
        check_case(session, workspace=workspace, role=caller.role, user_id=caller.user_id, case_id=case_id)
        detail = case_detail(session=session, workspace=workspace, case_id=case_id, now=now,
                             base_url=settings.base_url)
        chosen = _lang(request, lang, workspace)
        local = _local(workspace.timezone)
        return render(request, "case.html", chosen, status=status, workspace=workspace, case=detail, error=error,
                      message=message, local=local, note_text=_note_text(chosen, local))


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: int, db: DbDep, now: NowDep, settings: SettingsDep, caller: CaseReader,
              lang: str | None = None) -> HTMLResponse:
    """One case: the answer, the delivery's stages, the timeline, and the next steps."""
    try:
        return _case_page(request, db, now, settings, caller, case_id, lang)
    except NotFound:
        return _not_found(request, lang)


def _after_post(request: Request, case_id: int, lang: str | None) -> Response:
    # Post/Redirect/Get: a reload of the page never repeats the move.
    suffix = f"?{urlencode({'lang': lang})}" if lang else ""
    return RedirectResponse(f"/cases/{case_id}{suffix}", status_code=303)


def _on_error(request: Request, db: Any, now: dt.datetime, settings: Settings, caller: Caller, case_id: int,
              lang: str | None, exc: Exception) -> HTMLResponse:
    if isinstance(exc, TransitionRefused):
        kind = "stale" if exc.stale else "illegal"
        return _case_page(request, db, now, settings, caller, case_id, lang, error=kind, status=409)
    assert isinstance(exc, InvalidInput)
    return _case_page(request, db, now, settings, caller, case_id, lang, error="input", message=str(exc),
                      status=422)


@router.post("/cases/{case_id}/transitions", response_class=HTMLResponse)
def post_transition(
    request: Request, case_id: int, db: DbDep, now: NowDep, settings: SettingsDep, caller: CaseMover,
    to: Annotated[str, Form()],
    expected_version: Annotated[int | None, Form()] = None,
    note: Annotated[str | None, Form()] = None,
    resolution: Annotated[str | None, Form()] = None,
    root_cause_stage: Annotated[str | None, Form()] = None,
    root_cause_theme: Annotated[str | None, Form()] = None,
    lang: Annotated[str | None, Form()] = None,
) -> Response:
    """One button per legal move; the page's version makes a stale click a clear 409."""
    try:
        with db.write() as session:
            workspace = session.get_one(Workspace, caller.workspace.id)
            transition_case(session=session, workspace=workspace, case_id=case_id, to=to, actor=caller.actor, now=now,
                            note=note or None, expected_version=expected_version, resolution=resolution or None,
                            root_cause_stage=root_cause_stage or None, root_cause_theme=root_cause_theme or None)
    except NotFound:
        return _not_found(request, lang)
    except (TransitionRefused, InvalidInput) as exc:
        return _on_error(request, db, now, settings, caller, case_id, lang, exc)
    return _after_post(request, case_id, lang)


@router.post("/cases/{case_id}/notes", response_class=HTMLResponse)
def post_note(
    request: Request, case_id: int, db: DbDep, now: NowDep, settings: SettingsDep, caller: NoteWriter,
    note: Annotated[str, Form()] = "",
    lang: Annotated[str | None, Form()] = None,
) -> Response:
    try:
        with db.write() as session:
            workspace = session.get_one(Workspace, caller.workspace.id)
            check_case(session, workspace=workspace, role=caller.role, user_id=caller.user_id, case_id=case_id)
            add_note(session=session, workspace=workspace, case_id=case_id, actor=caller.actor, note=note, now=now)
    except NotFound:
        return _not_found(request, lang)
    except InvalidInput as exc:
        return _on_error(request, db, now, settings, caller, case_id, lang, exc)
    return _after_post(request, case_id, lang)


@router.post("/cases/{case_id}/assign", response_class=HTMLResponse)
def post_assign(
    request: Request, case_id: int, db: DbDep, now: NowDep, settings: SettingsDep, caller: CaseMover,
    owner: Annotated[str, Form()] = "",
    expected_version: Annotated[int | None, Form()] = None,
    lang: Annotated[str | None, Form()] = None,
) -> Response:
    try:
        with db.write() as session:
            workspace = session.get_one(Workspace, caller.workspace.id)
            assign_case(session=session, workspace=workspace, case_id=case_id, actor=caller.actor, now=now,
                        owner=owner.strip() or None, expected_version=expected_version)
    except NotFound:
        return _not_found(request, lang)
    except (TransitionRefused, InvalidInput) as exc:
        return _on_error(request, db, now, settings, caller, case_id, lang, exc)
    return _after_post(request, case_id, lang)
