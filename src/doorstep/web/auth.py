"""Signing in to the pages: /login, /logout, /reset, and what guards every other page.

* Every page except the public ones (surveys, open links, login and reset) asks for
  ``require_page(roles…)`` and every state-changing form for ``require_form(roles…)``
  (doorstep.web.guards): no session → /login?next=…; wrong role or CSRF token → 403 page.
* The cookie is ``HttpOnly``, ``SameSite=Lax``, ``Secure`` when ``base_url`` is https,
  and holds only a random secret; signing in always starts a new session.
* The workspace a page shows is the signed-in person's; nothing else is reachable.
  A case or workspace of another business answers 404, like one that does not exist.

Guessing is bounded in doorstep.accounts.people (through the audit log, so across
processes); reset requests per address are limited in memory (doorstep.web.ratelimit).
"""

from __future__ import annotations

import datetime as dt
import logging
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from doorstep.accounts import audit, people
from doorstep.accounts import sessions as login_sessions
from doorstep.accounts.models import Workspace
from doorstep.api.deps import DbDep, NowDep, SettingsDep
from doorstep.config import Settings
from doorstep.db import Database
from doorstep.errors import DoorstepError, InvalidInput
from doorstep.web.guards import LoginRequired, PageRefused, safe_next, same_origin, signed_in
from doorstep.web.i18n import DEFAULT_LANGUAGE, negotiate, t, url_code
from doorstep.web.language import page_language
from doorstep.web.pages import _render as render

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

RESET_RATE = "5/hour"  # reset e-mails one address may ask for


def _lang(request: Request, lang: str | None = None, workspace: Workspace | None = None) -> str:
    # Signed in (a refused page): the person's chosen language comes before the browser's.
    return page_language(request, lang or request.query_params.get("lang"),
                         workspace.locale if workspace is not None else DEFAULT_LANGUAGE)


def _to_login(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    target = "/login" if exc.next_path == "/" else f"/login?next={quote(exc.next_path, safe='')}"
    return RedirectResponse(target, status_code=303)


def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageRefused)
    caller = getattr(request.state, "caller", None)
    chosen = _lang(request, None, caller.workspace if caller is not None else None)
    return render(request, "forbidden.html", chosen, status=403, kind=exc.kind)


def install(app: FastAPI) -> None:
    """The login pages and the answers of the guards."""
    app.include_router(router)
    app.add_exception_handler(LoginRequired, _to_login)
    app.add_exception_handler(PageRefused, _refused)


# --- the cookie ---------------------------------------------------------------------


def _set_cookie(response: Response, secret: str, settings: Settings) -> None:
    response.set_cookie(
        login_sessions.COOKIE, secret, max_age=int(settings.session_max_hours * 3600), path="/",
        httponly=True, samesite="lax", secure=settings.base_url.startswith("https://"),
    )


def _clear_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(login_sessions.COOKIE, path="/", httponly=True, samesite="lax",
                           secure=settings.base_url.startswith("https://"))


def _client(request: Request) -> str | None:
    from doorstep.web.ratelimit import client_address

    limits = getattr(request.app.state, "rate_limits", None)
    return client_address(request, limits.trusted if limits is not None else ())


# --- /login and /logout -------------------------------------------------------------


