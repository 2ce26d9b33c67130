"""/admin/people: the workspace's people, adding one, their name and e-mail, their role, sending
an invitation again, deactivating and reactivating.

As thin as api/ and the CLI: parse the form, one unit of work calling doorstep.accounts.people,
Post/Redirect/Get. Admins only; every form carries the session's CSRF token
(doorstep.web.guards). Ids name people of the signed-in admin's workspace only: another
workspace's id answers 404 like one that does not exist.

A person gets a password one of two ways: the admin types a first one (and hands it over),
or — when e-mail is set up — an invitation: a one-time link of the password-reset kind,
e-mailed right after the person is stored, where they choose their own. A refused form
comes back with the reason in the reader's language and what was typed (never a password).
What the service refuses to take away (the last active admin) answers 409.

Until an invited person has chosen a password, the admin can send the invitation again (a
new link; the earlier ones stop working). Without e-mail set up nothing is sent: the page
says so and fills in the add form for that person, so the admin can type a first password.
An admin corrects a person's name and e-mail address in a form folded under each row.
"""

from __future__ import annotations

import datetime as dt
import logging
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from doorstep.accounts import people
from doorstep.accounts.models import ROLES, Workspace
from doorstep.api.deps import Caller, DbDep, NowDep, SettingsDep, client_address
from doorstep.api.params import RowId
from doorstep.config import Settings
from doorstep.db import Database
from doorstep.errors import Conflict, DoorstepError, InvalidInput, NotFound
from doorstep.web.guards import require_form, require_page
from doorstep.web.i18n import negotiate, t, url_code
from doorstep.web.inbox import _local as local_time
from doorstep.web.language import page_language
from doorstep.web.pages import _render as render

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

AdminPage = Annotated[Caller, Depends(require_page("admin"))]
AdminForm = Annotated[Caller, Depends(require_form("admin"))]
INVITE_DAYS = people.INVITE_LIFETIME.days
NOTICES = ("added", "invited", "invite_failed", "role", "deactivated", "reactivated", "profile", "profile_relink",
           "unchanged", "reinvited", "reinvite_failed")


def _lang(request: Request, lang: str | None, workspace: Workspace) -> str:
    return page_language(request, lang, workspace.locale)


def _problem(lang: str, exc: DoorstepError, *, handle: str = "") -> str:
    """Why the form was refused, in the reader's language."""
    if isinstance(exc, people.LastAdmin):
        return t(lang, "people.error_last_admin", handle=handle)
    if isinstance(exc, people.NotInvited):
        return _not_invited(lang, exc.reason, handle)
    if isinstance(exc, people.EmailTaken):
        return t(lang, "people.error_email_taken")
    if isinstance(exc, NotFound):
        return t(lang, "people.error_not_found")
    if isinstance(exc, Conflict):
        return t(lang, "people.error_exists", handle=handle)
    field = exc.problem.field if isinstance(exc, InvalidInput) else None
    if field == "handle":
        return t(lang, "people.error_handle", limit=people.MAX_HANDLE)
    if field == "email":
        return t(lang, "people.error_email")
    if field == "name":
        return t(lang, "people.error_name", limit=people.MAX_NAME)
    if field == "role":
        return t(lang, "people.error_role")
    if field == "password":
        return t(lang, "reset.error_weak")
    return t(lang, "people.error_other")


def _not_invited(lang: str, reason: str, handle: str) -> str:
    """Why no invitation can be sent to ``handle`` again (people.NotInvited's reason)."""
    if reason == "can_sign_in":
        return t(lang, "people.error_resend_signed_in", handle=handle)
    if reason == "inactive":
        return t(lang, "people.error_resend_inactive", handle=handle)
    if reason == "no_email":
        return t(lang, "people.error_resend_no_email", handle=handle)
    return t(lang, "people.error_resend_never", handle=handle)


def _form_refusal(lang: str, reason: str, handle: str = "") -> str:
    """Why a form was refused before the service saw it."""
    if reason == "no_mail":
        return t(lang, "people.error_no_mail")
    if reason == "resend_no_mail":
        return t(lang, "people.error_resend_no_mail", handle=handle)
    return t(lang, "reset.error_mismatch")


def _smtp(settings: Settings) -> bool:
    from doorstep.channels.email import smtp_enabled

    return smtp_enabled(settings)


