"""What a brief says: the figures of one period gathered into one JSON-serialisable dict.

Everything comes from the services the rest of Doorstep reports with (NPS and its
comparison from :mod:`doorstep.surveys.metrics`, drivers from
:mod:`doorstep.insight.services`, the loop from :mod:`doorstep.cases.metrics`, stage
operations from :mod:`doorstep.insight.ops`), so a brief never disagrees with the
dashboard for the same dates. The dict is the snapshot stored with the brief
(``Brief.content``): rendering reads only this, never the database.

Where we lose points. The drivers are grouped by stage: a stage's own impact (answers
attributed to it) heads the group, the themes that point to that stage and cost points
sit under it, with customers' words and the frontline's notes on that stage or those
themes side by side. Themes that name no stage form groups of their own. The three
costliest groups make the brief: an executive reads three things, not fifteen.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from doorstep.accounts.models import Workspace
from doorstep.briefs.models import Alert
from doorstep.briefs.periods import Period
from doorstep.cases.metrics import loop_metrics
from doorstep.db import within
from doorstep.deliveries.models import Delivery, Journey, Stage
from doorstep.frontline.services import notes_for_brief
from doorstep.insight.clustering import emerging_topics
from doorstep.insight.models import ResponseTheme
from doorstep.insight.ops import lateness_unit, stage_ops
from doorstep.insight.services import driver_report, unthemed_complaints
from doorstep.insight.taxonomy import taxonomy_from_json
from doorstep.insight.verbatims import VerbatimFilter, search_responses
from doorstep.stats import NpsSummary, compare_nps, round1, summarise
from doorstep.surveys.metrics import nps_summary, trend
from doorstep.surveys.models import Response

SCHEMA_VERSION = 1
TOP_GROUPS = 3
THEMES_PER_GROUP = 5
VERBATIMS = 3
NOTES = 3
NOTE_WINDOW = dt.timedelta(days=90)  # the frontline's notes count for a while after they are written
TREND_POINTS = {"week": 8, "month": 6}
WORST_DELIVERIES = 5
MAX_COMMENTS = 5000  # comments clustered for emerging topics per period
GREW_POINTS = 3.0  # a driver "grew" when it costs at least this many more points than last period
MIN_MENTIONS = 5
MIN_COST = 1.0  # points
# Where a group's unhappy customers concentrate: a segment value with at least this many of
# them, this share, and this lift over its share of all answers.
SEGMENT_MIN = 3
SEGMENT_SHARE = 0.3
SEGMENT_LIFT = 1.5
SEGMENT_MAX_VALUES = 40  # an attribute with more values is an identifier, not a segment
SEGMENT_ROWS = 20000


def gather(
    *, session: Session, workspace: Workspace, period: Period, now: dt.datetime, locale: str
) -> dict[str, Any]:
    """The brief of ``period`` as a dict (see the module docstring); ``schema_version`` 1."""
    since, until = period.since, period.until
    before = period.previous()
    current = nps_summary(session=session, workspace=workspace, since=since, until=until)
    earlier = nps_summary(session=session, workspace=workspace, since=before.since, until=before.until)
    change = compare_nps(_summary(earlier), _summary(current)).as_dict()
    deliveries = int(
        session.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.workspace_id == workspace.id, *within(Delivery.delivered_at, since, until))
        )
        or 0
    )
    content: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "workspace": {"slug": workspace.slug, "name": workspace.name, "timezone": workspace.timezone},
        "locale": locale,
        "period": _span(period),
        "previous_period": _span(before),
        "generated_at": now.astimezone(dt.UTC).isoformat(),
        "has_data": bool(current["responses"] or deliveries),
        "nps": {**current, "previous": earlier, "change": change},
        "deliveries": deliveries,
        "trend": _trend(session, workspace, period),
    }
    report = driver_report(session=session, workspace=workspace, since=since, until=until)
    previous_report = driver_report(session=session, workspace=workspace, since=before.since, until=before.until)
    notes = notes_for_brief(session=session, workspace=workspace, since=until - NOTE_WINDOW, until=until)
    content["groups"] = _groups(session, workspace, period, report, notes, locale)
    content["theme_names"] = {
        d["key"]: {"name": d["name"], "name_zh": d["name_zh"]} for d in report["drivers"] if d["kind"] == "theme"
    }
    content["notes"] = {
        "written": sum(1 for n in notes if dt.datetime.fromisoformat(n["created_at"]) >= since),
        "open": sum(1 for n in notes if n["status"] != "done"),
        "by_status": dict(Counter(n["status"] for n in notes)),
    }
    content["loop"] = _loop(session, workspace, period, now)
    content["ops"] = _ops(session, workspace, period)
    content["changes"] = _changes(session, workspace, period, report, previous_report)
    content["alerts"] = _alerts(session, workspace, period)
    return content


def _summary(figures: dict[str, Any]) -> NpsSummary:
    return summarise(figures["responses"], figures["promoters"], figures["detractors"])


def _span(period: Period) -> dict[str, str]:
    return {
        "kind": period.kind,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),  # exclusive
        "last_day": period.last_day.isoformat(),
        "since": period.since.isoformat(),
        "until": period.until.isoformat(),
    }


def _trend(session: Session, workspace: Workspace, period: Period) -> list[dict[str, Any]]:
    first = period
    for _ in range(TREND_POINTS[period.kind] - 1):
        first = first.previous()
    points = trend(session=session, workspace=workspace, every=period.kind, since=first.since, until=period.until)
    return [
        {"start": p["start"], "nps": p["nps"], "ci95": p["ci95"], "responses": p["responses"]}
        for p in points["points"]
    ]


# --- where we lose points --------------------------------------------------------


def _groups(
    session: Session,
    workspace: Workspace,
    period: Period,
    report: dict[str, Any],
    notes: list[dict[str, Any]],
    locale: str,
) -> list[dict[str, Any]]:
    drivers = report["drivers"]
    stage_entries = {d["key"]: d for d in drivers if d["kind"] == "stage"}
    costly_themes = [d for d in drivers if d["kind"] == "theme" and (d["nps_impact"] or 0) < 0 and d["mentions"]]
    _stage_by_attribution(session, workspace, period, costly_themes)
    groups: list[dict[str, Any]] = []
    for entry in drivers:
        if entry["kind"] != "stage":
            continue
        themes = [t for t in costly_themes if t["stage"] == entry["key"]]
        if (entry["nps_impact"] or 0) >= 0 and not themes:
            continue
        groups.append({"stage": _driver(entry), "themes": [_driver(t) for t in themes[:THEMES_PER_GROUP]],
                       "cost": min([entry["nps_impact"] or 0.0, *(t["nps_impact"] or 0.0 for t in themes)])})
    for theme in costly_themes:
        if theme["stage"] is None or theme["stage"] not in stage_entries:
            groups.append({"stage": None, "themes": [_driver(theme)], "cost": theme["nps_impact"]})
    # A group that costs under a point with nothing significant in it is noise, not a finding.
    groups = [g for g in groups if g["cost"] <= -MIN_COST or _significant(g)]
    groups.sort(key=lambda g: g["cost"])
    chosen = groups[:TOP_GROUPS]
    segments = _Segments(session, workspace, period)
    shown: set[int] = set()
    for group in chosen:
        stage_key = group["stage"]["key"] if group["stage"] else None
        theme_keys = [t["key"] for t in group["themes"]]
        group["verbatims"] = _verbatims(session, workspace, period, stage_key, theme_keys, locale)
        group["notes"] = _matching_notes(notes, stage_key, theme_keys, shown)
        group["concentration"] = segments.of_stage(stage_key) if stage_key else None
        for theme in group["themes"]:
            theme["concentration"] = segments.of_theme(theme["key"])
    return chosen


def _stage_by_attribution(
    session: Session, workspace: Workspace, period: Period, themes: list[dict[str, Any]]
) -> None:
    """A complaint about time in general (a ``stage_by_timing`` theme: "three days late") is
    grouped under the stage its answers were attributed to most this period, not under the
    theme's fallback stage: the late parcels of a slow hub belong with the hub, and their
    words with its quotes."""
    taxonomy = taxonomy_from_json(workspace.taxonomy)
    keys = [t["key"] for t in themes if (theme := taxonomy.by_key.get(t["key"])) is not None and theme.stage_by_timing]
    if not keys:
        return
    rows = session.execute(
        select(ResponseTheme.theme, Stage.key, func.count())
        .join(Response, Response.id == ResponseTheme.response_id)
        .join(Stage, Stage.id == Response.attributed_stage_id)
        .where(
            ResponseTheme.workspace_id == workspace.id,
            ResponseTheme.theme.in_(keys),
            *within(ResponseTheme.responded_at, period.since, period.until),
        )
        .group_by(ResponseTheme.theme, Stage.key)
    ).all()
    best: dict[str, tuple[int, str]] = {}
    for theme_key, stage_key, count in rows:
        if theme_key not in best or count > best[theme_key][0]:
            best[theme_key] = (count, stage_key)
    for t in themes:
        if t["key"] in best:
            t["stage"] = best[t["key"]][1]


def _significant(group: dict[str, Any]) -> bool:
    entries = ([group["stage"]] if group["stage"] else []) + group["themes"]
    return any(e["significant"] and (e["nps_impact"] or 0) < 0 for e in entries)


def _driver(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        key: entry.get(key)
        for key in ("kind", "key", "name", "name_zh", "stage", "mentions", "nps", "ci95", "nps_impact",
                    "impact_ci95", "significant", "small_sample")
    }


def _verbatims(
    session: Session,
    workspace: Workspace,
    period: Period,
    stage_key: str | None,
    theme_keys: list[str],
    locale: str,
) -> list[dict[str, Any]]:
    """Up to three unhappy customers' comments: two on the costliest theme, one on the next,
    then any on the stage; in the brief's language when there is one."""
    lang = "zh" if locale.startswith("zh") else "en"
    picked: list[dict[str, Any]] = []
    seen: set[int] = set()
    plan = [(VerbatimFilter(theme=key, score_max=6, since=period.since, until=period.until), share)
            for key, share in zip(theme_keys, (2, 1), strict=False)]
    if stage_key:
        plan.append((VerbatimFilter(stage=stage_key, score_max=6, since=period.since, until=period.until), VERBATIMS))
    for f, share in plan:
        if len(picked) >= VERBATIMS:
            break
        found = search_responses(session=session, workspace=workspace, filters=f, limit=20)["responses"]
        fresh = [r for r in found if r["id"] not in seen and (r["comment"] or "").strip()]
        # The brief's language first, the unhappiest first; newest first within (a stable sort).
        fresh.sort(key=lambda r: (r["language"] != lang, r["score"]))
        said = {" ".join(p["comment"].split()).casefold() for p in picked}
        unique = []
        for r in fresh:  # two customers who wrote the same words: quoted once
            text = " ".join(r["comment"].split()).casefold()
            if text not in said:
                said.add(text)
                unique.append(r)
        for r in unique[: min(share, VERBATIMS - len(picked))]:
            seen.add(r["id"])
            picked.append({k: r[k] for k in ("id", "delivery_external_id", "score", "comment", "language",
                                              "themes", "responded_at")})
    return picked


