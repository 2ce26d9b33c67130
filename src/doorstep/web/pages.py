"""The HTML pages: the public survey behind an invitation token, and the first dashboard.

As thin as api/: parse the request, call the service inside one unit of work,
render. Pages are server-rendered and work without JavaScript. User text reaches
the HTML only through Jinja's autoescape; no template marks anything ``|safe``.
There is no inline script or style, so a strict Content-Security-Policy can come
later without touching the templates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import jinja2
from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import escape
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.routing import Route

from doorstep import __version__
from doorstep.accounts.models import ROLES, Workspace
from doorstep.api.deps import Caller, DbDep, NowDep
from doorstep.cases.services import count_open_cases
from doorstep.db import Database
from doorstep.errors import DoorstepError, InvalidInput
from doorstep.stats import classify
from doorstep.surveys.metrics import nps_summary
from doorstep.surveys.services import (
    MAX_COMMENT,
    AmendRefused,
    Answer,
    Answered,
    SurveyView,
    amend_click_answer,
    answer_by_click,
    check_score,
    click_amendable,
    open_survey,
    peek_survey,
    submit_responses,
)
from doorstep.web.guards import require_page
from doorstep.web.i18n import DEFAULT_LANGUAGE, count_text, negotiate, normalise, other_language, t, url_code
from doorstep.web.language import page_language
from doorstep.web.ratelimit import limit_survey

HERE = Path(__file__).parent

templates = Jinja2Templates(env=jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,  # every page, whatever its file name: user text is always escaped
    undefined=jinja2.StrictUndefined,  # a misspelt variable fails the tests instead of printing nothing
    trim_blocks=True,
    lstrip_blocks=True,
    # Templates ship with the package and do not change under a running server: no stat()
    # of every template file on every page drawn.
    auto_reload=False,
))

templates.env.filters["num"] = count_text  # {{ n|num }}: a count grouped by thousands, as t() shows counts

router = APIRouter(include_in_schema=False)  # pages are not part of the JSON API's OpenAPI document

# A survey page is reachable by anyone holding the token: never cache it in a shared
# cache, never send the token on in a Referer, keep it out of search engines.
PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


def mount_static(app: FastAPI) -> None:
    """Serve the CSS and icons from the package itself: no CDN, works offline."""
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")


def _render(
    request: Request,
    template: str,
    lang: str,
    *,
    status: int = 200,
    private: bool = False,
    switch_params: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    caller = getattr(request.state, "caller", None)
    return templates.TemplateResponse(
        request,
        template,
        {
            **_page_context(lang, switch_params),
            # Who is signed in (set by doorstep.web.guards), for the top bar and every form's CSRF field.
            "me": caller,
            "csrf_token": getattr(caller, "csrf_token", ""),
            **context,
        },
        status_code=status,
        headers=_page_headers(lang, private),
    )


def _page_context(lang: str, switch_params: dict[str, str] | None = None) -> dict[str, Any]:
    """What every page's layout reads: its language, the other one, and the version."""
    other = other_language(lang)
    return {
        "lang": lang,
        "t": partial(t, lang),
        "other_lang": other,
        "t_other": partial(t, other),
        # A query-only link keeps the page's path: /s/<token>?lang=en.
        "switch_href": "?" + urlencode({"lang": url_code(other), **(switch_params or {})}),
        "version": __version__,
    }


def _page_headers(lang: str, private: bool) -> dict[str, str]:
    headers = {"Content-Language": lang, "Vary": "Accept-Language"}
    return headers | PRIVATE_HEADERS if private else headers


def _error_page(request: Request, exc: DoorstepError, lang: str | None) -> HTMLResponse:
    # The message of a DoorstepError is safe but English and written for operators; a
    # customer gets our own bilingual text for the status, and nothing else.
    kind = str(exc.http_status) if exc.http_status in (404, 410) else "other"
    chosen = negotiate(request.headers.get("accept-language"), lang, DEFAULT_LANGUAGE)
    return _render(request, "error.html", chosen, status=exc.http_status, private=True, kind=kind)