def _login_page(request: Request, lang: str, *, next_path: str, workspace: str = "", login: str = "",
                error: str | None = None, notice: str | None = None, status: int = 200) -> HTMLResponse:
    return render(request, "login.html", lang, status=status, private=True, next_path=next_path,
                  form={"workspace": workspace, "login": login}, error=error, notice=notice)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None, workspace: str | None = None,
               lang: str | None = None, done: str | None = None) -> HTMLResponse:
    notice = "reset_done" if done == "reset" else "logged_out" if done == "logout" else None
    return _login_page(request, _lang(request, lang), next_path=safe_next(next), workspace=(workspace or "")[:64],
                       notice=notice)


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request, db: DbDep, now: NowDep, settings: SettingsDep,
    workspace: Annotated[str, Form(max_length=64)] = "",
    login: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=4096)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
    lang: Annotated[str | None, Form()] = None,
) -> Response:
    """Sign in. Every failure gets the same answer, so the page never says which handles exist."""
    chosen = _lang(request, lang)
    target = safe_next(next)
    if not same_origin(request, settings):  # login CSRF: another site signing you in as someone else
        return render(request, "forbidden.html", chosen, status=403, kind="csrf")
    client = _client(request)
    with db.write() as session:
        result = people.authenticate(session, workspace_slug=workspace, login=login, password=password, now=now,
                                     client=client)
        secret = None
        if result.user is not None:
            old = request.cookies.get(login_sessions.COOKIE)
            if old:
                login_sessions.revoke(session, secret=old, now=now)  # a planted session dies at login
            secret = login_sessions.create_session(
                session, user=result.user, now=now, lifetime=dt.timedelta(hours=settings.session_max_hours),
                client=client, user_agent=request.headers.get("user-agent"),
            )
    if secret is None:
        return _login_page(request, chosen, next_path=target, workspace=workspace, login=login,
                           error="failed", status=401)
    response = RedirectResponse(target, status_code=303)
    _set_cookie(response, secret, settings)
    return response


@router.post("/logout")
def logout(request: Request, db: DbDep, now: NowDep, settings: SettingsDep,
           csrf_token: Annotated[str, Form()] = "") -> Response:
    """End the session (a form with its CSRF token: a link on another site cannot sign you out)."""
    secret = request.cookies.get(login_sessions.COOKIE) or ""
    caller = signed_in(request, db, settings, now) if secret else None
    if caller is not None:
        if not login_sessions.csrf_matches(secret, csrf_token) or not same_origin(request, settings):
            request.state.caller = caller
            raise PageRefused("csrf")
        with db.write() as session:
            login_sessions.revoke(session, secret=secret, now=now)
            audit.record(session, action="logout", actor_kind="user", actor=caller.handle,
                         workspace_id=caller.workspace.id, target=f"user:{caller.user_id}", client=_client(request),
                         at=now)
    response = RedirectResponse("/login?done=logout", status_code=303)
    _clear_cookie(response, settings)
    return response


# --- /reset -------------------------------------------------------------------------


def _reset_limiter(request: Request) -> object:
    from doorstep.web.ratelimit import RateLimiter

    state = request.app.state
    if getattr(state, "reset_limiter", None) is None:
        clock = state.clock
        state.reset_limiter = RateLimiter(RESET_RATE, clock=lambda: clock().timestamp())
    return state.reset_limiter


def _reset_mail(db: Database, settings: Settings, *, to: str, name: str | None, link: str, lang: str,
                now: dt.datetime) -> None:
    from doorstep.channels.email import send_guarded
    from doorstep.channels.email_pause import EmailPaused

    message = EmailMessage()
    message["Subject"] = t(lang, "reset.mail_subject")
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Date"] = format_datetime(now.astimezone(dt.UTC))
    message["Message-ID"] = make_msgid(domain="doorstep.invalid")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(t(lang, "reset.mail_body", name=name or "", link=link, minutes=60), charset="utf-8")
    try:
        # Behind the breaker: reset requests must not keep a refused login going (a lockout).
        send_guarded(db, settings, message, now=now, by="web: password reset")
    except EmailPaused as exc:
        log.warning("the password reset e-mail was not sent: %s", exc)
    except Exception:
        log.exception("the password reset e-mail could not be sent")


@router.get("/reset", response_class=HTMLResponse)
def reset_request_page(request: Request, settings: SettingsDep, lang: str | None = None,
                       workspace: str | None = None) -> HTMLResponse:
    from doorstep.channels.email import smtp_enabled

    return render(request, "reset.html", _lang(request, lang), private=True, step="ask",
                  mail=smtp_enabled(settings), form={"workspace": (workspace or "")[:64], "login": ""},
                  error=None, token="")