def _matching_notes(
    notes: list[dict[str, Any]], stage_key: str | None, theme_keys: list[str], shown: set[int]
) -> list[dict[str, Any]]:
    """The frontline's notes on this stage or these themes: on both first, then on the stage,
    then naming a theme; one per theme before a second on the same one (the brief shows the
    range of what they see); a note another group already shows only when nothing else fits."""
    wanted = set(theme_keys)

    def rank(note: dict[str, Any]) -> tuple[int, int, int]:
        on_stage = bool(stage_key) and note["stage"] == stage_key
        on_theme = bool(wanted.intersection(note["themes"]))
        return (note["id"] in shown, 0 if on_stage and on_theme else 1 if on_stage else 2, -int(note["votes"]))

    matching = sorted(
        (n for n in notes if wanted.intersection(n["themes"]) or (stage_key and n["stage"] == stage_key)), key=rank
    )
    out: list[dict[str, Any]] = []
    covered: set[str] = set()
    for note in matching:
        topics = set(note["themes"]) & wanted
        if note["id"] in shown or (topics and topics <= covered):
            continue
        out.append(note)
        covered |= topics
        if len(out) == NOTES:
            break
    for note in matching:
        if len(out) == NOTES:
            break
        if note not in out:
            out.append(note)
    shown.update(n["id"] for n in out)
    return out


