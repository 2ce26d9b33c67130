"""Counting honestly: NPS with its interval, overall, by segment, over time, against the past.

The database does the counting (one scan of the covering index on (workspace,
responded_at, score), promoters and detractors packed in one SUM); the pure
:mod:`doorstep.stats` does the maths.

* A segment table carries each group's impact on the whole and sorts by it, so a group
  of three angry customers does not top the table.
* A trend cuts time at local midnight in the workspace's timezone (weeks start on
  Monday); each point is one range count on the index, so a full history of weekly
  points costs one pass over it, and each point says if it moved significantly from
  the one before.
* ``--compare previous`` sets a period against the one of equal length just before it,
  with a Welch-type z-test on the per-response scores (:func:`doorstep.stats.compare_nps`).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, case, func, select
from sqlalchemy.orm import Session

from doorstep.accounts.models import User, Workspace
from doorstep.db import within
from doorstep.deliveries.models import Delivery, Stage
from doorstep.errors import InvalidInput
from doorstep.insight.reads import read_in_parallel
from doorstep.stats import DETRACTOR_MAX, PROMOTER_MIN, NpsSummary, compare_nps, impact, is_small_sample, summarise
from doorstep.surveys.models import Response
from doorstep.timeutil import zone

# Segments that are columns, not attributes. Anything else is looked up in the
# response's attributes, then the delivery's (team, region, product …).
BUILTIN_SEGMENTS = ("owner", "stage", "language")


# Two counts in one integer: promoters + detractors·2³². SQLite pays per aggregate per row
# about what the index scan itself costs, so one SUM instead of two is a third off every
# NPS query at a million answers; 2³² keeps both exact up to four billion answers.
PACK = 2**32


def packed_score(score: Any) -> Any:
    """1 for a promoter, 2³² for a detractor, 0 for a passive: SUM it, then :func:`unpack` it."""
    return case((score >= PROMOTER_MIN, 1), (score <= DETRACTOR_MAX, PACK), else_=0)


def unpack(responses: Any, packed: Any) -> NpsSummary:
    """The NPS counts from count(*) and the SUM of :func:`packed_score`."""
    value = int(packed or 0)
    return summarise(int(responses or 0), value % PACK, value // PACK)


def _counts() -> tuple[Any, ...]:
    return func.count(), func.sum(packed_score(Response.score))


def _filters(workspace: Workspace, since: dt.datetime | None, until: dt.datetime | None) -> list[ColumnElement[bool]]:
    return [Response.workspace_id == workspace.id, Response.kind == "nps", *within(Response.responded_at, since, until)]


def nps_summary(
    *, session: Session, workspace: Workspace, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> dict[str, Any]:
    """``{"nps", "responses", "promoters", "passives", "detractors", "ci95"}`` (DESIGN.md)."""
    n, packed = session.execute(select(*_counts()).where(*_filters(workspace, since, until))).one()
    return unpack(n, packed).as_dict()


def nps_by(
    *,
    session: Session,
    workspace: Workspace,
    by: str,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> dict[str, Any]:
    """``{"by": ATTR, "groups": [{"key", "nps", "responses", …, "ci95", "nps_impact", "impact_ci95",
    "significant", "small_sample"}]}``, the groups that cost the most points first."""
    stmt = select(*_counts())
    if by == "owner":
        key: Any = User.handle
        stmt = (
            stmt.add_columns(key)
            .select_from(Response)
            .join(Delivery, Delivery.id == Response.delivery_id)
            .outerjoin(User, User.id == Delivery.owner_id)
        )
    elif by == "stage":
        key = Stage.key
        stmt = stmt.add_columns(key).select_from(Response).outerjoin(Stage, Stage.id == Response.stage_id)
    elif by == "language":
        key = Response.language
        stmt = stmt.add_columns(key).select_from(Response)
    else:
        key = func.coalesce(Response.attributes[by].as_string(), Delivery.attributes[by].as_string())
        stmt = stmt.add_columns(key).select_from(Response).join(Delivery, Delivery.id == Response.delivery_id)
    rows = session.execute(stmt.where(*_filters(workspace, since, until)).group_by(key)).all()
    summaries = [(None if value is None else str(value), unpack(n, packed)) for n, packed, value in rows]
    total = summarise(
        sum(s.responses for _, s in summaries),
        sum(s.promoters for _, s in summaries),
        sum(s.detractors for _, s in summaries),
    )
    groups: list[dict[str, Any]] = []
    for group_key, summary in summaries:
        effect = impact(total, summary).as_dict()
        groups.append({"key": group_key, **summary.as_dict(), **effect})
    # Most harmful first: a tiny group's extreme NPS barely moves the whole, so it sorts low.
    groups.sort(key=lambda g: (g["nps_impact"] or 0.0, -g["responses"], g["key"] is None, g["key"] or ""))
    return {"by": by, "groups": groups}


# --- over time ----------------------------------------------------------------------

EVERY = ("week", "month")
DEFAULT_COMPARE_DAYS = 30
# One count per point: a period of centuries by week would keep a request busy for minutes.
MAX_POINTS = 1000


def _counts_in(
    session: Session, workspace: Workspace, since: dt.datetime | None, until: dt.datetime | None
) -> NpsSummary:
    n, packed = session.execute(select(*_counts()).where(*_filters(workspace, since, until))).one()
    return unpack(n, packed)


def bucket_start(moment: dt.datetime, every: str, tz: ZoneInfo) -> dt.datetime:
    """The local midnight that opens ``moment``'s week (Monday) or month, as a UTC instant."""
    local = moment.astimezone(tz).date()
    day = local - dt.timedelta(days=local.weekday()) if every == "week" else local.replace(day=1)
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)


