"""The jobs admin page: /admin/jobs, a workspace's queue at a glance, and a retry button.

As thin as api/: parse, one unit of work, the jobs services, render. Like the inbox
(read doorstep.web.inbox's docstring) it has no login yet and binds to 127.0.0.1 by
default; its one state-changing POST (retry a dead job) is refused unless it comes
from one of our own pages (Origin, else Referer). A dead letter's error is whatever
the SMTP server or the webhook target answered: it reaches the page only through
Jinja's autoescape.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from doorstep.accounts.models import Workspace
from doorstep.api.deps import DbDep, NowDep, SettingsDep
from doorstep.errors import Conflict, NotFound
from doorstep.jobs import services as jobs
from doorstep.jobs.models import JOB_STATUSES
from doorstep.web.i18n import negotiate
from doorstep.web.inbox import _local as local_time
from doorstep.web.inbox import same_origin
from doorstep.web.pages import _render as render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
DEAD_SHOWN = 50
DUE_SHOWN = 10


def _lang(request: Request, lang: str | None, workspace: Workspace | None) -> str:
    return negotiate(request.headers.get("accept-language"), lang, workspace.locale if workspace else "en")


def _page(
    request: Request, db: Any, *, workspace: str | None, status: str | None, kind: str | None, lang: str | None,
    error: str | None = None, code: int = 200, retried: int | None = None,
) -> HTMLResponse:
    status = status if status in JOB_STATUSES else None
    kind = (kind or "").strip()[:64] or None
    with db.read() as session:
        spaces = sorted(session.scalars(select(Workspace)), key=lambda w: (w.name.casefold(), w.slug))
        current = next((w for w in spaces if w.slug == workspace), spaces[0] if spaces else None)
        chosen = _lang(request, lang, current)
        context: dict[str, Any] = {
            "workspace": current, "workspaces": spaces, "statuses": JOB_STATUSES, "error": error,
            "retried": retried,
            "filters": {"status": status or "", "kind": kind or ""},
        }
        if current is None:
            return render(request, "admin_jobs.html", chosen, status=code, counts=None, jobs=[], total=0,
                          dead=[], dead_total=0, due=[], local=local_time("UTC"), **context)
        counts = jobs.job_counts(session, workspace_id=current.id)
        page = jobs.list_jobs(session, workspace_id=current.id, status=status, kind=kind, limit=PAGE_SIZE)
        dead = jobs.list_jobs(session, workspace_id=current.id, status="dead", limit=DEAD_SHOWN)
        due = jobs.next_due(session, workspace_id=current.id, limit=DUE_SHOWN)
        switch = {k: v for k, v in {"workspace": current.slug, "status": status, "kind": kind}.items() if v}
        return render(request, "admin_jobs.html", chosen, status=code, switch_params=switch, counts=counts,
                      jobs=page.jobs, total=page.total, dead=dead.jobs, dead_total=dead.total, due=due,
                      local=local_time(current.timezone), **context)


@router.get("/admin/jobs", response_class=HTMLResponse)
def jobs_page(
    request: Request,
    db: DbDep,
    workspace: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    retried: str | None = None,
    lang: str | None = None,
) -> HTMLResponse:
    """One workspace's queue (the first by name unless ?workspace=): counts by status and
    kind, the dead letters with their last error, the jobs due next, the latest jobs."""
    return _page(request, db, workspace=workspace, status=status, kind=kind, lang=lang,
                 retried=int(retried) if retried and retried.isdigit() else None)


@router.post("/admin/jobs/{job_id}/retry", response_class=HTMLResponse)
def retry_job(
    request: Request, job_id: int, db: DbDep, now: NowDep, settings: SettingsDep,
    workspace: Annotated[str, Form()] = "",
    lang: Annotated[str | None, Form()] = None,
) -> Response:
    """Queue a dead job again (only a job of the workspace the page shows)."""
    if not same_origin(request, settings):
        return _page(request, db, workspace=workspace, status=None, kind=None, lang=lang, error="forbidden",
                     code=403)
    try:
        with db.write() as session:
            space = session.scalar(select(Workspace).where(Workspace.slug == workspace))
            if space is None:
                raise NotFound(f"workspace '{workspace}' does not exist")
            jobs.retry(session, job_id=job_id, now=now, workspace_id=space.id)
    except NotFound:
        return _page(request, db, workspace=workspace, status=None, kind=None, lang=lang, error="not_found",
                     code=404)
    except Conflict:
        return _page(request, db, workspace=workspace, status=None, kind=None, lang=lang, error="not_dead",
                     code=409)
    # Post/Redirect/Get: a reload of the page never repeats the retry.
    params = {k: v for k, v in {"workspace": workspace, "lang": lang, "retried": str(job_id)}.items() if v}
    return RedirectResponse(f"/admin/jobs?{urlencode(params)}", status_code=303)
