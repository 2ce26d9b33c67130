"""The insight pages of one workspace, and Plotly served from its own package.

* ``GET /w/{slug}``: the NPS trend with its interval band, the change against the
  previous period and whether it is real, the stage funnel (where deliveries run late,
  where scores fall), the drivers, lateness against score, the latest detractors' words.
* ``GET /w/{slug}/verbatims``: the comments explorer, a plain GET form.
* ``GET /static/vendor/plotly.min.js``: the copy of plotly.js inside the installed
  ``plotly`` package, so the charts draw without internet access.

As thin as api/: parse the query, one read unit of work calling the insight services,
render. Every chart gets its numbers as a ``<script type="application/json">`` block
(Jinja's ``tojson``, which escapes ``<``, ``>`` and ``&``) that static/charts.js reads:
there is no inline script, so a strict Content-Security-Policy can come later. Every
chart also has a table with the same numbers, for people without JavaScript and for
the tests. Messages are looked up in the templates only (tests/web/test_i18n.py scans
them), so this module hands over numbers and keys, never prose.

Admins, CS people and executives see these pages, of their own workspace only: another
workspace's slug answers 404 like one that does not exist.
"""

from __future__ import annotations

import datetime as dt
import gzip
import math
from dataclasses import dataclass
from functools import cache
from importlib import metadata, resources
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from doorstep.accounts.models import Workspace
from doorstep.accounts.services import get_workspace
from doorstep.api.deps import Caller, DbDep, NowDep
from doorstep.deliveries.services import list_stages
from doorstep.errors import InvalidInput, NotFound
from doorstep.insight.clustering import emerging_topics
from doorstep.insight.drivers import theme_counts
from doorstep.insight.ops import lateness_effect, stage_table
from doorstep.insight.services import driver_report, unthemed_complaints, workspace_taxonomy
from doorstep.insight.verbatims import LABELS, VerbatimFilter, search_responses
from doorstep.stats import classify
from doorstep.surveys.metrics import DEFAULT_COMPARE_DAYS, EVERY, nps_compare, nps_summary, trend
from doorstep.timeutil import parse_bound, zone
from doorstep.web.guards import require_page
from doorstep.web.i18n import url_code
from doorstep.web.language import page_language
from doorstep.web.pages import _render as render  # the one page renderer: language, switch link, version

router = APIRouter(include_in_schema=False)

InsightReader = Annotated[Caller, Depends(require_page("cs", "exec"))]


def _own_workspace(session: Session, caller: Caller, slug: str) -> Workspace:
    """The signed-in person's workspace if ``slug`` names it; any other answers NotFound."""
    if slug != caller.workspace.slug:
        raise NotFound(f"workspace '{slug[:64]}' does not exist")
    return get_workspace(session=session, slug=slug)

PAGE_SIZE = 25  # comments per page of the explorer
PREVIEW = 5  # detractor comments on the insight page
MAX_DRIVERS = 15  # bars in the drivers chart; a longer tail is noise on a phone
# The newest unhappy comments no theme covers, grouped into topics on every view of the page:
# what is new is what matters, and 1,000 cluster in about a tenth of a second.
TOPIC_COMMENTS = 1000
PRESET_DAYS = (30, 90, 365)
LANGUAGES = ("zh", "en")  # what the analysis stores in Response.language

# --- plotly.js, from the installed package ------------------------------------------

PLOTLY_VERSION = metadata.version("plotly")
# The URL carries the version, so a year of caching is safe: an upgrade changes the URL.
PLOTLY_URL = f"/static/vendor/plotly.min.js?v={PLOTLY_VERSION}"
PLOTLY_ETAG = f'"plotly-{PLOTLY_VERSION}"'
LONG_CACHE = "public, max-age=31536000, immutable"


@cache
def plotly_js() -> bytes:
    """plotly.min.js as the package ships it (about 5 MB)."""
    return resources.files("plotly").joinpath("package_data/plotly.min.js").read_bytes()


@cache
def plotly_js_gzip() -> bytes:
    # Compressed once per process: 5 MB becomes about 1.4 MB, which matters on a phone.
    return gzip.compress(plotly_js(), compresslevel=6, mtime=0)


