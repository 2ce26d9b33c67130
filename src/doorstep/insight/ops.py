"""Operations ↔ experience: where deliveries run late, and what lateness costs in NPS.

Durations are kept at ingest (``stage_events.duration_minutes``: from the previous
completed stage, the first stage untimed) and lateness too (``deliveries.lateness_minutes``
= delivered − promised), so every figure here is a scan of a covering index.

Baselines. A stage's *overrun* is its duration minus its baseline: the stage's target
when it has one, else its usual duration — the median of its latest
:data:`BASELINE_WINDOW` timed completions (robust to the long tail, cheap to find on the
(stage, completed_at) index, and it follows the business as it changes), rounded to the
nearest edge of the duration histograms' grid (at most 0.39% away) so that its late count
is exact from them. A delivery is *late* at a stage when it takes longer than the target;
a stage without a target has no promise to break, so it is late when it took unusually
long: more than :data:`OUTLIER_MADS` scaled median absolute deviations above the usual
duration (Leys et al. 2013, "moderately conservative"; robust while up to half the
deliveries run long). "Above the median" would call half of every stage late by
construction, whatever the business does.

Pre-aggregation. The operations figures come from ``stage_daily`` (one row per stage and
local day, kept with the events: :mod:`doorstep.deliveries.stage_daily`), plus the raw
events of a partial day at either end of the period, so a full history costs stages × days
rows instead of every event. Counts (deliveries, timed, late) are exact. Median and p90
overrun are exact up to :data:`SAMPLE_TARGET` timed events per stage in the period (read
from the events); above that they come from the cells' duration histograms, off by less
than 1/128 (0.78%) of the duration. A stage without cells although it has events (rows
written around the ingest) or with cells counted against an old target is scanned as
before: one index scan per stage, quantiles from a deterministic hash sample of about
:data:`SAMPLE_TARGET` events (the median within ±0.7% of its rank at 95%).

Lateness buckets. Points lost are the on-time NPS minus each bucket's NPS, with a Welch
interval (:func:`doorstep.stats.compare_nps`). The unit follows the journey's scale:
minutes (0–5, 5–15, 15–30, 30+) when its stages' targets add up to less than a day,
days (0–1, 1–3, 3–7, 7+) otherwise; a journey without targets is in days when most of
its late deliveries are more than a day late.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, case, func, null, select
from sqlalchemy.orm import Session

from doorstep.accounts.models import Workspace
from doorstep.db import within
from doorstep.deliveries import stage_daily as daily
from doorstep.deliveries.models import Delivery, Stage, StageEvent
from doorstep.deliveries.services import list_stages
from doorstep.insight.reads import Read, read_in_parallel
from doorstep.insight.sampling import MIN_SAMPLE, SAMPLE_TARGET, joined_values, parse_joined, sampled
from doorstep.stats import compare_nps, is_small_sample, quantile, round1, summarise
from doorstep.surveys.metrics import PACK, packed_score, unpack
from doorstep.surveys.models import Response

BASELINE_WINDOW = 5000
OUTLIER_MADS = 2.5
MAD_TO_SIGMA = 1.4826  # the MAD of a normal sample times this estimates its standard deviation
DAY = 1440.0
MINUTE_EDGES = (0.0, 5.0, 15.0, 30.0)
DAY_EDGES = (0.0, DAY, 3 * DAY, 7 * DAY)


@dataclass(frozen=True)
class StageBaseline:
    """A journey stage with the duration it is measured against."""

    id: int
    key: str
    name: str
    name_zh: str | None
    position: int
    target_minutes: float | None
    baseline_minutes: float | None
    baseline: str | None  # "target", "median" (usual duration) or None (never timed)
    late_over_minutes: float | None = None  # late above this: the target, else unusually long (module doc)


@dataclass(frozen=True)
class StageOps:
    stage: StageBaseline
    deliveries: int  # completions of the stage in the period
    timed: int  # of which with a duration
    late: int
    median_overrun: float | None
    p90_overrun: float | None

    @property
    def late_rate(self) -> float | None:
        return None if self.timed == 0 else round(self.late / self.timed, 4)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.stage.key,
            "name": self.stage.name,
            "name_zh": self.stage.name_zh,
            "target_minutes": self.stage.target_minutes,
            "baseline_minutes": round1(self.stage.baseline_minutes),
            "baseline": self.stage.baseline,
            "late_over_minutes": round1(self.stage.late_over_minutes),
            "deliveries": self.deliveries,
            "timed": self.timed,
            "late": self.late,
            "late_rate": self.late_rate,
            "median_overrun_minutes": round1(self.median_overrun),
            "p90_overrun_minutes": round1(self.p90_overrun),
        }


def stage_baselines(
    *, session: Session, workspace: Workspace, stages: Sequence[Stage] | None = None
) -> list[StageBaseline]:
    """The journey's stages in order, each with its baseline (target, else usual duration) and
    the duration above which it is late (its target, else an unusually long one). ``stages``:
    the journey's, when the caller has them already (each batch of answers does)."""
    result = []
    for stage in stages if stages is not None else list_stages(session=session, workspace=workspace):
        baseline, source = stage.target_minutes, "target" if stage.target_minutes is not None else None
        late_over = baseline
        if baseline is None:
            recent = session.scalars(
                select(StageEvent.duration_minutes)
                .where(StageEvent.stage_id == stage.id, StageEvent.duration_minutes.is_not(None))
                .order_by(StageEvent.completed_at.desc())
                .limit(BASELINE_WINDOW)
            )
            durations = sorted(float(v) for v in recent if v is not None)
            baseline, late_over = usual_and_unusual(durations)
            source = "median" if baseline is not None else None
        result.append(
            StageBaseline(
                stage.id, stage.key, stage.name, stage.name_zh, stage.position, stage.target_minutes, baseline, source,
                late_over,
            )
        )
    return result