def _page(
    request: Request, db: Database, caller: Caller, settings: Settings, now: dt.datetime, *, lang: str | None,
    everyone: bool = False, form: dict[str, str] | None = None, error: str | None = None,
    notice: str | None = None, who: int | None = None, code: int = 200, editing: dict[str, Any] | None = None,
) -> HTMLResponse:
    """The list and the add form; ``form`` is what the add form shows, ``editing`` the id and
    typed name and e-mail of the person whose edit form a refusal opens again."""
    with db.read() as session:
        workspace = session.get_one(Workspace, caller.workspace.id)
        chosen = _lang(request, lang, workspace)
        rows = people.people_overview(session, workspace=workspace, now=now, everyone=everyone)
        named = {"handle": "", "email": ""}
        if notice not in NOTICES or who is None:
            notice = None
        else:
            try:  # whom the notice is about: looked up, so a made-up or foreign id says nothing
                person = people.get_person(session, workspace=workspace, user_id=who)
                named = {"handle": person.handle, "email": person.email or ""}
            except NotFound:
                notice = None
        mail = _smtp(settings)
        blank = {"handle": "", "name": "", "email": "", "role": "cs", "how": "email" if mail else "password"}
        switch = {"all": "1"} if everyone else {}
        return render(
            request, "admin_people.html", chosen, status=code, private=True, active="people", switch_params=switch,
            workspace=workspace, rows=rows, everyone=everyone, roles=ROLES, mail=mail, invite_days=INVITE_DAYS,
            form=form or blank, error=error, notice=notice, named=named, lc=url_code(chosen), editing=editing or {},
            local=local_time(workspace.timezone), max_handle=people.MAX_HANDLE, max_name=people.MAX_NAME,
        )


def _done(lang: str | None, everyone: str | None = None, **params: object) -> Response:
    """Post/Redirect/Get: the list, saying at the top what was done (its address says so: a
    reload shows the notice again and changes nothing)."""
    query = {k: str(v) for k, v in ({"lang": lang, "all": everyone} | params).items() if v}
    return RedirectResponse("/admin/people" + (f"?{urlencode(query)}" if query else ""), status_code=303)


@router.get("/admin/people", response_class=HTMLResponse)
def people_page(
    request: Request, db: DbDep, now: NowDep, settings: SettingsDep, caller: AdminPage,
    all: str | None = None, done: str | None = None, who: str | None = None, lang: str | None = None,
) -> HTMLResponse:
    """Who can sign in (or was invited), with role, state and last sign-in; the add form."""
    return _page(request, db, caller, settings, now, lang=lang, everyone=all == "1", notice=done,
                 who=int(who) if who and who.isdigit() and len(who) <= 9 else None)


# --- adding a person ------------------------------------------------------------------


def _invite_mail(settings: Settings, *, to: str, name: str | None, handle: str, who: str, workspace: Workspace,
                 token: str, lang: str, now: dt.datetime) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = t(lang, "people.invite_subject", workspace=workspace.name)
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Date"] = format_datetime(now.astimezone(dt.UTC))
    message["Message-ID"] = make_msgid(domain="doorstep.invalid")
    message["Auto-Submitted"] = "auto-generated"
    login = f"{settings.base_url}/login?{urlencode({'workspace': workspace.slug})}"
    message.set_content(t(lang, "people.invite_body", name=name or handle, who=who, workspace=workspace.name,
                          link=f"{settings.base_url}/reset/{token}", days=INVITE_DAYS, login=login,
                          slug=workspace.slug, handle=handle), charset="utf-8")
    return message


def _send_invitation(db: Database, settings: Settings, message: EmailMessage, now: dt.datetime) -> bool:
    """Send now, so the admin learns whether it went; False when it did not (the person
    stays added: adding them again sends a new link)."""
    from doorstep.channels.email import send_guarded

    try:
        send_guarded(db, settings, message, now=now, by="web: invitation")
    except Exception as exc:  # paused e-mail, a refusal, an unreachable server: all say "not sent"
        log.warning("the invitation e-mail was not sent: %s", exc)
        return False
    return True