@router.get("/static/vendor/plotly.min.js")
def plotly_script(request: Request) -> Response:
    """The charting library, never from a CDN: the pages must work without internet."""
    headers = {"Cache-Control": LONG_CACHE, "ETag": PLOTLY_ETAG, "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == PLOTLY_ETAG:
        return Response(status_code=304, headers=headers)
    media_type = "text/javascript; charset=utf-8"
    if "gzip" in request.headers.get("accept-encoding", "").lower():
        return Response(plotly_js_gzip(), media_type=media_type, headers={**headers, "Content-Encoding": "gzip"})
    return Response(plotly_js(), media_type=media_type, headers=headers)


# --- what both pages share ----------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """The workspace as the templates see it, copied out of the unit of work."""

    slug: str
    name: str
    timezone: str

    def local(self, instant: str | dt.datetime) -> dt.datetime:
        moment = dt.datetime.fromisoformat(instant) if isinstance(instant, str) else instant
        if moment.tzinfo is None:  # SQLite hands back naive UTC
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(zone(self.timezone))


@dataclass(frozen=True)
class Period:
    """``?since=&until=`` as typed (local dates, both inclusive) and as UTC bounds."""

    since: str = ""
    until: str = ""
    start: dt.datetime | None = None
    end: dt.datetime | None = None  # exclusive: the midnight after ``until``

    @property
    def chosen(self) -> bool:
        return bool(self.since or self.until)


def parse_period(since: str | None, until: str | None, timezone: str) -> Period:
    """Dates from the form, as the API and the CLI read them (``until`` includes its day)."""
    tz = zone(timezone)
    texts = ((since or "").strip(), (until or "").strip())
    bounds: list[dt.datetime | None] = []
    for field, text, is_end in (("since", texts[0], False), ("until", texts[1], True)):
        if not text:
            bounds.append(None)
            continue
        try:
            if len(text) != 10:  # the form sends YYYY-MM-DD; an instant would not show in it
                raise ValueError(text)
            bounds.append(parse_bound(text, tz, end=is_end))
        except ValueError:
            raise InvalidInput("a date is YYYY-MM-DD", field=field) from None
    start, end = bounds
    if start is not None and end is not None and start >= end:
        raise InvalidInput("since must not be after until", field="since")
    return Period(texts[0], texts[1], start, end)


def _language(request: Request, lang: str | None, locale: str) -> str:
    """?lang= first, then the person's chosen language, the browser's, the workspace's own locale."""
    return page_language(request, lang, locale)


def _not_found(request: Request, lang: str | None) -> HTMLResponse:
    chosen = _language(request, lang, "en")
    return render(request, "insight_not_found.html", chosen, status=404, active="insight")


def _stage_names(session: Session, workspace: Workspace, lang: str) -> dict[str, str]:
    return {s.key: (s.name_zh if lang == "zh-CN" and s.name_zh else s.name)
            for s in list_stages(session=session, workspace=workspace)}


def _theme_names(workspace: Workspace, lang: str) -> dict[str, str]:
    themes = workspace_taxonomy(workspace).themes
    return {t.key: (t.name_zh if lang == "zh-CN" and t.name_zh else t.name_en) for t in themes}


def day_label(value: str | dt.date, lang: str) -> str:
    """2026-03-02 as a person reads it: "2 Mar 2026" or "2026年3月2日"."""
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh-CN" else f"{day.day} {day:%b %Y}"


def month_label(value: str | dt.date, lang: str) -> str:
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.year}年{day.month}月" if lang == "zh-CN" else f"{day:%B %Y}"


def span_days(period: dict[str, str]) -> tuple[str, str]:
    """A compare period (local ISO instants, until exclusive) as its first and last day."""
    since = dt.datetime.fromisoformat(period["since"])
    until = dt.datetime.fromisoformat(period["until"]) - dt.timedelta(microseconds=1)
    return since.date().isoformat(), until.date().isoformat()


def signed(value: float | None) -> str:
    """A change in points, always with its sign: +3.2, -4.0, 0.0."""
    return "—" if value is None else f"{value:+.1f}"


# --- the insight page ---------------------------------------------------------------


def _presets(now: dt.datetime, timezone: str) -> list[tuple[int, str, str]]:
    today = now.astimezone(zone(timezone)).date()
    return [(days, (today - dt.timedelta(days=days - 1)).isoformat(), today.isoformat()) for days in PRESET_DAYS]