def wants_page(request: Request) -> bool:
    """A person's browser asking for a page (not the API, its docs or a file): it gets HTML, not JSON."""
    if request.method not in ("GET", "HEAD") or "text/html" not in request.headers.get("accept", ""):
        return False
    return not request.url.path.startswith(("/api/", "/docs", "/redoc", "/static/", "/healthz"))


def no_such_page(request: Request, status: int) -> HTMLResponse:
    """A mistyped or stale address (404), or one whose id is not a number (422), in both languages."""
    lang = request.query_params.get("lang")
    chosen = negotiate(request.headers.get("accept-language"), lang, DEFAULT_LANGUAGE)
    return _render(request, "error.html", chosen, status=status, private=True, kind="page")


def rate_limited_page(request: Request, retry_after: int) -> HTMLResponse:
    """429 for a person: wait this long, in their language and the other one."""
    lang = request.query_params.get("lang")
    chosen = negotiate(request.headers.get("accept-language"), lang, DEFAULT_LANGUAGE)
    return _render(request, "too_many.html", chosen, status=429, private=True, seconds=retry_after)


# --- the survey ---------------------------------------------------------------------

# Every /s/… route counts against its token's and the client address's rate limits
# (doorstep.web.ratelimit: in memory, no database work).
SURVEY_LIMITS = [Depends(limit_survey)]


@dataclass
class SurveyForm:
    """What the customer has chosen or typed so far, to show it again after an error."""

    score: int | None = None
    comment: str = ""
    stage: str | None = None  # None: not answered; "": "nothing went wrong"


def _survey_language(request: Request, view: SurveyView, lang: str | None) -> str:
    """?lang= first, then the customer's locale, then the browser's, then the workspace's."""
    preferred = lang if normalise(lang) else view.customer_locale
    return negotiate(request.headers.get("accept-language"), preferred, view.workspace_locale)


def _stage_choices(view: SurveyView, lang: str) -> list[tuple[str, str]]:
    return [(key, name_zh if lang == "zh-CN" and name_zh else name) for key, name, name_zh in view.stages]


def _problem_message(exc: InvalidInput, lang: str) -> str:
    field = exc.problem.field
    if field == "score":
        return t(lang, "survey.error_score")
    if field == "comment":
        return t(lang, "survey.error_comment", limit=f"{MAX_COMMENT:,}" if lang == "en" else str(MAX_COMMENT))
    if field == "stage":
        return t(lang, "survey.error_stage")
    return t(lang, "survey.error_other")


def _survey_form(
    request: Request, view: SurveyView, lang: str, form: SurveyForm, *, error: str | None = None, status: int = 200
) -> HTMLResponse:
    switch = {"score": str(form.score)} if form.score is not None and error is None else None
    return _render(
        request, "survey.html", lang, status=status, private=True, switch_params=switch,
        view=view, form=form, stages=_stage_choices(view, lang), error=error, max_comment=MAX_COMMENT,
    )


def _answered(
    request: Request, view: SurveyView, lang: str, *, created: bool, notice: str | None = None, status: int = 200
) -> HTMLResponse:
    score = view.answered_score
    assert score is not None  # only called for an answered invitation
    if notice is None:
        body = thanks_page(lang, view.workspace_name, created, score, view.answered_comment)
        return HTMLResponse(body, status_code=status, headers=_page_headers(lang, private=True))
    return _render(
        request, "thanks.html", lang, status=status, private=True,
        view=view, created=created, score=score, kind=classify(score), comment=view.answered_comment,
        why=False, notice=notice,
    )


