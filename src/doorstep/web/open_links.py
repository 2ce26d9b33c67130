"""The public page behind an open link: /o/{token}, scanned from a receipt or a slide.

Mobile-first, server-rendered, no JavaScript. It asks which delivery (unless the link
is fixed to one; ``?ref=`` prefills it, so a receipt's QR code can carry its own
order number), then the score, why, and which step went wrong.

"One answer per device per delivery" needs a device: a random id in the ``ds_device``
cookie (HttpOnly, SameSite=Lax, Secure over HTTPS, one year), set on the first visit.
A browser that refuses cookies gets a new id on every post, so it is not held to one
answer: nobody is asked to log in to say how their delivery went.

``/o/{token}/card`` is a card to print or show on a meeting's screen (the QR code from
``/o/{token}/qr.svg``, the address, one line in both languages).

The token is printed on paper, so it is not a secret and there is no CSRF token:
a cross-site post carries no device cookie (SameSite=Lax) and counts as a new device,
which is no more than anyone holding the link can do anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from doorstep.api.deps import DbDep, NowDep, SettingsDep
from doorstep.api.links import image
from doorstep.channels.qr import render as render_qr
from doorstep.config import Settings
from doorstep.errors import DoorstepError, InvalidInput
from doorstep.stats import classify
from doorstep.surveys.open_links import (
    MAX_REFERENCE,
    OpenLinkView,
    answer,
    clean_reference,
    link_url,
    new_device_id,
    open_link,
    valid_device_id,
)
from doorstep.surveys.services import MAX_COMMENT, check_score
from doorstep.web.i18n import negotiate, url_code
from doorstep.web.pages import _error_page as error_page
from doorstep.web.pages import _render as render  # the one page renderer: language, switch link, version
from doorstep.web.ratelimit import limit_open_link

# Every /o/… route counts against the link's and the client address's rate limits.
router = APIRouter(include_in_schema=False, dependencies=[Depends(limit_open_link)])

DEVICE_COOKIE = "ds_device"
DEVICE_COOKIE_SECONDS = 365 * 24 * 3600


@dataclass
class LinkForm:
    """What the respondent has chosen or typed so far, to show it again after an error."""

    reference: str = ""
    score: int | None = None
    comment: str = ""
    stage: str | None = None  # None: not answered; "": "nothing went wrong"


def _device(request: Request) -> tuple[str, bool]:
    """(device id, whether it is new and must be set)."""
    current = request.cookies.get(DEVICE_COOKIE)
    if valid_device_id(current):
        assert current is not None
        return current, False
    return new_device_id(), True


def _remember(response: HTMLResponse, request: Request, settings: Settings, device_id: str, new: bool) -> HTMLResponse:
    if new:
        # Secure when the visitor came over HTTPS, or the public address is HTTPS (TLS
        # ended at a proxy that does not tell us the scheme).
        secure = request.url.scheme == "https" or settings.base_url.startswith("https://")
        response.set_cookie(
            DEVICE_COOKIE, device_id, max_age=DEVICE_COOKIE_SECONDS, path="/o", httponly=True, samesite="lax",
            secure=secure,
        )
    return response


def _lang(request: Request, view: OpenLinkView, lang: str | None) -> str:
    """?lang= first, then the browser's, then the workspace's."""
    return negotiate(request.headers.get("accept-language"), lang, view.workspace_locale)


def _switch(view: OpenLinkView, reference: str | None) -> dict[str, str]:
    # The language link keeps the reference typed or carried in the URL.
    ref = reference or view.reference
    return {"ref": ref} if ref and view.fixed_reference is None else {}


def _form(
    request: Request, view: OpenLinkView, lang: str, form: LinkForm, *, error: str | None = None, status: int = 200
) -> HTMLResponse:
    stages = [(key, zh if lang == "zh-CN" and zh else name) for key, name, zh in view.stages]
    return render(
        request, "open_link.html", lang, status=status, private=True, switch_params=_switch(view, form.reference),
        view=view, form=form, stages=stages, error=error, done=False, created=False, kind=None,
        max_comment=MAX_COMMENT, max_reference=MAX_REFERENCE, lang_code=url_code(lang),
        comment_limit=f"{MAX_COMMENT:,}" if lang == "en" else str(MAX_COMMENT),
    )


def _done(request: Request, view: OpenLinkView, lang: str, *, created: bool) -> HTMLResponse:
    score = view.answered_score
    assert score is not None  # only called with an answer
    return render(
        request, "open_link.html", lang, private=True, switch_params=_switch(view, None),
        view=view, form=LinkForm(), stages=[], error=None, done=True, created=created, kind=classify(score),
        max_comment=MAX_COMMENT, max_reference=MAX_REFERENCE, lang_code=url_code(lang), comment_limit="",
    )


def _error_kind(exc: InvalidInput, reference: str) -> str:
    field = exc.problem.field
    if field == "reference":
        return "reference_unknown" if reference.strip() else "reference_missing"
    return field if field in ("score", "comment", "stage") else "other"


@router.get("/o/{token}", response_class=HTMLResponse)
def open_link_page(
    request: Request, token: str, db: DbDep, settings: SettingsDep, lang: str | None = None, ref: str | None = None
) -> HTMLResponse:
    """The form, or this device's answer when it already gave one for this delivery."""
    device_id, new = _device(request)
    reference = (ref or "")[:MAX_REFERENCE]
    try:
        with db.read() as session:
            view = open_link(session=session, token=token, reference=reference or None, device_id=device_id)
    except DoorstepError as exc:
        return error_page(request, exc, lang)
    chosen = _lang(request, view, lang)
    if view.answered_score is not None:
        return _remember(_done(request, view, chosen, created=False), request, settings, device_id, new)
    page = _form(request, view, chosen, LinkForm(reference=reference))
    return _remember(page, request, settings, device_id, new)


