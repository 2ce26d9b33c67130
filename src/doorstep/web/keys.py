"""/admin/keys: the workspace's API keys, creating one with a role, revoking one.

As thin as the CLI's ``doorstep key create|revoke``: the same audited services
(doorstep.accounts.services), one unit of work each, Post/Redirect/Get, admins only, the
session's CSRF token on every form. Another workspace's key id answers 404.

The secret is shown exactly once. Only its SHA-256 is stored, so the page that shows it
must get it from the request that made it: the creating POST hands it to the result page
it redirects to in a cookie that lives two minutes, is sent to that one address only
(``Path``), is HttpOnly and SameSite=Strict, and is deleted by that page as it shows the
secret. A reload, the back button or the address opened later find no cookie and say that
the secret cannot be shown again. The page is ``no-store``, and the secret is in no URL,
no log line and no audit entry.

Revoking goes through a confirmation page (GET shows the key, its form POSTs): no script.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from doorstep.accounts import services as accounts
from doorstep.accounts.models import ROLES, Workspace
from doorstep.api.deps import Caller, DbDep, NowDep, SettingsDep, client_address
from doorstep.api.params import RowId
from doorstep.config import Settings
from doorstep.db import Database
from doorstep.errors import Conflict, DoorstepError, InvalidInput, NotFound
from doorstep.web.guards import require_form, require_page
from doorstep.web.i18n import t, url_code
from doorstep.web.inbox import _local as local_time
from doorstep.web.language import page_language
from doorstep.web.pages import _render as render

router = APIRouter(include_in_schema=False)

AdminPage = Annotated[Caller, Depends(require_page("admin"))]
AdminForm = Annotated[Caller, Depends(require_form("admin"))]
NEW_KEY_COOKIE = "doorstep_new_key"
NEW_KEY_SECONDS = 120  # the redirect follows at once; a secret left by a lost redirect must not linger


def _lang(request: Request, lang: str | None, workspace: Workspace) -> str:
    return page_language(request, lang, workspace.locale)


def _problem(lang: str, exc: DoorstepError) -> str:
    if isinstance(exc, NotFound):
        return t(lang, "keys.error_not_found")
    if isinstance(exc, Conflict):
        return t(lang, "keys.error_revoked")
    field = exc.problem.field if isinstance(exc, InvalidInput) else None
    if field == "name":
        return t(lang, "keys.error_name", limit=accounts.MAX_KEY_NAME)
    if field == "role":
        return t(lang, "keys.error_role")
    return t(lang, "people.error_other")


def _secure(request: Request, settings: Settings) -> bool:
    return request.url.scheme == "https" or settings.base_url.startswith("https://")


def _shown_at(key_id: int) -> str:
    return f"/admin/keys/{key_id}/created"


def _page(
    request: Request, db: Database, caller: Caller, *, lang: str | None, form: dict[str, str] | None = None,
    error: str | None = None, revoked: int | None = None, code: int = 200,
) -> HTMLResponse:
    with db.read() as session:
        workspace = session.get_one(Workspace, caller.workspace.id)
        chosen = _lang(request, lang, workspace)
        keys = accounts.list_api_keys(session=session, workspace=workspace)
        notice = next((k for k in keys if k.id == revoked and k.revoked_at is not None), None)
        return render(
            request, "admin_keys.html", chosen, status=code, private=True, active="keys", workspace=workspace,
            keys=keys, roles=ROLES, form=form or {"name": "", "role": "exec"}, error=error,
            revoked=notice.prefix if notice else None, lc=url_code(chosen), local=local_time(workspace.timezone),
            max_name=accounts.MAX_KEY_NAME,
        )


@router.get("/admin/keys", response_class=HTMLResponse)
def keys_page(
    request: Request, db: DbDep, caller: AdminPage, revoked: str | None = None, lang: str | None = None,
) -> HTMLResponse:
    """Every key of the workspace, revoked ones too, newest first; the form for a new one."""
    return _page(request, db, caller, lang=lang,
                 revoked=int(revoked) if revoked and revoked.isdigit() and len(revoked) <= 9 else None)


@router.post("/admin/keys", response_class=HTMLResponse)
def create_key(
    request: Request, db: DbDep, now: NowDep, settings: SettingsDep, caller: AdminForm,
    name: Annotated[str, Form(max_length=1000)] = "",
    role: Annotated[str, Form(max_length=16)] = "",
    lang: Annotated[str | None, Form(max_length=8)] = None,
) -> Response:
    """A new key with this role (audited as key_created); its secret goes to the result page once."""
    try:
        with db.write() as session:
            workspace = session.get_one(Workspace, caller.workspace.id)
            key, secret = accounts.issue_api_key(session=session, workspace=workspace, name=name, role=role,
                                                 actor=caller.actor, actor_kind=caller.actor_kind,
                                                 client=client_address(request), now=now)
            key_id = key.id
    except InvalidInput as exc:
        chosen = _lang(request, lang, caller.workspace)
        return _page(request, db, caller, lang=lang, form={"name": name, "role": role}, error=_problem(chosen, exc),
                     code=exc.http_status)
    target = _shown_at(key_id) + (f"?{urlencode({'lang': lang})}" if lang else "")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(NEW_KEY_COOKIE, secret, max_age=NEW_KEY_SECONDS, path=_shown_at(key_id), httponly=True,
                        samesite="strict", secure=_secure(request, settings))
    return response


@router.get("/admin/keys/{key_id}/created", response_class=HTMLResponse)
def key_created(
    request: Request, key_id: RowId, db: DbDep, settings: SettingsDep, caller: AdminPage, lang: str | None = None,
) -> Response:
    """The new key's secret, this once; afterwards the same address says it cannot be shown again."""
    held = request.cookies.get(NEW_KEY_COOKIE)
    with db.read() as session:
        workspace = session.get_one(Workspace, caller.workspace.id)
        chosen = _lang(request, lang, workspace)
        try:
            key = accounts.get_api_key(session=session, workspace=workspace, key_id=key_id)
        except NotFound as exc:
            return _page(request, db, caller, lang=lang, error=_problem(chosen, exc), code=404)
        # Only this key's own secret is shown (the cookie is a courier, not to be trusted),
        # and not once the key is revoked.
        secret = held if held and key.revoked_at is None and accounts.key_matches(key, held) else None
        response = render(request, "admin_key_created.html", chosen, private=True, active="keys",
                          workspace=workspace, key=key, secret=secret, lc=url_code(chosen),
                          local=local_time(workspace.timezone))
    if held is not None:
        response.delete_cookie(NEW_KEY_COOKIE, path=_shown_at(key_id), httponly=True, samesite="strict",
                               secure=_secure(request, settings))
    return response