def thanks_page(lang: str, workspace_name: str, created: bool, score: int, comment: str | None) -> str:
    """The thank-you page after an answer, drawn once per (language, workspace, new or not,
    score) and reused: Jinja was 14% of an answer's time under load. The page shows only
    those and the comment, which goes where the template put a marker, escaped as the
    template escapes it. tests/web/test_survey_page_cache.py holds it to the page drawn
    afresh, with every kind of comment."""
    if comment is None:
        return _thanks_plain(lang, workspace_name, created, score)
    halves = _thanks_halves(lang, workspace_name, created, score)
    if halves is None:  # the template shows the comment other than once: draw it
        return _thanks_drawn(lang, workspace_name, created, score, comment)
    # str(): Markup + str would escape the page around it.
    return halves[0] + str(escape(comment)) + halves[1]


_COMMENT_MARK = "doorstepCommentMark7f3a9c"  # letters and digits: escaping leaves it as it is


@lru_cache(maxsize=2048)
def _thanks_halves(lang: str, workspace_name: str, created: bool, score: int) -> tuple[str, str] | None:
    page = _thanks_drawn(lang, workspace_name, created, score, _COMMENT_MARK)
    before, mark, after = page.partition(_COMMENT_MARK)
    return (before, after) if mark and _COMMENT_MARK not in after else None


@lru_cache(maxsize=2048)
def _thanks_plain(lang: str, workspace_name: str, created: bool, score: int) -> str:
    return _thanks_drawn(lang, workspace_name, created, score, None)


def _thanks_drawn(lang: str, workspace_name: str, created: bool, score: int, comment: str | None) -> str:
    view = SurveyView(
        token="", workspace_name=workspace_name, delivery_external_id="", delivered_at=None, customer_locale=None,
        workspace_locale=lang, stages=[], answered_score=score, answered_comment=comment,
    )
    context = _page_context(lang) | {
        "me": None, "csrf_token": "", "view": view, "created": created, "score": score, "kind": classify(score),
        "comment": comment, "why": False, "notice": None,
    }
    return templates.get_template("thanks.html").render(context)


def _why_page(
    request: Request, view: SurveyView, lang: str, *, created: bool, form: SurveyForm | None = None,
    error: str | None = None, status: int = 200,
) -> HTMLResponse:
    """A clicked score is in: thank, and ask why (comment and, optionally, the stage)."""
    score = view.answered_score
    assert score is not None
    return _render(
        request, "thanks.html", lang, status=status, private=True,
        view=view, created=created, score=score, kind=classify(score), comment=view.answered_comment,
        why=True, form=form or SurveyForm(), stages=_stage_choices(view, lang), error=error,
        max_comment=MAX_COMMENT,
    )


def _refusal_message(reason: str, lang: str) -> str:
    if reason == "commented":
        return t(lang, "click.refused_commented")
    if reason == "too_late":
        return t(lang, "click.refused_too_late")
    return t(lang, "click.refused_other")


@router.api_route("/s/{token}", methods=["GET", "HEAD"], response_class=HTMLResponse, dependencies=SURVEY_LIMITS)
def survey_page(
    request: Request, token: str, db: DbDep, now: NowDep, lang: str | None = None, score: str | None = None
) -> HTMLResponse:
    """The survey. ``?score=N`` — one of the eleven links in an invitation e-mail — records
    that score at once and asks why.

    Recording on GET bends the rule that a GET changes nothing, on purpose: the issue asks
    for the score to be one click in the e-mail, and a form cannot live in an e-mail
    (Outlook, Gmail and QQ Mail drop forms and scripts). The risk is a mail security
    scanner that fetches the links before the customer does. What limits the harm: a HEAD
    request (what most link checkers send) records nothing; an invitation holds a single
    answer, so the first link fetched wins and every later one only shows that answer
    (a scanner walking 0…10 cannot end on 10, nor can a customer's second click change a
    score); the answer is marked ``source: email-click`` so such answers can be told
    apart; and the page a click opens asks the customer why, so a comment confirms that
    a person was there.
    """
    if request.method == "HEAD":
        try:
            with db.read() as session:
                view = peek_survey(session=session, token=token, now=now)
        except DoorstepError as exc:
            return _error_page(request, exc, lang)
        return _survey_form(request, view, _survey_language(request, view, lang), SurveyForm())
    clicked: int | None = None
    bad_score = False
    if score is not None:
        try:
            clicked = check_score(score)
        except InvalidInput:
            bad_score = True  # a mangled e-mail link: the survey, with a word on why nothing was kept
    try:
        with db.write() as session:  # a write: the first opening (and a clicked score) is recorded
            if clicked is None:
                view = open_survey(session=session, token=token, now=now)
                created, amendable = False, False
            else:
                view, created = answer_by_click(session=session, token=token, score=clicked, now=now)
                amendable = click_amendable(session=session, token=token, now=now)
    except DoorstepError as exc:
        return _error_page(request, exc, lang)
    lang = _survey_language(request, view, lang)
    if view.answered_score is not None:
        if amendable:
            return _why_page(request, view, lang, created=created)
        return _answered(request, view, lang, created=created)
    error = t(lang, "click.bad_score") if bad_score else None
    return _survey_form(request, view, lang, SurveyForm(), error=error)