@router.post("/admin/people", response_class=HTMLResponse)
def add_person(
    request: Request, db: DbDep, now: NowDep, settings: SettingsDep, caller: AdminForm,
    handle: Annotated[str, Form(max_length=1000)] = "",
    name: Annotated[str, Form(max_length=1000)] = "",
    email: Annotated[str, Form(max_length=1000)] = "",
    role: Annotated[str, Form(max_length=16)] = "",
    how: Annotated[str, Form(max_length=16)] = "password",
    password: Annotated[str, Form(max_length=4096)] = "",
    confirm: Annotated[str, Form(max_length=4096)] = "",
    lang: Annotated[str | None, Form(max_length=8)] = None,
) -> Response:
    """One person: stored with the typed password, or invited by e-mail to choose one."""
    chosen = _lang(request, lang, caller.workspace)
    typed = {"handle": handle, "name": name, "email": email, "role": role, "how": how}

    def refused(message: str, code: int) -> HTMLResponse:
        return _page(request, db, caller, settings, now, lang=lang, form=typed, error=message, code=code)

    invite = how == "email"
    if invite and not _smtp(settings):
        return refused(_form_refusal(chosen, "no_mail"), 422)
    if not invite and password != confirm:
        return refused(_form_refusal(chosen, "mismatch"), 422)
    try:
        with db.write() as session:
            workspace = session.get_one(Workspace, caller.workspace.id)
            client = client_address(request)
            if invite:
                user, token = people.invite_user(
                    session, workspace=workspace, handle=handle, role=role, email=email, name=name or None, now=now,
                    actor=caller.actor, actor_kind=caller.actor_kind, client=client)
                mail_lang = negotiate(None, user.locale or workspace.locale, chosen)  # theirs, if they chose
                message = _invite_mail(settings, to=user.email or "", name=user.name, handle=user.handle,
                                       who=caller.actor, workspace=workspace, token=token, lang=mail_lang, now=now)
            else:
                user = people.add_user(
                    session, workspace=workspace, handle=handle, role=role, password=password, email=email or None,
                    name=name or None, actor=caller.actor, actor_kind=caller.actor_kind, client=client, now=now)
            user_id = user.id
    except (InvalidInput, Conflict) as exc:
        return refused(_problem(chosen, exc, handle=handle.strip()), exc.http_status)
    if not invite:
        return _done(lang, done="added", who=user_id)
    sent = _send_invitation(db, settings, message, now)
    return _done(lang, done="invited" if sent else "invite_failed", who=user_id)


# --- role, deactivation, reactivation ---------------------------------------------------


def _change(
    request: Request, db: Database, caller: Caller, settings: Settings, now: dt.datetime, user_id: int,
    lang: str | None, everyone: str | None, act: Any,
) -> HTMLResponse | None:
    """Run ``act(session, workspace, handle)`` on a person of the caller's workspace, in one
    unit of work; None when done, else the page saying why not (nothing was changed)."""
    handle = ""
    try:
        with db.write() as session:
            workspace = session.get_one(Workspace, caller.workspace.id)
            handle = people.get_person(session, workspace=workspace, user_id=user_id).handle
            act(session, workspace, handle)
    except (InvalidInput, NotFound, Conflict) as exc:
        chosen = _lang(request, lang, caller.workspace)
        return _page(request, db, caller, settings, now, lang=lang, everyone=everyone == "1",
                     error=_problem(chosen, exc, handle=handle), code=exc.http_status)
    return None


@router.post("/admin/people/{user_id}/role", response_class=HTMLResponse)
def change_role(
    request: Request, user_id: RowId, db: DbDep, now: NowDep, settings: SettingsDep, caller: AdminForm,
    role: Annotated[str, Form(max_length=16)] = "",
    all: Annotated[str | None, Form(max_length=1)] = None,
    lang: Annotated[str | None, Form(max_length=8)] = None,
) -> Response:
    """A new role, from the person's next page or call (audited as role_changed)."""
    def act(session: Any, workspace: Workspace, handle: str) -> None:
        people.set_role(session, workspace=workspace, handle=handle, role=role, actor=caller.actor,
                        actor_kind=caller.actor_kind, client=client_address(request), now=now)

    refused = _change(request, db, caller, settings, now, user_id, lang, all, act)
    return refused or _done(lang, all, done="role", who=user_id)


@router.post("/admin/people/{user_id}/deactivate", response_class=HTMLResponse)
def deactivate_person(
    request: Request, user_id: RowId, db: DbDep, now: NowDep, settings: SettingsDep, caller: AdminForm,
    all: Annotated[str | None, Form(max_length=1)] = None,
    lang: Annotated[str | None, Form(max_length=8)] = None,
) -> Response:
    """They can no longer sign in; their sessions end now; their history keeps their name."""
    def act(session: Any, workspace: Workspace, handle: str) -> None:
        people.deactivate(session, workspace=workspace, handle=handle, now=now, actor=caller.actor,
                          actor_kind=caller.actor_kind, client=client_address(request))

    refused = _change(request, db, caller, settings, now, user_id, lang, all, act)
    return refused or _done(lang, all, done="deactivated", who=user_id)


