"""Insight over HTTP: the stage table, drivers, the NPS trend, lateness, period comparison
and the verbatim explorer. Same shapes as the CLI's --json (DESIGN.md)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from doorstep.api.deps import DbDep, NowDep, ReaderDep
from doorstep.api.metrics import NpsPublic
from doorstep.api.params import MAX_OFFSET
from doorstep.insight.drivers import parse_segment
from doorstep.insight.ops import lateness_effect, stage_table
from doorstep.insight.services import driver_report
from doorstep.insight.verbatims import MAX_LIMIT, VerbatimFilter, search_responses
from doorstep.surveys.metrics import nps_compare, trend
from doorstep.timeutil import parse_period

router = APIRouter(prefix="/api/v1", tags=["insight"])

Since = Query(None, description="First day (YYYY-MM-DD, workspace timezone) or instant.")
Until = Query(None, description="Last day, inclusive, or an instant (exclusive).")


class ImpactFields(BaseModel):
    nps: float | None = Field(description="NPS of the answers in the group; null without any.")
    ci95: list[float] | None = Field(description="Adjusted-Wald 95% interval of that NPS.")
    nps_impact: float | None = Field(
        description="Overall NPS − NPS of the answers outside the group (negative: it costs that many points)."
    )
    impact_ci95: list[float] | None = Field(description="95% interval of the impact (delta method, see drivers.py).")
    significant: bool = Field(description="The impact's interval excludes 0.")
    small_sample: bool = Field(description="Fewer than 30 answers in the group.")


class StagePublic(ImpactFields):
    key: str
    name: str
    name_zh: str | None
    target_minutes: float | None
    baseline_minutes: float | None = Field(description="What overrun is measured against.")
    baseline: str | None = Field(description="'target', 'median' (usual duration: no target) or null (untimed).")
    late_over_minutes: float | None = Field(
        None, description="Late above this duration: the target, else unusually long (median + 2.5 scaled MADs)."
    )
    deliveries: int = Field(description="Completions of the stage in the period.")
    timed: int = Field(description="Of which with a duration (the first stage has none).")
    late: int
    late_rate: float | None
    median_overrun_minutes: float | None
    p90_overrun_minutes: float | None
    attributed_responses: int


class StagesPublic(BaseModel):
    responses: int
    nps: float | None
    ci95: list[float] | None
    unattributed_responses: int
    stages: list[StagePublic]


class DriverPublic(ImpactFields):
    kind: Literal["theme", "stage"]
    key: str
    name: str
    name_zh: str | None
    stage: str | None = Field(description="The stage a theme belongs to (for a stage: itself).")
    mentions: int


class DriversPublic(BaseModel):
    segment: dict[str, str] | None = Field(description="The segment the figures are restricted to, if any.")
    responses: int
    nps: float | None
    ci95: list[float] | None
    small_sample: bool
    drivers: list[DriverPublic] = Field(description="Most harmful first.")


class ChangePublic(BaseModel):
    delta: float | None = Field(description="Later NPS − earlier NPS, in points.")
    ci95: list[float] | None
    z: float | None
    p_value: float | None
    significant: bool = Field(description="Two-sided Welch z-test on per-response scores, α = 0.05.")
    small_sample: bool


class TrendPoint(NpsPublic):
    start: str = Field(description="First local day of the bucket.")
    end: str = Field(description="First local day after it.")
    small_sample: bool
    partial: bool = Field(description="The bucket is cut by since/until.")
    change: ChangePublic | None = Field(description="Against the previous point.")


class TrendPublic(BaseModel):
    every: Literal["week", "month"]
    timezone: str
    points: list[TrendPoint]


class Period(BaseModel):
    since: str
    until: str


class PreviousPublic(NpsPublic):
    period: Period


class ComparePublic(NpsPublic):
    period: Period
    previous: PreviousPublic
    change: ChangePublic


class LatenessGroup(NpsPublic):
    small_sample: bool


class LatenessBucket(LatenessGroup):
    key: str
    low_minutes: float | None
    high_minutes: float | None
    points_lost: float | None = Field(None, description="On-time NPS − this bucket's NPS.")
    points_lost_ci95: list[float] | None = None
    significant: bool | None = None


class LatenessPublic(BaseModel):
    unit: Literal["minutes", "days"]
    on_time: LatenessGroup
    late: LatenessGroup
    late_minus_on_time: ChangePublic
    buckets: list[LatenessBucket]
    unknown: int = Field(description="Answers about deliveries without a promise or delivery time.")


class VerbatimPublic(BaseModel):
    id: int
    delivery_external_id: str
    score: int
    comment: str | None = Field(description="As the customer wrote it; escape it before showing it.")
    language: str | None
    sentiment: float | None
    sentiment_label: str | None
    themes: list[str]
    stage: str | None = Field(description="The stage the customer picked.")
    attributed_stage: str | None
    attribution: Literal["picked", "text", "timing"] | None
    responded_at: str


class VerbatimPage(BaseModel):
    total: int
    limit: int
    offset: int
    responses: list[VerbatimPublic]


@router.get("/metrics/stages", response_model=StagesPublic, summary="Per stage: lateness, overrun, NPS and impact")
def get_stages(
    caller: ReaderDep,
    db: DbDep,
    since: str | None = Since,
    until: str | None = Until,
    attribution: Literal["picked", "text", "timing"] | None = Query(
        None, description="Count only answers attributed this way."
    ),
) -> Any:
    start, end = parse_period(since, until, caller.workspace.timezone)
    with db.read() as session:
        return stage_table(session=session, workspace=caller.workspace, since=start, until=end, attribution=attribution)


@router.get("/metrics/drivers", response_model=DriversPublic, summary="Themes and stages by NPS impact, worst first")
def get_drivers(
    caller: ReaderDep,
    db: DbDep,
    since: str | None = Since,
    until: str | None = Until,
    kind: Literal["theme", "stage"] | None = Query(None, description="Only themes or only stages."),
    where: list[str] | None = Query(
        None, description="Only answers of a segment: ATTRIBUTE=VALUE (team=north); repeat to combine."
    ),
) -> Any:
    start, end = parse_period(since, until, caller.workspace.timezone)
    segment = parse_segment(where)
    with db.read() as session:
        return driver_report(
            session=session, workspace=caller.workspace, since=start, until=end, kind=kind, segment=segment
        )


@router.get("/metrics/trend", response_model=TrendPublic, summary="NPS by week or month, each with its interval")
def get_trend(
    caller: ReaderDep,
    db: DbDep,
    now: NowDep,
    since: str | None = Since,
    until: str | None = Until,
    every: Literal["week", "month"] = Query("week", description="Bucket size (local weeks start on Monday)."),
) -> Any:
    start, end = parse_period(since, until, caller.workspace.timezone)
    with db.read() as session:
        return trend(session=session, workspace=caller.workspace, every=every, since=start, until=end, now=now)


@router.get("/metrics/lateness", response_model=LatenessPublic, summary="NPS on time vs late, points lost by lateness")
def get_lateness(caller: ReaderDep, db: DbDep, since: str | None = Since, until: str | None = Until) -> Any:
    start, end = parse_period(since, until, caller.workspace.timezone)
    with db.read() as session:
        return lateness_effect(session=session, workspace=caller.workspace, since=start, until=end)


@router.get(
    "/metrics/compare", response_model=ComparePublic, summary="NPS of a period against the previous one, tested"
)
def get_compare(
    caller: ReaderDep,
    db: DbDep,
    now: NowDep,
    since: str | None = Query(None, description="First day of the period (default: 30 days before until)."),
    until: str | None = Query(None, description="Last day, inclusive (default: now)."),
) -> Any:
    start, end = parse_period(since, until, caller.workspace.timezone)
    with db.read() as session:
        return nps_compare(session=session, workspace=caller.workspace, since=start, until=end, now=now)


@router.get(
    "/responses", response_model=VerbatimPage, summary="Answers in the customer's words, filtered, newest first"
)
def get_responses(
    caller: ReaderDep,
    db: DbDep,
    theme: str | None = Query(None, max_length=64, description="A taxonomy theme key."),
    stage: str | None = Query(None, max_length=64, description="The attributed stage's key."),
    attribution: Literal["picked", "text", "timing"] | None = Query(None),
    score_min: int | None = Query(None, ge=0, le=10),
    score_max: int | None = Query(None, ge=0, le=10),
    language: str | None = Query(None, max_length=8, description="zh or en."),
    sentiment: Literal["positive", "neutral", "negative"] | None = Query(None),
    q: str | None = Query(None, max_length=200, description="Text to find in the comment (any language)."),
    since: str | None = Since,
    until: str | None = Until,
    with_comment: bool = Query(True, description="Only answers with a comment."),
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> Any:
    start, end = parse_period(since, until, caller.workspace.timezone)
    filters = VerbatimFilter(
        theme=theme,
        stage=stage,
        attribution=attribution,
        score_min=score_min,
        score_max=score_max,
        language=language,
        sentiment=sentiment,
        q=q,
        since=start,
        until=end,
        with_comment=with_comment,
    )
    with db.read() as session:
        return search_responses(
            session=session, workspace=caller.workspace, filters=filters, limit=limit, offset=offset
        )