class _Segments:
    """Where a group's unhappy customers gather far beyond their share of all answers: a
    delivery attribute value (region, team, kitchen …), the "where" of a problem.

    Ranked by excess: detractors there minus how many an even spread would put there,
    so a big region and a single kitchen compete fairly.
    """

    def __init__(self, session: Session, workspace: Workspace, period: Period) -> None:
        self.session = session
        self.where = [Response.workspace_id == workspace.id, Response.kind == "nps",
                      *within(Response.responded_at, period.since, period.until)]
        self.workspace = workspace
        self.period = period
        self._base: tuple[int, dict[str, Counter[str]]] | None = None

    def base(self) -> tuple[int, dict[str, Counter[str]]]:
        if self._base is None:
            rows = self.session.scalars(
                select(Delivery.attributes).join(Response, Response.delivery_id == Delivery.id)
                .where(*self.where).limit(SEGMENT_ROWS)
            ).all()
            counts: dict[str, Counter[str]] = {}
            for attrs in rows:
                for name, value in (attrs or {}).items():
                    if isinstance(value, str | int) and not isinstance(value, bool):
                        counts.setdefault(name, Counter())[str(value)] += 1
            self._base = (len(rows), counts)
        return self._base

    def of_stage(self, stage_key: str) -> dict[str, Any] | None:
        stage_ids = (
            select(Stage.id)
            .join(Journey, Journey.id == Stage.journey_id)
            .where(Journey.workspace_id == self.workspace.id, Stage.key == stage_key)
        )
        return self._find(Response.attributed_stage_id.in_(stage_ids))

    def of_theme(self, theme_key: str) -> dict[str, Any] | None:
        mentioned = select(ResponseTheme.response_id).where(
            ResponseTheme.workspace_id == self.workspace.id, ResponseTheme.theme == theme_key,
            *within(ResponseTheme.responded_at, self.period.since, self.period.until),
        )
        return self._find(Response.id.in_(mentioned))

    def _find(self, condition: Any) -> dict[str, Any] | None:
        group = self.session.scalars(
            select(Delivery.attributes).join(Response, Response.delivery_id == Delivery.id)
            .where(*self.where, Response.score <= 6, condition).limit(SEGMENT_ROWS)
        ).all()
        if len(group) < SEGMENT_MIN:
            return None
        total, base = self.base()
        best: dict[str, Any] | None = None
        for name, counts in base.items():
            if len(counts) > SEGMENT_MAX_VALUES or len(counts) < 2:
                continue
            mine = Counter(str(a[name]) for a in group if a and a.get(name) is not None)
            for value, n in mine.items():
                share, base_share = n / len(group), counts[value] / total
                if n < SEGMENT_MIN or share < SEGMENT_SHARE or share < SEGMENT_LIFT * base_share:
                    continue
                excess = n - len(group) * base_share
                if best is None or excess > best["excess"]:
                    best = {"attribute": name, "value": value, "detractors": n, "of": len(group),
                            "share": round(share, 3), "base_share": round(base_share, 3),
                            "excess": round(excess, 1)}
        return best