def next_bucket(start: dt.datetime, every: str, tz: ZoneInfo) -> dt.datetime:
    """The start of the bucket after the one starting at ``start`` (DST-safe: local dates)."""
    local = start.astimezone(tz).date()
    if every == "week":
        day = local + dt.timedelta(days=7)
    else:
        day = (local.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)


def trend(
    *,
    session: Session,
    workspace: Workspace,
    every: str = "week",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """``{"every", "timezone", "points": [{"start", "end", "nps", "ci95", "responses", …,
    "small_sample", "partial", "change"}]}``, oldest first; a bucket without answers has
    ``nps`` null (a gap in the chart, not a zero). A bucket is ``partial`` when the period cuts
    it, or when it is still running at ``now`` (this week's answers are not all in yet)."""
    if every not in EVERY:
        raise InvalidInput(f"every must be one of {', '.join(EVERY)}", field="every")
    tz = zone(workspace.timezone)
    first, last = session.execute(
        select(func.min(Response.responded_at), func.max(Response.responded_at)).where(
            *_filters(workspace, since, until)
        )
    ).one()
    points: list[dict[str, Any]] = []
    if first is None:
        return {"every": every, "timezone": workspace.timezone, "points": points}
    start = bucket_start(since or first, every, tz)
    end_of_data = until or last + dt.timedelta(microseconds=1)
    buckets: list[tuple[dt.datetime, dt.datetime, dt.datetime, dt.datetime]] = []  # start, end, low, high
    while start < end_of_data:
        if len(buckets) == MAX_POINTS:
            raise InvalidInput(f"more than {MAX_POINTS:,} points by {every}: shorten the period or count by month",
                               field="since")
        end = next_bucket(start, every, tz)
        buckets.append((start, end, max(start, since) if since else start, min(end, until) if until else end))
        start = end
    # One range count per bucket; the buckets split in a few runs that go side by side.
    runs = max(1, min(len(buckets), os.cpu_count() or 1))
    size = -(-len(buckets) // runs)
    chunks = [buckets[i : i + size] for i in range(0, len(buckets), size)]
    counted = read_in_parallel(session, [_bucket_counts(workspace, chunk) for chunk in chunks])
    summaries = [summary for part in counted for summary in part]
    previous: NpsSummary | None = None
    for (start, end, low, high), summary in zip(buckets, summaries, strict=True):
        points.append(
            {
                "start": start.astimezone(tz).date().isoformat(),
                "end": end.astimezone(tz).date().isoformat(),
                **summary.as_dict(),
                "small_sample": is_small_sample(summary.responses),
                "partial": (low, high) != (start, end) or (now is not None and now < end),
                "change": compare_nps(previous, summary).as_dict() if previous is not None else None,
            }
        )
        previous = summary
    return {"every": every, "timezone": workspace.timezone, "points": points}


def _bucket_counts(
    workspace: Workspace, buckets: list[tuple[dt.datetime, dt.datetime, dt.datetime, dt.datetime]]
) -> Callable[[Connection], list[NpsSummary]]:
    def read(connection: Connection) -> list[NpsSummary]:
        out = []
        for _start, _end, low, high in buckets:
            n, packed = connection.execute(select(*_counts()).where(*_filters(workspace, low, high))).one()
            out.append(unpack(n, packed))
        return out

    return read


def previous_period(since: dt.datetime, until: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The period of the same length that ends where [since, until) begins."""
    return since - (until - since), since


def nps_compare(
    *,
    session: Session,
    workspace: Workspace,
    since: dt.datetime | None,
    until: dt.datetime | None,
    now: dt.datetime,
    by: str | None = None,
) -> dict[str, Any]:
    """This period against the previous one of equal length (default: the last 30 days).

    Overall: the DESIGN.md NPS keys of this period, plus ``period``, ``previous`` (the
    same keys for the earlier period) and ``change`` (delta, ci95, z, p_value,
    significant, small_sample). With ``by``, each group carries its own.
    """
    until = until or now
    since = since or until - dt.timedelta(days=DEFAULT_COMPARE_DAYS)
    if since >= until:
        raise InvalidInput("the period is empty: since must come before until", field="since")
    before_since, before_until = previous_period(since, until)
    tz = zone(workspace.timezone)

    def span(a: dt.datetime, b: dt.datetime) -> dict[str, str]:
        return {"since": a.astimezone(tz).isoformat(), "until": b.astimezone(tz).isoformat()}

    if by is None:
        current = _counts_in(session, workspace, since, until)
        earlier = _counts_in(session, workspace, before_since, before_until)
        return {
            **current.as_dict(),
            "period": span(since, until),
            "previous": {**earlier.as_dict(), "period": span(before_since, before_until)},
            "change": compare_nps(earlier, current).as_dict(),
        }
    now_groups = nps_by(session=session, workspace=workspace, by=by, since=since, until=until)
    then_groups = {
        g["key"]: g
        for g in nps_by(session=session, workspace=workspace, by=by, since=before_since, until=before_until)["groups"]
    }
    for group in now_groups["groups"]:
        old = then_groups.get(group["key"])
        earlier = summarise(old["responses"], old["promoters"], old["detractors"]) if old else summarise(0, 0, 0)
        current = summarise(group["responses"], group["promoters"], group["detractors"])
        group["previous"] = earlier.as_dict()
        group["change"] = compare_nps(earlier, current).as_dict()
    return {**now_groups, "period": span(since, until), "previous_period": span(before_since, before_until)}