def usual_and_unusual(durations: list[float]) -> tuple[float | None, float | None]:
    """(usual duration, the duration above which one is unusually long) of sorted durations,
    both snapped to the histogram grid: the median, and the median plus
    :data:`OUTLIER_MADS` scaled median absolute deviations (see the module docstring)."""
    median = quantile(durations, 0.5)
    if median is None:
        return None, None
    deviation = quantile(sorted(abs(v - median) for v in durations), 0.5) or 0.0
    return daily.snap(median), daily.snap(median + OUTLIER_MADS * MAD_TO_SIGMA * deviation)


def _expected_size(
    session: Session, baselines: list[StageBaseline], since: dt.datetime | None, until: dt.datetime | None
) -> int:
    """About how many completions each stage has in the period: the first stage's count (a
    journey's stages see about the same deliveries; counting is cheap, summing is not)."""
    if not baselines:
        return 0
    where = [StageEvent.stage_id == baselines[0].id, *within(StageEvent.completed_at, since, until)]
    return int(session.scalar(select(func.count()).where(*where)) or 0)


def ops_reads(
    *,
    session: Session,
    workspace: Workspace,
    baselines: list[StageBaseline],
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> tuple[list[Read[StageOps | None]], Callable[[list[StageOps | None]], list[StageOps]]]:
    """One read per stage of :func:`stage_ops`, independent of each other, and what turns
    their results into figures (so a caller can run them alongside its own, see
    :mod:`doorstep.insight.reads`)."""
    period = daily.Period.of(daily.LocalDays(workspace.timezone), since, until)
    reads = [_stage_read(stage, period, since, until) for stage in baselines]

    def finish(rows: list[StageOps | None]) -> list[StageOps]:
        missing = [stage for stage, row in zip(baselines, rows, strict=True) if row is None]
        scanned = {o.stage.id: o for o in raw_stage_ops(session=session, baselines=missing, since=since, until=until)}
        return [row if row is not None else scanned[stage.id] for stage, row in zip(baselines, rows, strict=True)]

    return reads, finish


def _stage_read(
    stage: StageBaseline, period: daily.Period, since: dt.datetime | None, until: dt.datetime | None
) -> Read[StageOps | None]:
    """A stage's figures from its cells and the raw events of the period's partial days;
    None when the cells cannot answer (never built, or counted against another target)."""
    target = stage.target_minutes
    late_over = stage.late_over_minutes

    def read(connection: Connection) -> StageOps | None:
        cells = daily.read_cells(connection, stage.id, period)
        if not cells and not daily.has_cells(connection, stage.id) and daily.has_events(connection, stage.id):
            return None
        total = [0] * daily.WIDTH
        n = timed = late = 0
        for cell in cells:
            if target is not None and cell.late_over != target:
                return None
            n += cell.completions
            timed += cell.timed
            late += cell.late
            daily.add_into(total, cell.durations)
        for start, end in period.edges:
            for duration in daily.raw_durations(connection, stage.id, start, end):
                n += 1
                if duration is None:
                    continue
                timed += 1
                total[daily.key_of(duration) + daily.OFFSET] += 1
                late += target is not None and duration > target
        baseline = stage.baseline_minutes
        if baseline is None:
            return StageOps(stage, n, timed, 0, None, None)
        if target is None:
            late = daily.late_above(total, late_over if late_over is not None else baseline)
        if timed == 0:
            median = p90 = None
        elif timed <= SAMPLE_TARGET:  # few enough to read: exact
            durations = daily.raw_durations(connection, stage.id, since, until, timed_only=True)
            values = sorted(v for v in durations if v is not None)
            median, p90 = quantile(values, 0.5), quantile(values, 0.9)
        else:
            median, p90 = daily.dense_quantiles(total, (0.5, 0.9))
        return StageOps(stage, n, timed, late, _minus(median, baseline), _minus(p90, baseline))

    return read


def raw_stage_ops(
    *,
    session: Session,
    baselines: list[StageBaseline],
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[StageOps]:
    """The figures of :func:`stage_ops` from a scan of every event of the period (one index
    scan per stage, quantiles from a hash sample above :data:`SAMPLE_TARGET`): the
    reference the cells are tested against, and the answer where they cannot give one."""
    if not baselines:
        return []
    expected = _expected_size(session, baselines, since, until)
    fraction = 1.0 if expected <= SAMPLE_TARGET else SAMPLE_TARGET / expected
    duration = StageEvent.duration_minutes
    result = []
    for stage in baselines:
        where = [StageEvent.stage_id == stage.id, *within(StageEvent.completed_at, since, until)]
        if stage.baseline_minutes is None:
            stmt = select(func.count(), func.sum(case((duration.is_not(None), 1), else_=0)), null())
        else:
            # timed + late·2³² in one SUM: each aggregate costs as much per row as the scan.
            over = stage.late_over_minutes if stage.late_over_minutes is not None else stage.baseline_minutes
            late = case((duration > over, PACK + 1), (duration.is_not(None), 1), else_=0)
            stmt = select(func.count(), func.sum(late), joined_values(session, sampled(session, fraction)))
        n, packed, collected = session.execute(stmt.where(*where)).one()
        timed, late_count = int(packed or 0) % PACK, int(packed or 0) // PACK
        if stage.baseline_minutes is None:
            result.append(StageOps(stage, int(n), timed, 0, None, None))
            continue
        values = parse_joined(collected)
        if fraction < 1.0 and len(values) < min(timed, MIN_SAMPLE):
            # The guess was far off (a stage much rarer than the first): take a proper sample.
            again = min(1.0, SAMPLE_TARGET / timed)
            sample = select(joined_values(session, sampled(session, again))).where(*where)
            values = parse_joined(session.scalar(sample))
        median = _minus(quantile(values, 0.5), stage.baseline_minutes)
        p90 = _minus(quantile(values, 0.9), stage.baseline_minutes)
        result.append(StageOps(stage, int(n), timed, late_count, median, p90))
    return result


def stage_ops(
    *,
    session: Session,
    workspace: Workspace,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    baselines: list[StageBaseline] | None = None,
) -> list[StageOps]:
    """Per stage, for completions in [since, until): deliveries, late count, median and p90 overrun.

    From the ``stage_daily`` cells and the raw events of partial days (module docstring); the
    stages' reads run side by side on a read-only unit of work (:mod:`doorstep.insight.reads`).
    """
    baselines = baselines if baselines is not None else stage_baselines(session=session, workspace=workspace)
    reads, finish = ops_reads(session=session, workspace=workspace, baselines=baselines, since=since, until=until)
    return finish(read_in_parallel(session, reads))


def _minus(value: float | None, baseline: float) -> float | None:
    return None if value is None else value - baseline


# --- lateness and scores ------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    """A lateness range, in minutes: (low, high]."""

    key: str
    low: float | None  # minutes late, exclusive (None: on time, i.e. not late)
    high: float | None  # inclusive; None = open-ended


def lateness_buckets(unit: str) -> list[Bucket]:
    """The buckets of a journey measured in ``unit`` ("minutes" or "days")."""
    edges, scale, suffix = (MINUTE_EDGES, 1.0, "min") if unit == "minutes" else (DAY_EDGES, DAY, "d")
    buckets = [Bucket("on_time", None, 0.0)]
    for low, high in zip(edges, (*edges[1:], None), strict=True):
        label = f"{low / scale:g}–{high / scale:g} {suffix}" if high is not None else f"{low / scale:g}+ {suffix}"
        buckets.append(Bucket(label, low, high))
    return buckets


def lateness_unit(*, session: Session, workspace: Workspace, stages: list[StageBaseline] | None = None) -> str:
    """'minutes' or 'days', from the journey's targets, else from how late late deliveries are."""
    stages = stages if stages is not None else stage_baselines(session=session, workspace=workspace)
    targets = [s.target_minutes for s in stages if s.target_minutes is not None]
    if targets:
        return "days" if sum(targets) >= DAY else "minutes"
    late, over_a_day = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((Delivery.lateness_minutes > DAY, 1), else_=0)), 0),
        ).where(Delivery.workspace_id == workspace.id, Delivery.lateness_minutes > 0)
    ).one()
    return "days" if late and 2 * int(over_a_day) > int(late) else "minutes"