# --- the loop, operations, what changed --------------------------------------------


def _loop(session: Session, workspace: Workspace, period: Period, now: dt.datetime) -> dict[str, Any]:
    overall = loop_metrics(session=session, workspace=workspace, now=now, since=period.since, until=period.until)
    by = "team"
    groups = loop_metrics(session=session, workspace=workspace, now=now, since=period.since, until=period.until,
                          by=by)["groups"]
    if all(g["key"] is None for g in groups):
        by = "owner"
        groups = loop_metrics(session=session, workspace=workspace, now=now, since=period.since,
                              until=period.until, by=by)["groups"]
    teams = [
        {k: g[k] for k in ("key", "cases_opened", "contacted_within_sla_pct", "breached_now", "recovery_rate")}
        for g in groups
    ]
    teams.sort(key=lambda g: (-g["breached_now"], -g["cases_opened"], g["key"] or ""))
    return {**overall, "by": by, "teams": teams}


def _ops(session: Session, workspace: Workspace, period: Period) -> dict[str, Any]:
    def on_time(p: Period) -> dict[str, Any]:
        timed, punctual = session.execute(
            select(func.count(), func.coalesce(func.sum(case((Delivery.lateness_minutes <= 0, 1), else_=0)), 0))
            .where(Delivery.workspace_id == workspace.id, Delivery.lateness_minutes.is_not(None),
                   *within(Delivery.delivered_at, p.since, p.until))
        ).one()
        timed, punctual = int(timed or 0), int(punctual or 0)
        return {"deliveries": timed, "on_time": punctual,
                "on_time_rate": round1(100.0 * punctual / timed) if timed else None}

    stages = [s.as_dict() for s in stage_ops(session=session, workspace=workspace, since=period.since,
                                              until=period.until)]
    worst_stages = sorted((s for s in stages if s["late"]), key=lambda s: -(s["late_rate"] or 0))[:3]
    worst = session.execute(
        select(Delivery.external_id, Delivery.lateness_minutes, Delivery.attributes, Delivery.delivered_at)
        .where(Delivery.workspace_id == workspace.id, Delivery.lateness_minutes > 0,
               *within(Delivery.delivered_at, period.since, period.until))
        .order_by(Delivery.lateness_minutes.desc(), Delivery.id)
        .limit(WORST_DELIVERIES)
    ).all()
    # Deliveries completed in the period, promised or not: without promised times there is
    # no on-time rate, but the stages still say where the hand-over ran late.
    completed = session.scalar(
        select(func.count()).where(
            Delivery.workspace_id == workspace.id, *within(Delivery.delivered_at, period.since, period.until)
        )
    )
    return {
        **on_time(period),
        "completed": int(completed or 0),
        "previous": on_time(period.previous()),
        "unit": lateness_unit(session=session, workspace=workspace),
        "stages": stages,
        "worst_stages": worst_stages,
        "worst_deliveries": [
            {
                "external_id": ext,
                "lateness_minutes": round1(float(late)),
                "segment": {k: str(v) for k, v in sorted((attrs or {}).items()) if k in ("team", "region")},
                "delivered_at": delivered.isoformat() if delivered else None,
            }
            for ext, late, attrs, delivered in worst
        ],
    }