@router.post("/o/{token}", response_class=HTMLResponse)
def open_link_submit(
    request: Request,
    token: str,
    db: DbDep,
    now: NowDep,
    settings: SettingsDep,
    reference: Annotated[str | None, Form()] = None,
    score: Annotated[str | None, Form()] = None,
    comment: Annotated[str | None, Form()] = None,
    stage: Annotated[str | None, Form()] = None,
    lang: Annotated[str | None, Form()] = None,
) -> HTMLResponse:
    device_id, new = _device(request)
    # Browsers send line breaks as CRLF; count and store them as one character, as typed.
    comment = comment.replace("\r\n", "\n") if comment is not None else None
    form = LinkForm(reference=(reference or "")[: MAX_REFERENCE * 2], comment=comment or "", stage=stage)
    try:
        try:
            form.score = check_score(score)
            with db.write() as session:
                view, created = answer(
                    session=session, token=token, delivery_ref=reference, device_id=device_id, score=form.score,
                    comment=comment, stage=stage or None, now=now,
                )
        except InvalidInput as exc:
            # Nothing was written; show the form again with what was typed.
            with db.read() as session:
                view = open_link(session=session, token=token, reference=reference, device_id=device_id)
            chosen = _lang(request, view, lang)
            if view.answered_score is not None:
                return _remember(_done(request, view, chosen, created=False), request, settings, device_id, new)
            if exc.problem.field == "score":
                form.score = None
            page = _form(request, view, chosen, form, error=_error_kind(exc, form.reference), status=422)
            return _remember(page, request, settings, device_id, new)
    except DoorstepError as exc:
        return error_page(request, exc, lang)
    return _remember(_done(request, view, _lang(request, view, lang), created=created), request, settings, device_id,
                     new)


# --- the printable card ------------------------------------------------------------


def _card_reference(view: OpenLinkView, ref: str | None) -> str | None:
    if view.fixed_reference is not None or not ref:
        return None  # a fixed link carries no reference
    try:
        return clean_reference(ref)
    except InvalidInput:
        return None


@router.get("/o/{token}/qr.{kind}")
def open_link_qr(
    token: str, kind: Literal["png", "svg"], db: DbDep, settings: SettingsDep, ref: str | None = None
) -> Response:
    """The link's QR code. Public like the link itself: whoever holds the token can already
    answer, and a code is only the token drawn (the card below shows it)."""
    try:
        with db.read() as session:
            view = open_link(session=session, token=token)
    except DoorstepError as exc:
        return PlainTextResponse(str(exc), status_code=exc.http_status, headers={"Cache-Control": "no-store"})
    reference = _card_reference(view, ref)
    url = link_url(settings.base_url, view.token, reference)
    return image(render_qr(url, kind), kind, "survey" + (f"-{reference}" if reference else ""))


@router.get("/o/{token}/card", response_class=HTMLResponse)
def open_link_card(
    request: Request, token: str, db: DbDep, settings: SettingsDep, lang: str | None = None, ref: str | None = None
) -> HTMLResponse:
    """A card to print or put on the meeting's screen: the QR code, the address, a line to
    say what it is, in the page's language with the other one underneath."""
    try:
        with db.read() as session:
            view = open_link(session=session, token=token)
    except DoorstepError as exc:
        return error_page(request, exc, lang)
    chosen = _lang(request, view, lang)
    reference = _card_reference(view, ref)
    query = "?" + urlencode({"ref": reference}) if reference else ""
    return render(
        request, "open_link_card.html", chosen, private=True, switch_params={"ref": reference} if reference else {},
        view=view, url=link_url(settings.base_url, view.token, reference), qr_src=f"/o/{view.token}/qr.svg{query}",
        reference=reference or view.fixed_reference,
    )
