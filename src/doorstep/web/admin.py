"""The jobs admin page: /admin/jobs, a workspace's queue at a glance, and a retry button.

As thin as api/: parse, one unit of work, the jobs services, render. Like the inbox
it shows the signed-in person's workspace only, to admins only; its state-changing
POSTs (retry a dead job; "try again" when e-mail is paused) carry the session's CSRF
token (doorstep.web.guards). A dead letter's error is whatever
the SMTP server or the webhook target answered: it reaches the page only through
Jinja's autoescape.

E-mail's pause (doorstep.channels.email_pause) belongs to the whole installation, not
to a workspace: every admin sees it at the top of the page, with the waiting e-mail
jobs of their own workspace, and may lift it (audited in their workspace's log). A lift
with the settings still wrong costs one more refused login, then it pauses again.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from doorstep.accounts.models import Workspace
from doorstep.api.deps import Caller, DbDep, NowDep, client_address
from doorstep.channels import email_pause
from doorstep.errors import Conflict, NotFound
from doorstep.jobs import services as jobs
from doorstep.jobs.models import JOB_STATUSES
from doorstep.web.guards import require_form, require_page
from doorstep.web.i18n import MESSAGES, t
from doorstep.web.inbox import _local as local_time
from doorstep.web.language import page_language
from doorstep.web.pages import _render as render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
DEAD_SHOWN = 50
DUE_SHOWN = 10

AdminPage = Annotated[Caller, Depends(require_page("admin"))]
AdminForm = Annotated[Caller, Depends(require_form("admin"))]


def kind_name(lang: str, kind: str) -> str | None:
    """What a job of ``kind`` does, in words; None for a kind this version has no name for
    (the page then shows its code alone)."""
    key = f"jobs.kind.{kind}"
    return t(lang, key) if key in MESSAGES else None


def _lang(request: Request, lang: str | None, workspace: Workspace | None) -> str:
    return page_language(request, lang, workspace.locale if workspace else "en")


def _page(
    request: Request, db: Any, *, workspace: int, status: str | None, kind: str | None, lang: str | None,
    error: str | None = None, code: int = 200, retried: int | None = None, email: str | None = None,
) -> HTMLResponse:
    status = status if status in JOB_STATUSES else None
    kind = (kind or "").strip()[:64] or None
    with db.read() as session:
        current = session.get_one(Workspace, workspace)
        spaces = [current]
        chosen = _lang(request, lang, current)
        context: dict[str, Any] = {
            "workspace": current, "workspaces": spaces, "statuses": JOB_STATUSES, "error": error,
            "retried": retried, "email_note": email if email in ("resumed", "running") else None,
            "filters": {"status": status or "", "kind": kind or ""},
            "email_pause": email_pause.current(session),
            "email_waiting": email_pause.waiting(session, workspace_id=current.id),
        }
        counts = jobs.job_counts(session, workspace_id=current.id)
        page = jobs.list_jobs(session, workspace_id=current.id, status=status, kind=kind, limit=PAGE_SIZE)
        dead = jobs.list_jobs(session, workspace_id=current.id, status="dead", limit=DEAD_SHOWN)
        due = jobs.next_due(session, workspace_id=current.id, limit=DUE_SHOWN)
        switch = {k: v for k, v in {"status": status, "kind": kind}.items() if v}
        return render(request, "admin_jobs.html", chosen, status=code, switch_params=switch, counts=counts,
                      jobs=page.jobs, total=page.total, dead=dead.jobs, dead_total=dead.total, due=due,
                      local=local_time(current.timezone), kind_name=partial(kind_name, chosen), **context)


@router.get("/admin/jobs", response_class=HTMLResponse)
def jobs_page(
    request: Request,
    db: DbDep,
    caller: AdminPage,
    status: str | None = None,
    kind: str | None = None,
    retried: str | None = None,
    email: str | None = None,
    lang: str | None = None,
) -> HTMLResponse:
    """The workspace's queue: counts by status and kind, the dead letters with their last
    error, the jobs due next, the latest jobs; e-mail's pause above all, when it is paused."""
    return _page(request, db, workspace=caller.workspace.id, status=status, kind=kind, lang=lang,
                 retried=int(retried) if retried and retried.isdigit() else None, email=email)


@router.post("/admin/jobs/email/resume", response_class=HTMLResponse)
def resume_email(
    request: Request, db: DbDep, now: NowDep, caller: AdminForm,
    lang: Annotated[str | None, Form()] = None,
) -> Response:
    """Lift e-mail's pause ("try again"), audited; the waiting e-mail jobs are due now."""
    with db.write() as session:
        lifted = email_pause.resume(session, now=now, actor_kind="user", actor=caller.actor,
                                    workspace_id=caller.workspace.id, via="admin jobs page",
                                    client=client_address(request))
    params = {k: v for k, v in {"lang": lang, "email": "resumed" if lifted else "running"}.items() if v}
    return RedirectResponse(f"/admin/jobs?{urlencode(params)}", status_code=303)


@router.post("/admin/jobs/{job_id}/retry", response_class=HTMLResponse)
def retry_job(
    request: Request, job_id: int, db: DbDep, now: NowDep, caller: AdminForm,
    lang: Annotated[str | None, Form()] = None,
) -> Response:
    """Queue a dead job of the signed-in admin's workspace again."""
    space = caller.workspace.id
    try:
        with db.write() as session:
            jobs.retry(session, job_id=job_id, now=now, workspace_id=space)
    except NotFound:
        return _page(request, db, workspace=space, status=None, kind=None, lang=lang, error="not_found", code=404)
    except Conflict:
        return _page(request, db, workspace=space, status=None, kind=None, lang=lang, error="not_dead", code=409)
    # Post/Redirect/Get: a reload of the page never repeats the retry.
    params = {k: v for k, v in {"lang": lang, "retried": str(job_id)}.items() if v}
    return RedirectResponse(f"/admin/jobs?{urlencode(params)}", status_code=303)