@router.post("/reset", response_class=HTMLResponse)
def reset_request(
    request: Request, background: BackgroundTasks, db: DbDep, now: NowDep, settings: SettingsDep,
    workspace: Annotated[str, Form(max_length=64)] = "",
    login: Annotated[str, Form(max_length=320)] = "",
    lang: Annotated[str | None, Form()] = None,
) -> HTMLResponse:
    """Mail a one-time link when the account has an e-mail address; the answer is the same
    whether it has one or exists at all, and comes before the mail is sent."""
    from doorstep.channels.email import smtp_enabled
    from doorstep.errors import RateLimited
    from doorstep.web.ratelimit import RateLimiter

    chosen = _lang(request, lang)
    if not same_origin(request, settings):
        return render(request, "forbidden.html", chosen, status=403, kind="csrf")
    if not smtp_enabled(settings):
        return render(request, "reset.html", chosen, private=True, step="ask", mail=False,
                      form={"workspace": workspace, "login": login}, error=None, token="")
    limiter = _reset_limiter(request)
    assert isinstance(limiter, RateLimiter)
    wait = limiter.hit(_client(request) or "unknown")
    if wait > 0:
        raise RateLimited(int(wait) + 1)
    with db.write() as session:
        issued = people.request_reset(session, workspace_slug=workspace, login=login, now=now, client=_client(request))
        if issued is not None:
            user, token = issued
            space = session.get_one(Workspace, user.workspace_id)
            # The person's chosen language, else their workspace's, else this page's.
            mail_lang = negotiate(None, user.locale or space.locale, chosen)
            to, name = user.email or "", user.name
    if issued is not None:
        # The link opens the page in the e-mail's language (?lang= wins over the browser's).
        link = f"{settings.base_url}/reset/{token}?lang={url_code(mail_lang)}"
        background.add_task(_reset_mail, db, settings, to=to, name=name, link=link, lang=mail_lang, now=now)
    return render(request, "reset.html", chosen, private=True, step="sent", mail=True,
                  form={"workspace": workspace, "login": ""}, error=None, token="")


@router.get("/reset/{token}", response_class=HTMLResponse)
def reset_password_page(request: Request, token: str, db: DbDep, now: NowDep,
                        lang: str | None = None) -> HTMLResponse:
    chosen = _lang(request, lang)
    try:
        with db.read() as session:
            people.check_reset(session, token=token, now=now)
    except DoorstepError:
        return render(request, "reset.html", chosen, status=410, private=True, step="dead", mail=True,
                      form={"workspace": "", "login": ""}, error=None, token="")
    return render(request, "reset.html", chosen, private=True, step="choose", mail=True,
                  form={"workspace": "", "login": ""}, error=None, token=token)


@router.post("/reset/{token}", response_class=HTMLResponse)
def reset_password(
    request: Request, token: str, db: DbDep, now: NowDep,
    password: Annotated[str, Form(max_length=4096)] = "",
    confirm: Annotated[str, Form(max_length=4096)] = "",
    lang: Annotated[str | None, Form()] = None,
) -> Response:
    """Set the new password. No Origin check here: the page is no-referrer (its URL holds
    the token), so browsers send ``Origin: null``; the token itself is the capability."""
    chosen = _lang(request, lang)

    def again(error: str, status: int) -> HTMLResponse:
        return render(request, "reset.html", chosen, status=status, private=True, step="choose", mail=True,
                      form={"workspace": "", "login": ""}, error=error, token=token)

    if password != confirm:
        return again("mismatch", 422)
    try:
        with db.write() as session:
            user = people.reset_password(session, token=token, password=password, now=now, client=_client(request))
            slug = session.get_one(Workspace, user.workspace_id).slug
    except InvalidInput:
        return again("weak", 422)
    except DoorstepError:
        return render(request, "reset.html", chosen, status=410, private=True, step="dead", mail=True,
                      form={"workspace": "", "login": ""}, error=None, token="")
    return RedirectResponse(f"/login?done=reset&workspace={quote(slug)}", status_code=303)
