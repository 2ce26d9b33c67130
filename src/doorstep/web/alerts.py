"""/alerts: the workspace's alerts with their evidence, and an acknowledge button.

Readers (exec, CS, admin) see the list; CS and admin acknowledge (a form with the
session's CSRF token, then Post/Redirect/Get). Subjects are customers' attribute
values and theme keys: they reach the page only through Jinja's autoescape.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from doorstep.api.deps import Caller, DbDep, NowDep
from doorstep.briefs import alert_services as alerts
from doorstep.errors import NotFound
from doorstep.web.guards import require_form, require_page
from doorstep.web.inbox import _local as local_time
from doorstep.web.language import page_language
from doorstep.web.pages import _render as render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 100

ReaderPage = Annotated[Caller, Depends(require_page("cs", "exec"))]
AckForm = Annotated[Caller, Depends(require_form("cs"))]


def _page(request: Request, db: Any, caller: Caller, *, lang: str | None, show: str | None,
          error: str | None = None, code: int = 200) -> HTMLResponse:
    open_only = show != "all"
    chosen = page_language(request, lang, caller.workspace.locale)
    with db.read() as session:
        rows, total = alerts.list_alerts(session=session, workspace=caller.workspace, open_only=open_only,
                                         limit=PAGE_SIZE)
        shown = [alerts.alert_public(a) for a in rows]
    return render(request, "alerts.html", chosen, status=code, private=True, active="alerts",
                  switch_params={"show": "all"} if not open_only else {}, alerts=shown, total=total,
                  open_only=open_only, error=error, workspace=caller.workspace,
                  can_ack=caller.role in ("admin", "cs"), local=local_time(caller.workspace.timezone))


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, db: DbDep, caller: ReaderPage, show: str | None = None,
                lang: str | None = None) -> HTMLResponse:
    """Open alerts (``?show=all``: every alert), newest first, each with its evidence."""
    return _page(request, db, caller, lang=lang, show=show)


@router.post("/alerts/{alert_id}/acknowledge", response_class=HTMLResponse)
def acknowledge_alert(request: Request, alert_id: int, db: DbDep, now: NowDep, caller: AckForm,
                      lang: Annotated[str | None, Form()] = None) -> Response:
    try:
        with db.write() as session:
            alerts.acknowledge(session=session, workspace=caller.workspace, alert_id=alert_id, now=now)
    except NotFound:
        return _page(request, db, caller, lang=lang, show=None, error="not_found", code=404)
    params = {k: v for k, v in {"lang": lang}.items() if v}
    return RedirectResponse(f"/alerts?{urlencode(params)}" if params else "/alerts", status_code=303)