def compare_span(period: Period, now: dt.datetime, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """What the change is measured over: the chosen period, else the last 30 days up to its
    end (or up to today), in whole local days so that the card can name them exactly. It is
    set against the period of equal length just before it."""
    tz = zone(timezone)
    end = period.end or parse_bound(now.astimezone(tz).date().isoformat(), tz, end=True)
    first = end.astimezone(tz).date() - dt.timedelta(days=DEFAULT_COMPARE_DAYS)
    return period.start or parse_bound(first.isoformat(), tz, end=False), end


def _insight(session: Session, workspace: Workspace, period: Period, every: str, now: dt.datetime) -> dict[str, Any]:
    """Everything the page shows, from one read unit of work so that the charts agree."""
    since, until = period.start, period.end
    summary = nps_summary(session=session, workspace=workspace, since=since, until=until)
    start, end = compare_span(period, now, workspace.timezone)
    try:
        change: dict[str, Any] | None = nps_compare(
            session=session, workspace=workspace, since=start, until=end, now=now
        )
    except InvalidInput:  # a period that starts in the future: nothing to compare yet
        change = None
    found = driver_report(session=session, workspace=workspace, since=since, until=until)
    mentioned = [d for d in found["drivers"] if d["mentions"] > 0]
    worst = next((d for d in mentioned if d["significant"] and (d["nps_impact"] or 0) < 0), None)
    unthemed = unthemed_complaints(session=session, workspace=workspace, since=since, until=until, limit=TOPIC_COMMENTS)
    preview = search_responses(
        session=session, workspace=workspace, limit=PREVIEW,
        filters=VerbatimFilter(score_max=6, since=since, until=until),
    )
    return {
        "summary": summary,
        "change": change,
        "trend": trend(session=session, workspace=workspace, every=every, since=since, until=until, now=now),
        "stages": stage_table(session=session, workspace=workspace, since=since, until=until),
        "drivers": {**found, "drivers": mentioned[:MAX_DRIVERS], "mentioned": len(mentioned)},
        "worst": worst,
        "lateness": lateness_effect(session=session, workspace=workspace, since=since, until=until),
        "preview": preview,
        "topics": {"topics": emerging_topics(unthemed), "comments": len(unthemed)},
    }


@router.get("/w/{slug}", response_class=HTMLResponse)
def insight_page(
    request: Request,
    slug: str,
    db: DbDep,
    now: NowDep,
    caller: InsightReader,
    since: str | None = None,
    until: str | None = None,
    every: str | None = None,
    lang: str | None = None,
) -> HTMLResponse:
    """One workspace: where in the last mile customers get stuck, what it costs, and
    whether it is real or noise. ``?since=&until=`` (local dates) cut every chart."""
    every = every if every in EVERY else "week"
    error = None
    try:
        with db.read() as session:
            workspace = _own_workspace(session, caller, slug)
            place = Place(workspace.slug, workspace.name, workspace.timezone)
            chosen = _language(request, lang, workspace.locale)
            try:
                period = parse_period(since, until, workspace.timezone)
            except InvalidInput as exc:
                period, error = Period((since or "")[:10], (until or "")[:10]), exc.problem.field
            try:
                view = None if error else _insight(session, workspace, period, every, now)
            except InvalidInput:  # more points than a chart can take (a century by week): say so
                view, error = None, "every"
            stage_names = _stage_names(session, workspace, chosen)
            theme_names = _theme_names(workspace, chosen)
    except NotFound:
        return _not_found(request, lang)
    params = {"since": period.since, "until": period.until, "every": every if every != "week" else ""}

    def href(**changes: str) -> str:
        """This page with some parameters changed (week/month, a preset period)."""
        merged = {**params, "lang": url_code(chosen), **changes}
        return f"/w/{place.slug}?" + urlencode({k: v for k, v in merged.items() if v and (k, v) != ("every", "week")})

    return render(
        request, "insight.html", chosen, status=422 if error else 200, active="insight",
        switch_params={k: v for k, v in params.items() if v},
        place=place, period=period, every=every, error=error, view=view,
        presets=_presets(now, place.timezone), stage_names=stage_names, theme_names=theme_names,
        lc=url_code(chosen), day=lambda v: day_label(v, chosen), month=lambda v: month_label(v, chosen),
        span_days=span_days, signed=signed, classify=classify, plotly_url=PLOTLY_URL, href=href,
        verbatims_href=lambda **f: f"/w/{place.slug}/verbatims?" + urlencode(
            {**{k: v for k, v in (("since", period.since), ("until", period.until)) if v}, **f,
             "lang": url_code(chosen)}),
    )


# --- the verbatim explorer ----------------------------------------------------------


@dataclass(frozen=True)
class ExplorerForm:
    """The explorer's filters as typed, to fill the form again and build the links."""

    theme: str = ""
    stage: str = ""
    score_min: str = ""
    score_max: str = ""
    language: str = ""
    sentiment: str = ""
    q: str = ""
    since: str = ""
    until: str = ""

    def params(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


def _score(value: str, field: str) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput("a score is a whole number from 0 to 10", field=field) from None


def _filter(form: ExplorerForm, period: Period) -> VerbatimFilter:
    result = VerbatimFilter(
        theme=form.theme or None,
        stage=form.stage or None,
        score_min=_score(form.score_min, "score_min"),
        score_max=_score(form.score_max, "score_max"),
        language=form.language or None,
        sentiment=form.sentiment or None,
        q=form.q or None,
        since=period.start,
        until=period.end,
    )
    result.check()
    return result


def _theme_options(session: Session, workspace: Workspace, names: dict[str, str], chosen: str) -> list[tuple[str, str]]:
    """Themes that occur in this workspace's answers (a food shop need not see "deployment")."""
    found = theme_counts(session=session, workspace=workspace)
    keys = [k for k in names if k in found or k == chosen] + sorted(k for k in found if k not in names)
    return [(key, names.get(key, key)) for key in keys]


@router.get("/w/{slug}/verbatims", response_class=HTMLResponse)
def verbatims_page(
    request: Request,
    slug: str,
    db: DbDep,
    caller: InsightReader,
    theme: str | None = None,
    stage: str | None = None,
    score_min: str | None = None,
    score_max: str | None = None,
    language: str | None = None,
    sentiment: str | None = None,
    q: str | None = None,
    since: str | None = None,
    until: str | None = None,
    page: str | None = None,
    lang: str | None = None,
) -> HTMLResponse:
    """Answers in the customer's own words, filtered and paged; every comment escaped.

    Parameters are read as text: a form sends empty fields as ``""``, and a bad value
    gets the form back with a message, not a JSON error.
    """
    form = ExplorerForm(*((v or "").strip()[:200] for v in (theme, stage, score_min, score_max, language,
                                                             sentiment, q, since, until)))
    number = int(page) if page and page.isdigit() and 0 < int(page) < 100_000 else 1
    error = None
    result: dict[str, Any] = {"total": 0, "responses": []}
    try:
        with db.read() as session:
            workspace = _own_workspace(session, caller, slug)
            place = Place(workspace.slug, workspace.name, workspace.timezone)
            chosen = _language(request, lang, workspace.locale)
            stage_names = _stage_names(session, workspace, chosen)
            theme_names = _theme_names(workspace, chosen)
            themes = _theme_options(session, workspace, theme_names, form.theme)
            try:
                filters = _filter(form, parse_period(form.since, form.until, workspace.timezone))
                result = search_responses(session=session, workspace=workspace, filters=filters,
                                          limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
            except InvalidInput as exc:
                error = exc.problem.field
    except NotFound:
        return _not_found(request, lang)
    pages = max(1, math.ceil(result["total"] / PAGE_SIZE))

    def query(**changes: object) -> str:
        params = {**form.params(), "lang": url_code(chosen), **{k: str(v) for k, v in changes.items()}}
        return "?" + urlencode({k: v for k, v in params.items() if v})

    return render(
        request, "verbatims.html", chosen, status=422 if error else 200, active="insight",
        switch_params={**form.params(), **({"page": str(number)} if number > 1 else {})},
        place=place, form=form, error=error, result=result, page=number, pages=pages, query=query,
        themes=themes, stages=list(stage_names.items()), stage_names=stage_names, theme_names=theme_names,
        languages=LANGUAGES, sentiments=LABELS, lc=url_code(chosen), classify=classify,
        day=lambda v: day_label(v, chosen),
    )
