"""The executive briefs as pages: ``/brief/{period}``, ``/briefs`` and ``/briefs/{id}``.

A stored brief is served as it was made and sent (its self-contained page, kept with it):
later data and later templates never change what a published brief said. ``/brief/week``
shows the latest stored weekly brief, or, before any was published, the last complete
week made now as a preview (not stored). Exec, CS and admin may read them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from doorstep.accounts.models import Workspace
from doorstep.api.deps import Caller, DbDep, NowDep, SettingsDep
from doorstep.briefs.periods import PERIODS
from doorstep.briefs.services import choose_period, get_brief, latest_brief, list_briefs, preview
from doorstep.errors import NotFound
from doorstep.web.guards import require_page
from doorstep.web.inbox import _local as local_time
from doorstep.web.language import page_language
from doorstep.web.pages import PRIVATE_HEADERS
from doorstep.web.pages import _render as render  # the one page renderer: language, switch link, version

router = APIRouter(include_in_schema=False)

BriefReader = Annotated[Caller, Depends(require_page("cs", "exec"))]
PAGE_SIZE = 50


def _stored(html: str) -> HTMLResponse:
    # Private: a brief is the business's figures and its customers' words.
    return HTMLResponse(html, headers=PRIVATE_HEADERS)


def _missing(request: Request, lang: str | None, workspace: Workspace) -> HTMLResponse:
    chosen = page_language(request, lang, workspace.locale)
    return render(request, "briefs.html", chosen, status=404, private=True, workspace=workspace, briefs=[],
                  total=0, missing=True)


@router.get("/brief/{period}", response_class=HTMLResponse)
def brief_page(request: Request, period: str, db: DbDep, now: NowDep, settings: SettingsDep,
               caller: BriefReader, lang: str | None = None) -> HTMLResponse:
    """The latest stored brief of this period, else a preview of the last complete one."""
    with db.read() as session:
        workspace = session.get_one(Workspace, caller.workspace.id)
        if period not in PERIODS:
            return _missing(request, lang, workspace)
        stored = latest_brief(session=session, workspace=workspace, period=period)
        if stored is not None:
            return _stored(stored.html)
        _content, html = preview(session=session, workspace=workspace,
                                 period=choose_period(workspace, period, now=now), now=now,
                                 base_url=settings.base_url)
    return _stored(html)


@router.get("/briefs", response_class=HTMLResponse)
def briefs_page(request: Request, db: DbDep, caller: BriefReader, lang: str | None = None) -> HTMLResponse:
    """Every stored brief of the workspace, newest first."""
    with db.read() as session:
        workspace = session.get_one(Workspace, caller.workspace.id)
        found = list_briefs(session=session, workspace=workspace, limit=PAGE_SIZE)
        chosen = page_language(request, lang, workspace.locale)
        return render(request, "briefs.html", chosen, private=True, workspace=workspace, briefs=found["briefs"],
                      total=found["total"], missing=False, local=local_time(workspace.timezone))


@router.get("/briefs/{brief_id}", response_class=HTMLResponse)
def stored_brief_page(request: Request, brief_id: int, db: DbDep, caller: BriefReader,
                      lang: str | None = None) -> HTMLResponse:
    """One stored brief, exactly as it was published."""
    with db.read() as session:
        workspace = session.get_one(Workspace, caller.workspace.id)
        try:
            brief = get_brief(session=session, workspace=workspace, brief_id=brief_id)
        except NotFound:
            return _missing(request, lang, workspace)
        return _stored(brief.html)