def lateness_effect(
    *,
    session: Session,
    workspace: Workspace,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    unit: str | None = None,
) -> dict[str, Any]:
    """NPS of on-time against late deliveries, and the points lost per lateness bucket.

    Answers are those given in [since, until); a delivery without a promise or a
    delivery time has no lateness and is counted under ``unknown``.
    """
    unit = unit or lateness_unit(session=session, workspace=workspace)
    buckets = lateness_buckets(unit)
    lateness = Delivery.lateness_minutes
    bucket = case(
        (lateness.is_(None), -1),
        *[(lateness <= b.high, i) for i, b in enumerate(buckets) if b.high is not None],
        else_=len(buckets) - 1,
    )
    rows = session.execute(
        select(bucket, func.count(), func.sum(packed_score(Response.score)))
        .select_from(Response)
        .join(Delivery, Delivery.id == Response.delivery_id)
        .where(
            Response.workspace_id == workspace.id, Response.kind == "nps", *within(Response.responded_at, since, until)
        )
        .group_by(bucket)
    ).all()
    counts = {int(i): unpack(n, packed) for i, n, packed in rows}
    empty = summarise(0, 0, 0)
    unknown = counts.pop(-1, empty).responses
    summaries = [counts.get(i, empty) for i in range(len(buckets))]
    on_time = summaries[0]
    late = summarise(
        sum(s.responses for s in summaries[1:]),
        sum(s.promoters for s in summaries[1:]),
        sum(s.detractors for s in summaries[1:]),
    )
    out_buckets = []
    for b, s in zip(buckets, summaries, strict=True):
        entry: dict[str, Any] = {
            "key": b.key,
            "low_minutes": b.low,
            "high_minutes": b.high,
            **s.as_dict(),
            "small_sample": is_small_sample(s.responses),
        }
        if b.low is not None:
            lost = compare_nps(s, on_time)  # on-time − bucket: positive = points lost by being this late
            entry |= {
                "points_lost": lost.delta,
                "points_lost_ci95": list(lost.ci95) if lost.ci95 else None,
                "significant": lost.significant,
            }
        out_buckets.append(entry)
    difference = compare_nps(on_time, late)
    return {
        "unit": unit,
        "on_time": {**on_time.as_dict(), "small_sample": is_small_sample(on_time.responses)},
        "late": {**late.as_dict(), "small_sample": is_small_sample(late.responses)},
        "late_minus_on_time": difference.as_dict(),
        "buckets": out_buckets,
        "unknown": unknown,
    }