def _form_text(form: FormData, name: str) -> str | None:
    """A form field as FastAPI's ``Form()`` reads it: the last value; empty or a file is None."""
    value = form.get(name)
    return value if isinstance(value, str) and value else None


async def survey_submit(request: Request) -> HTMLResponse:
    """``POST /s/{token}``: a plain form post; the unguessable token is the capability, so
    there is no CSRF token.

    The busiest route there is, so it asks for what it needs itself: FastAPI's solving of
    four ``Form()`` fields and three dependencies cost more per answer than the bare
    insert it is measured against (bench/bench_trust.py), and so did walking the
    included routers to find it. It is a plain Starlette route, ahead of every router
    (:data:`SURVEY_ANSWER`). The page is not part of the OpenAPI document, so nothing
    outside sees the difference.

    The database work is group-committed (``Database.call_grouped``: the answers that
    arrive while one batch is being stored are stored together, in one transaction, on
    the writer); the page is drawn back on the event loop."""
    token: str = request.path_params["token"]
    await limit_survey(request)
    db: Database = request.app.state.db
    now: dt.datetime = request.app.state.clock()
    async with request.form() as fields:
        score, comment, stage, lang = (_form_text(fields, name) for name in ("score", "comment", "stage", "lang"))
    # Browsers send line breaks as CRLF; count and store them as one character, as typed.
    comment = comment.replace("\r\n", "\n") if comment is not None else None
    form = SurveyForm(comment=comment or "", stage=stage)
    try:
        outcome = await db.call_grouped(_store_answers, Answer(token, score, comment, stage or None, now))
    except DoorstepError as exc:
        return _error_page(request, exc, lang)
    chosen = _survey_language(request, outcome.view, lang)
    if outcome.problem is None or outcome.view.answered_score is not None:
        return _answered(request, outcome.view, chosen, created=outcome.created)
    # Nothing was stored; show the form again with what the customer typed.
    if outcome.problem.problem.field == "score":
        form.score = None
    else:
        form.score = check_score(score)
    return _survey_form(
        request, outcome.view, chosen, form, error=_problem_message(outcome.problem, chosen), status=422
    )


SURVEY_ANSWER = Route("/s/{token}", survey_submit, methods=["POST"], name="survey_submit")


def _store_answers(db: Database, answers: list[Answer]) -> list[Answered | DoorstepError]:
    """One batch of survey answers, one transaction (see ``Database.call_grouped``)."""
    with db.write() as session:
        return submit_responses(session=session, answers=answers)