@router.post("/admin/people/{user_id}/reactivate", response_class=HTMLResponse)
def reactivate_person(
    request: Request, user_id: RowId, db: DbDep, now: NowDep, settings: SettingsDep, caller: AdminForm,
    all: Annotated[str | None, Form(max_length=1)] = None,
    lang: Annotated[str | None, Form(max_length=8)] = None,
) -> Response:
    """A deactivated person may sign in again, with the password they had."""
    def act(session: Any, workspace: Workspace, handle: str) -> None:
        people.reactivate(session, workspace=workspace, handle=handle, now=now, actor=caller.actor,
                          actor_kind=caller.actor_kind, client=client_address(request))

    refused = _change(request, db, caller, settings, now, user_id, lang, all, act)
    return refused or _done(lang, all, done="reactivated", who=user_id)


# --- name and e-mail; the invitation again ----------------------------------------------


@router.post("/admin/people/{user_id}/profile", response_class=HTMLResponse)
def edit_person(
    request: Request, user_id: RowId, db: DbDep, now: NowDep, settings: SettingsDep, caller: AdminForm,
    name: Annotated[str, Form(max_length=1000)] = "",
    email: Annotated[str, Form(max_length=1000)] = "",
    all: Annotated[str | None, Form(max_length=1)] = None,
    lang: Annotated[str | None, Form(max_length=8)] = None,
) -> Response:
    """A corrected name and e-mail address (an empty field clears it; audited as
    user_updated). A new address spends the links sent to the old one: for someone invited
    the notice says to send the invitation again."""
    handle = ""
    try:
        with db.write() as session:
            workspace = session.get_one(Workspace, caller.workspace.id)
            person = people.get_person(session, workspace=workspace, user_id=user_id)
            handle = person.handle
            change = people.update_profile(
                session, workspace=workspace, handle=handle, name=name, email=email, now=now, actor=caller.actor,
                actor_kind=caller.actor_kind, client=client_address(request))
            relink = "email" in change.changed and change.links_spent > 0 and person.password_hash is None
    except (InvalidInput, NotFound, Conflict) as exc:
        chosen = _lang(request, lang, caller.workspace)
        typed = None if isinstance(exc, NotFound) else {"id": user_id, "name": name, "email": email}
        return _page(request, db, caller, settings, now, lang=lang, everyone=all == "1", editing=typed,
                     error=_problem(chosen, exc, handle=handle), code=exc.http_status)
    notice = "unchanged" if not change.changed else "profile_relink" if relink else "profile"
    return _done(lang, all, done=notice, who=user_id)


@router.post("/admin/people/{user_id}/invitation", response_class=HTMLResponse)
def resend_invitation(
    request: Request, user_id: RowId, db: DbDep, now: NowDep, settings: SettingsDep, caller: AdminForm,
    all: Annotated[str | None, Form(max_length=1)] = None,
    lang: Annotated[str | None, Form(max_length=8)] = None,
) -> Response:
    """A new invitation e-mail for someone who has not chosen a password yet (the earlier
    links stop working; audited as invitation_resent), sent now so the page can say whether
    it went. Without e-mail set up nothing changes: the page says so and fills in the add
    form for them, to type a first password instead."""
    chosen = _lang(request, lang, caller.workspace)
    mail = _smtp(settings)
    handle = ""
    try:
        with (db.write() if mail else db.read()) as session:
            workspace = session.get_one(Workspace, caller.workspace.id)
            person = people.get_person(session, workspace=workspace, user_id=user_id)
            handle = person.handle
            if not mail:
                people.check_resendable(session, user=person)  # someone who could not be invited hears why
                instead = {"handle": handle, "name": person.name or "", "email": person.email or "",
                           "role": person.role, "how": "password"}
            else:
                user, token = people.resend_invitation(
                    session, workspace=workspace, handle=handle, now=now, actor=caller.actor,
                    actor_kind=caller.actor_kind, client=client_address(request))
                mail_lang = negotiate(None, user.locale or workspace.locale, chosen)  # theirs, if they chose
                message = _invite_mail(settings, to=user.email or "", name=user.name, handle=user.handle,
                                       who=caller.actor, workspace=workspace, token=token, lang=mail_lang, now=now)
    except (NotFound, Conflict) as exc:
        return _page(request, db, caller, settings, now, lang=lang, everyone=all == "1",
                     error=_problem(chosen, exc, handle=handle), code=exc.http_status)
    if not mail:
        return _page(request, db, caller, settings, now, lang=lang, everyone=all == "1", form=instead,
                     error=_form_refusal(chosen, "resend_no_mail", handle), code=422)
    sent = _send_invitation(db, settings, message, now)
    return _done(lang, all, done="reinvited" if sent else "reinvite_failed", who=user_id)