# --- the stage table: operations and experience side by side ------------------------


def stage_table(
    *,
    session: Session,
    workspace: Workspace,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    attribution: str | None = None,
) -> dict[str, Any]:
    """``{"stages": [{"key", "name", "deliveries", "late", "late_rate", "median_overrun_minutes",
    "attributed_responses", "nps", "nps_impact", …}]}`` in journey order (DESIGN.md).

    Operations count stage completions in the period; experience counts answers given in
    it, attributed to the stage (only those attributed by ``attribution``, if given).
    The impact is against all answers of the period either way.
    """
    from doorstep.insight.drivers import group_entry, stage_counts_read, total_of  # drivers builds on this module

    baselines = stage_baselines(session=session, workspace=workspace)
    ops_scans, ops_finish = ops_reads(
        session=session, workspace=workspace, baselines=baselines, since=since, until=until
    )
    answers, decode = stage_counts_read(session=session, workspace=workspace, since=since, until=until)
    reads = [answers]
    if attribution is not None:
        filtered, _ = stage_counts_read(
            session=session, workspace=workspace, since=since, until=until, attribution=attribution
        )
        reads.append(filtered)
    answer_reads = len(reads)
    # Every scan is independent: one or two over the answers (the longest, so they go
    # first and the stages' shorter scans fill in around them), one per stage.
    both: list[Read[Any]] = [*reads, *ops_scans]
    rows = read_in_parallel(session, both)
    ops = ops_finish(rows[answer_reads:])
    counts = decode(rows[0])
    total = total_of(counts)
    if attribution is not None:
        counts = decode(rows[1])
    empty = summarise(0, 0, 0)
    stages = []
    for row in ops:
        group = counts.get(row.stage.id, empty)
        stages.append({**row.as_dict(), "attributed_responses": group.responses, **group_entry(total, group)})
    return {
        "responses": total.responses,
        "nps": total.nps,
        "ci95": list(total.ci95) if total.ci95 is not None else None,
        "unattributed_responses": counts.get(None, empty).responses,
        "stages": stages,
    }
