"""/account: the signed-in person's own page, for every role.

It shows who they are (handle, name, e-mail, role, workspace) and has three forms, each
with the session's CSRF token (doorstep.web.guards) and Post/Redirect/Get:

* the password: current one, the new one twice (doorstep.accounts.profile). A wrong
  current password counts toward the login's limits; a change signs out every other
  session of the person and keeps this one. Passwords are never put back in the page.
* the language: zh-CN, English, or follow the browser. It then speaks on every page
  of theirs (doorstep.web.language) and in the e-mails sent to them.
* the e-mails: "E-mail me when my notes are answered", on by default
  (doorstep.frontline.replies); off, no answer to their notes is e-mailed, not even one
  already waiting to be sent.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from doorstep.accounts import profile
from doorstep.accounts.models import ROLES, User, Workspace
from doorstep.api.deps import Caller, DbDep, NowDep
from doorstep.errors import InvalidInput
from doorstep.web.auth import _client as client_of  # the address the login's limits count
from doorstep.web.guards import require_form, require_page
from doorstep.web.i18n import normalise, url_code
from doorstep.web.language import page_language
from doorstep.web.pages import _render as render

router = APIRouter(include_in_schema=False)

AnyonePage = Annotated[Caller, Depends(require_page(*ROLES))]
AnyoneForm = Annotated[Caller, Depends(require_form(*ROLES))]

# Why a form was refused → the page's HTTP status.
STATUS = {"mismatch": 422, "weak": 422, "wrong": 422, "locked": 429, "language": 422}
NOTICES = ("password", "language", "emails")
CHOICES = ("auto", *profile.LOCALES)  # the language form's values; "auto" follows the browser


def _page(request: Request, db: Any, caller: Caller, lang: str | None, *, notice: str | None = None,
          error: str | None = None, form: str | None = None) -> HTMLResponse:
    """The page; ``error`` says why ``form`` ("password", "language") was refused."""
    with db.read() as session:
        user = session.get_one(User, caller.user_id)
        workspace = session.get_one(Workspace, user.workspace_id)
        chosen = page_language(request, lang, workspace.locale)
        me = {"handle": user.handle, "name": user.name, "email": user.email, "role": user.role,
              "locale": user.locale or "auto", "note_answer_emails": user.note_answer_emails}
        space = {"name": workspace.name, "slug": workspace.slug}
    return render(request, "account.html", chosen, status=STATUS.get(error or "", 200), private=True,
                  person=me, space=space, notice=notice if notice in NOTICES else None,
                  error=error, form=form, choices=CHOICES)


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, db: DbDep, caller: AnyonePage, lang: str | None = None,
                 done: str | None = None) -> HTMLResponse:
    """Who the person is, their language, and the form that changes their password."""
    return _page(request, db, caller, lang, notice=done)


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request, db: DbDep, now: NowDep, caller: AnyoneForm,
    current: Annotated[str, Form(max_length=4096)] = "",
    password: Annotated[str, Form(max_length=4096)] = "",
    confirm: Annotated[str, Form(max_length=4096)] = "",
    lang: Annotated[str | None, Form()] = None,
) -> Response:
    """Change one's own password; this session stays, every other one ends."""
    assert caller.user_id is not None  # a page session always has its person
    if password != confirm:  # before any verification: a typo costs no attempt
        return _page(request, db, caller, lang, error="mismatch", form="password")
    try:
        with db.write() as session:  # a refusal commits too: it is a failed login in the audit log
            refused = profile.change_password(session, user_id=caller.user_id, current=current, new=password,
                                              keep=caller.session_secret, now=now, client=client_of(request))
    except InvalidInput:
        return _page(request, db, caller, lang, error="weak", form="password")
    if refused is not None:
        return _page(request, db, caller, lang, error="wrong" if refused == "wrong_password" else "locked",
                     form="password")
    shown = normalise(lang)  # the language the form was in, kept for the page after it
    params = {"done": "password", **({"lang": url_code(shown)} if shown else {})}
    return RedirectResponse(f"/account?{urlencode(params)}", status_code=303)


@router.post("/account/language", response_class=HTMLResponse)
def change_language(
    request: Request, db: DbDep, caller: AnyoneForm,
    locale: Annotated[str, Form(max_length=16)] = "",
    lang: Annotated[str | None, Form()] = None,
) -> Response:
    """Save the language of one's pages and e-mails (``auto``: follow the browser)."""
    assert caller.user_id is not None
    try:
        with db.write() as session:
            profile.set_locale(session, user_id=caller.user_id, locale=None if locale == "auto" else locale)
    except InvalidInput:
        return _page(request, db, caller, lang, error="language", form="language")
    # No ?lang= on the way back: the page shows the language just chosen.
    return RedirectResponse("/account?done=language", status_code=303)


@router.post("/account/emails", response_class=HTMLResponse)
def change_emails(
    request: Request, db: DbDep, caller: AnyoneForm,
    note_answer_emails: Annotated[str | None, Form(max_length=16)] = None,
    lang: Annotated[str | None, Form()] = None,
) -> Response:
    """Turn the e-mail that says one's note was answered on or off."""
    assert caller.user_id is not None
    # A checkbox: a browser sends the field when it is ticked and leaves it out when not.
    with db.write() as session:
        profile.set_note_answer_emails(session, user_id=caller.user_id, on=bool(note_answer_emails))
    shown = normalise(lang)
    params = {"done": "emails", **({"lang": url_code(shown)} if shown else {})}
    return RedirectResponse(f"/account?{urlencode(params)}", status_code=303)
