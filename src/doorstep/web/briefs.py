"""The executive briefs as pages: ``/brief/{period}``, ``/briefs`` and ``/briefs/{id}``.

A stored brief is served as it was made and sent (its self-contained page, kept with it):
later data and later templates never change what a published brief said. A reader whose
language is not the brief's (their ?lang=, their /account choice, their browser) gets the
same stored content drawn in their language instead: the figures and the customers' words
are the stored ones, only our words are translated. ``/brief/week`` shows the latest stored
weekly brief, or, before any was published, the last complete week made now as a preview
(not stored). Exec, CS and admin may read them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from doorstep.accounts.models import Workspace
from doorstep.api.deps import Caller, DbDep, NowDep, SettingsDep
from doorstep.briefs.models import Brief
from doorstep.briefs.periods import PERIODS
from doorstep.briefs.render import brief_language, render_html
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


def _page(html: str, lang: str) -> HTMLResponse:
    # Private: a brief is the business's figures and its customers' words.
    return HTMLResponse(html, headers={**PRIVATE_HEADERS, "Content-Language": lang, "Vary": "Accept-Language"})


def _stored(request: Request, lang: str | None, brief: Brief, base_url: str) -> HTMLResponse:
    """The brief as published, or its stored content in the reader's language."""
    published = brief_language(brief.locale)
    chosen = page_language(request, lang, published)  # no preference at all: as published
    if chosen == published:
        return _page(brief.html, chosen)
    return _page(render_html(brief.content, base_url=base_url, brief_id=brief.id, lang=chosen), chosen)


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
            return _stored(request, lang, stored, settings.base_url)
        content, html = preview(session=session, workspace=workspace,
                                period=choose_period(workspace, period, now=now), now=now,
                                base_url=settings.base_url)
    made_in = brief_language(content.get("locale"))
    chosen = page_language(request, lang, made_in)
    if chosen != made_in:
        html = render_html(content, base_url=settings.base_url, lang=chosen)
    return _page(html, chosen)


@router.get("/briefs", response_class=HTMLResponse)
def briefs_page(request: Request, db: DbDep, caller: BriefReader, lang: str | None = None) -> HTMLResponse:
    """Every stored brief of the workspace, newest first."""
    with db.read() as session:
        workspace = session.get_one(Workspace, caller.workspace.id)
        chosen = page_language(request, lang, workspace.locale)
        found = list_briefs(session=session, workspace=workspace, limit=PAGE_SIZE, lang=chosen)
        return render(request, "briefs.html", chosen, private=True, workspace=workspace, briefs=found["briefs"],
                      total=found["total"], missing=False, local=local_time(workspace.timezone))


@router.get("/briefs/{brief_id}", response_class=HTMLResponse)
def stored_brief_page(request: Request, brief_id: int, db: DbDep, settings: SettingsDep, caller: BriefReader,
                      lang: str | None = None) -> HTMLResponse:
    """One stored brief, exactly as it was published."""
    with db.read() as session:
        workspace = session.get_one(Workspace, caller.workspace.id)
        try:
            brief = get_brief(session=session, workspace=workspace, brief_id=brief_id)
        except NotFound:
            return _missing(request, lang, workspace)
        return _stored(request, lang, brief, settings.base_url)