@router.get("/admin/keys/{key_id}/revoke", response_class=HTMLResponse)
def confirm_revoke(
    request: Request, key_id: RowId, db: DbDep, caller: AdminPage, lang: str | None = None,
) -> Response:
    """Are you sure? The key, what revoking it does, and the form that revokes it."""
    with db.read() as session:
        workspace = session.get_one(Workspace, caller.workspace.id)
        chosen = _lang(request, lang, workspace)
        try:
            key = accounts.get_api_key(session=session, workspace=workspace, key_id=key_id)
        except NotFound as exc:
            return _page(request, db, caller, lang=lang, error=_problem(chosen, exc), code=404)
        return render(request, "admin_key_revoke.html", chosen, private=True, active="keys", workspace=workspace,
                      key=key, lc=url_code(chosen), local=local_time(workspace.timezone))


@router.post("/admin/keys/{key_id}/revoke", response_class=HTMLResponse)
def revoke_key(
    request: Request, key_id: RowId, db: DbDep, now: NowDep, caller: AdminForm,
    lang: Annotated[str | None, Form(max_length=8)] = None,
) -> Response:
    """The confirmation page's form: calls with the key are refused from now on (audited as key_revoked)."""
    try:
        with db.write() as session:
            workspace = session.get_one(Workspace, caller.workspace.id)
            accounts.revoke_api_key(session=session, workspace=workspace, key_id=key_id, actor=caller.actor,
                                    actor_kind=caller.actor_kind, client=client_address(request), now=now)
    except (NotFound, Conflict) as exc:
        chosen = _lang(request, lang, caller.workspace)
        return _page(request, db, caller, lang=lang, error=_problem(chosen, exc), code=exc.http_status)
    params = {k: v for k, v in {"lang": lang, "revoked": str(key_id)}.items() if v}
    return RedirectResponse(f"/admin/keys?{urlencode(params)}", status_code=303)