@router.post("/s/{token}/why", response_class=HTMLResponse, dependencies=SURVEY_LIMITS)
def survey_why(
    request: Request,
    token: str,
    db: DbDep,
    now: NowDep,
    comment: Annotated[str | None, Form()] = None,
    stage: Annotated[str | None, Form()] = None,
    lang: Annotated[str | None, Form()] = None,
) -> HTMLResponse:
    """The "why?" after a clicked score: adds comment and stage to that answer, once."""
    comment = comment.replace("\r\n", "\n") if comment is not None else None
    form = SurveyForm(comment=comment or "", stage=stage)
    try:
        try:
            with db.write() as session:
                view, _changed = amend_click_answer(
                    session=session, token=token, comment=comment, stage=stage or None, now=now
                )
        except (InvalidInput, AmendRefused) as exc:
            with db.read() as session:  # nothing was written; show why, keep what was typed
                view = peek_survey(session=session, token=token, now=now)
            chosen = _survey_language(request, view, lang)
            if isinstance(exc, InvalidInput):
                return _why_page(request, view, chosen, created=False, form=form,
                                 error=_problem_message(exc, chosen), status=422)
            if view.answered_score is None:
                return _survey_form(request, view, chosen, SurveyForm(),
                                    error=_refusal_message(exc.reason, chosen), status=409)
            return _answered(request, view, chosen, created=False,
                             notice=_refusal_message(exc.reason, chosen), status=409)
    except DoorstepError as exc:
        return _error_page(request, exc, lang)
    return _answered(request, view, _survey_language(request, view, lang), created=True)


# --- the dashboard ------------------------------------------------------------------

AXIS_START = 0.0  # SVG x of −100
AXIS_WIDTH = 200.0  # one unit per NPS point


def axis_x(value: float) -> float:
    """Where an NPS value sits on the dashboard's −100…100 axis, in SVG units."""
    return round(AXIS_START + (min(100.0, max(-100.0, value)) + 100.0) * AXIS_WIDTH / 200.0, 2)


@dataclass(frozen=True)
class WorkspaceCard:
    name: str
    slug: str
    nps: float | None
    ci95: tuple[float, float] | None
    responses: int
    promoters: int
    passives: int
    detractors: int
    open_cases: int

    def share(self, count: int) -> float:
        """Percent of the responses, for the split bar."""
        return 100.0 * count / self.responses if self.responses else 0.0

    def interval(self) -> dict[str, float]:
        """SVG geometry of the interval bar."""
        assert self.nps is not None and self.ci95 is not None
        low, high = axis_x(self.ci95[0]), axis_x(self.ci95[1])
        return {"x": low, "width": max(high - low, 1.0), "point": axis_x(self.nps),
                "zero": axis_x(0.0), "start": axis_x(-100.0), "end": axis_x(100.0)}

    def split(self) -> list[tuple[str, float, float, int]]:
        """(kind, x, width, count) for the promoters | passives | detractors bar, in percent."""
        segments, x = [], 0.0
        for kind, count in (("promoters", self.promoters), ("passives", self.passives),
                            ("detractors", self.detractors)):
            width = self.share(count)
            segments.append((kind, round(x, 2), round(width, 2), count))
            x += width
        return segments


def _card(session: Session, workspace: Workspace) -> WorkspaceCard:
    summary = nps_summary(session=session, workspace=workspace)
    ci = summary["ci95"]
    return WorkspaceCard(
        name=workspace.name, slug=workspace.slug, nps=summary["nps"], ci95=(ci[0], ci[1]) if ci else None,
        responses=summary["responses"], promoters=summary["promoters"], passives=summary["passives"],
        detractors=summary["detractors"],
        open_cases=count_open_cases(session=session, workspace=workspace),
    )


def _overview(db: Database, workspace_id: int) -> list[WorkspaceCard]:
    # One read unit of work for the whole page, so the figures agree with each other.
    with db.read() as session:
        return [_card(session, session.get_one(Workspace, workspace_id))]


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request, db: DbDep, now: NowDep, caller: Annotated[Caller, Depends(require_page(*ROLES))],
    lang: str | None = None,
) -> HTMLResponse:
    """The signed-in person's workspace at a glance: NPS with its interval, the split,
    open cases. Every role may see it (it is where signing in lands)."""
    chosen = page_language(request, lang, caller.workspace.locale)
    return _render(request, "dashboard.html", chosen, cards=_overview(db, caller.workspace.id),
                   generated_at=now.astimezone(dt.UTC))