def _changes(
    session: Session, workspace: Workspace, period: Period, report: dict[str, Any], previous: dict[str, Any]
) -> dict[str, Any]:
    """New emerging topics (unhappy customers' comments that no theme covers, and that were not
    a topic last period) and drivers that cost more than last period."""
    def unthemed(p: Period) -> list[str]:
        return unthemed_complaints(session=session, workspace=workspace, since=p.since, until=p.until,
                                   limit=MAX_COMMENTS)  # fmt: skip

    now_topics = emerging_topics(unthemed(period))
    then_topics = emerging_topics(unthemed(period.previous()))
    known = {term for topic in then_topics for term in topic.terms[:3]}
    new_topics = [
        {"terms": list(t.terms[:5]), "size": t.size, "examples": list(t.examples[:2])}
        for t in now_topics
        if not known.intersection(t.terms[:3])
    ]
    before = {(d["kind"], d["key"]): d for d in previous["drivers"]}
    grew = []
    for d in report["drivers"]:
        old = before.get((d["kind"], d["key"]))
        now_impact, old_impact = d["nps_impact"], (old or {}).get("nps_impact") or 0.0
        if now_impact is None or d["mentions"] < MIN_MENTIONS or now_impact >= 0:
            continue
        if old_impact - now_impact >= GREW_POINTS:
            grew.append({**_driver(d), "previous_impact": old_impact,
                         "previous_mentions": (old or {}).get("mentions", 0),
                         "growth": round1(now_impact - old_impact)})
    grew.sort(key=lambda d: d["growth"])
    return {"new_topics": new_topics[:3], "grown_drivers": grew[:3]}


def _alerts(session: Session, workspace: Workspace, period: Period) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Alert)
        .where(Alert.workspace_id == workspace.id, *within(Alert.raised_at, period.since, period.until))
        .order_by(Alert.raised_at)
    ).all()
    return [
        {"kind": a.kind, "subject_kind": a.subject_kind, "subject": a.subject, "raised_at": a.raised_at.isoformat(),
         "acknowledged": a.acknowledged_at is not None}
        for a in rows
    ]
