"""Drivers: which themes and stages cost NPS points, how many, and whether that is real.

For every theme of the taxonomy and every stage of the journey: how many answers
mention it (a theme found in the comment; for a stage, the answers attributed to
it), their NPS, and ``nps_impact`` = overall NPS − NPS of the answers that do *not*
mention it (DESIGN.md), with the analytic 95% interval of :func:`doorstep.stats.impact`
and a ``significant`` flag when that interval excludes zero. Most harmful first.

Counting is one GROUP BY over a covering index each: (workspace, responded_at,
attributed_stage_id, score) on responses and (workspace, responded_at, theme, score)
on response_themes, where score and time are copied from the answer for this reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, case, func, select
from sqlalchemy.orm import Session

from doorstep.accounts.models import Workspace
from doorstep.db import within
from doorstep.deliveries.models import Delivery
from doorstep.deliveries.services import list_stages
from doorstep.errors import InvalidInput
from doorstep.insight.models import ResponseTheme
from doorstep.insight.reads import Read, read_in_parallel
from doorstep.insight.sampling import one_row
from doorstep.stats import DETRACTOR_MAX, PROMOTER_MIN, NpsSummary, impact, is_small_sample, rest_of, summarise
from doorstep.surveys.metrics import packed_score, unpack
from doorstep.surveys.models import Response

KINDS = ("theme", "stage")


@dataclass(frozen=True)
class ThemeLabel:
    """How a theme is shown: names in both languages and the stage it belongs to."""

    name: str
    name_zh: str | None = None
    stage: str | None = None
    # Listed with no mentions too. A theme of none of the journey's stages ("training" for a
    # food journey) is listed only when an answer raised it, under its names all the same.
    listed: bool = True


def parse_segment(items: list[str] | None) -> dict[str, str] | None:
    """``["team=t3", "region=east"]`` → ``{"team": "t3", "region": "east"}`` (CLI ``--where``, API ``where``)."""
    if not items:
        return None
    segment: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or len(name) > 64:
            raise InvalidInput(f"'{item[:80]}' is not ATTRIBUTE=VALUE (e.g. team=north)", field="where")
        segment[name.strip()] = value.strip()
    return segment


def segment_value(attribute: str) -> Any:
    """An answer's segment value: the response's attribute, else its delivery's (as ``nps --by``)."""
    return func.coalesce(Response.attributes[attribute].as_string(), Delivery.attributes[attribute].as_string())


def _in_segment(segment: dict[str, str] | None) -> list[ColumnElement[bool]]:
    return [segment_value(name) == value for name, value in (segment or {}).items()]


NARROW = 2**21  # three counts below this fit one signed 64-bit integer


def _packed3(score: Any) -> Any:
    """answers + promoters·2²¹ + detractors·2⁴² for one answer."""
    return case((score >= PROMOTER_MIN, 1 + NARROW), (score <= DETRACTOR_MAX, 1 + NARROW * NARROW), else_=1)


def _unpack3(value: Any) -> NpsSummary:
    v = int(value or 0)
    return summarise(v % NARROW, (v // NARROW) % NARROW, v // (NARROW * NARROW))


def stage_counts_read(
    *,
    session: Session,
    workspace: Workspace,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    attribution: str | None = None,
    segment: dict[str, str] | None = None,
) -> tuple[Read[tuple[Any, ...]], Callable[[tuple[Any, ...]], dict[int | None, NpsSummary]]]:
    """:func:`stage_counts` as one independent read and what decodes its row."""
    where = [
        Response.workspace_id == workspace.id,
        Response.kind == "nps",
        *within(Response.responded_at, since, until),
    ]
    if attribution is not None:
        where.append(Response.attribution == attribution)
    stage_ids = [s.id for s in list_stages(session=session, workspace=workspace)]
    packed = packed_score(Response.score)
    # While no count can reach 2²¹ (ids are global, so the largest id bounds every count:
    # one index lookup), a stage's answers, promoters and detractors share one SUM.
    narrow = (session.scalar(select(func.max(Response.id))) or 0) < NARROW
    columns: list[Any] = [func.count(), func.sum(packed)]
    for stage_id in stage_ids:
        mine = Response.attributed_stage_id == stage_id
        if narrow:
            columns.append(func.sum(case((mine, _packed3(Response.score)))))
        else:
            columns += [func.sum(case((mine, 1))), func.sum(case((mine, packed)))]
    stmt = select(*columns)
    if segment:
        stmt = stmt.select_from(Response).join(Delivery, Delivery.id == Response.delivery_id)
        where.extend(_in_segment(segment))

    def decode(row: tuple[Any, ...]) -> dict[int | None, NpsSummary]:
        counts: dict[int | None, NpsSummary] = {}
        rest = unpack(row[0], row[1])
        for i, stage_id in enumerate(stage_ids):
            group = _unpack3(row[2 + i]) if narrow else unpack(row[2 + 2 * i], row[3 + 2 * i])
            if group.responses:
                counts[stage_id] = group
                rest = rest_of(rest, group)
        if rest.responses:
            counts[None] = rest
        return counts

    return one_row(stmt.where(*where)), decode


def stage_counts(
    *,
    session: Session,
    workspace: Workspace,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    attribution: str | None = None,
    segment: dict[str, str] | None = None,
) -> dict[int | None, NpsSummary]:
    """Answers in [since, until) by attributed stage (None: not attributed), as NPS counts;
    only those attributed by ``attribution`` and in ``segment`` (attribute → value), if given.

    One pass, one column pair per stage (a pivot), rather than a GROUP BY: SQLite groups
    by sorting every row, which costs more than the scan itself at a million answers.
    """
    read, decode = stage_counts_read(
        session=session, workspace=workspace, since=since, until=until, attribution=attribution, segment=segment
    )
    return decode(read(session.connection()))


def theme_counts_read(
    *,
    workspace: Workspace,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    segment: dict[str, str] | None = None,
) -> Read[dict[str, NpsSummary]]:
    """:func:`theme_counts` as one independent read."""
    stmt = select(ResponseTheme.theme, func.count(), func.sum(packed_score(ResponseTheme.score)))
    where = [ResponseTheme.workspace_id == workspace.id, *within(ResponseTheme.responded_at, since, until)]
    if segment:
        stmt = stmt.join(Response, Response.id == ResponseTheme.response_id).join(
            Delivery, Delivery.id == Response.delivery_id
        )
        where.extend(_in_segment(segment))
    grouped = stmt.where(*where).group_by(ResponseTheme.theme)

    def read(connection: Connection) -> dict[str, NpsSummary]:
        return {theme: unpack(n, packed) for theme, n, packed in connection.execute(grouped)}

    return read


def theme_counts(
    *,
    session: Session,
    workspace: Workspace,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    segment: dict[str, str] | None = None,
) -> dict[str, NpsSummary]:
    """Answers in [since, until) that mention each theme, as NPS counts (in ``segment``, if given)."""
    return theme_counts_read(workspace=workspace, since=since, until=until, segment=segment)(session.connection())


def total_of(groups: dict[int | None, NpsSummary]) -> NpsSummary:
    """Everyone, from a partition of the answers (such as :func:`stage_counts`)."""
    return summarise(
        sum(s.responses for s in groups.values()),
        sum(s.promoters for s in groups.values()),
        sum(s.detractors for s in groups.values()),
    )


def group_entry(total: NpsSummary, group: NpsSummary) -> dict[str, Any]:
    """A group's NPS with its interval and its impact on the whole (the driver columns)."""
    return {
        "nps": group.nps,
        "ci95": list(group.ci95) if group.ci95 is not None else None,
        **impact(total, group).as_dict(),
    }


def harm_order(entry: dict[str, Any]) -> tuple[bool, float, int]:
    """Most harmful first: the most negative impact, then the most mentioned; no data last."""
    value = entry["nps_impact"]
    return (value is None, value if value is not None else 0.0, -int(entry.get("mentions", 0)))


def drivers(
    *,
    session: Session,
    workspace: Workspace,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    labels: dict[str, ThemeLabel] | None = None,
    kind: str | None = None,
    segment: dict[str, str] | None = None,
) -> dict[str, Any]:
    """``{"responses", "nps", "ci95", "drivers": [{"kind", "key", "name", "mentions", "nps", "nps_impact", …}]}``.

    ``labels`` names the taxonomy's themes; every one of them is listed, mentioned or not,
    as is every stage, and so are themes found in stored answers but since dropped from
    the taxonomy (under their key). ``segment`` (attribute → value, e.g. ``{"team": "t3"}``)
    narrows everything, the overall NPS included, to the answers of that segment: where
    a problem is local, it tops its segment's drivers long before it shows overall.
    """
    labels = labels or {}
    stages_read, decode = stage_counts_read(
        session=session, workspace=workspace, since=since, until=until, segment=segment
    )
    reads: list[Read[Any]] = [stages_read]
    if kind in (None, "theme"):
        reads.append(theme_counts_read(workspace=workspace, since=since, until=until, segment=segment))
    # The two scans share nothing: side by side on a read-only unit of work.
    results = read_in_parallel(session, reads)
    by_stage = decode(results[0])
    by_theme: dict[str, NpsSummary] = results[1] if len(results) > 1 else {}
    total = total_of(by_stage)
    empty = summarise(0, 0, 0)
    entries: list[dict[str, Any]] = []
    if kind in (None, "theme"):
        listed = [key for key, label in labels.items() if label.listed or key in by_theme]
        for key in [*listed, *sorted(k for k in by_theme if k not in labels)]:
            label = labels.get(key, ThemeLabel(key))
            group = by_theme.get(key, empty)
            entries.append(
                {
                    "kind": "theme",
                    "key": key,
                    "name": label.name,
                    "name_zh": label.name_zh,
                    "stage": label.stage,
                    "mentions": group.responses,
                    **group_entry(total, group),
                }
            )
    if kind in (None, "stage"):
        for stage in list_stages(session=session, workspace=workspace):
            group = by_stage.get(stage.id, empty)
            entries.append(
                {
                    "kind": "stage",
                    "key": stage.key,
                    "name": stage.name,
                    "name_zh": stage.name_zh,
                    "stage": stage.key,
                    "mentions": group.responses,
                    **group_entry(total, group),
                }
            )
    entries.sort(key=harm_order)
    return {
        "segment": segment or None,
        "responses": total.responses,
        "nps": total.nps,
        "ci95": list(total.ci95) if total.ci95 is not None else None,
        "small_sample": is_small_sample(total.responses),
        "drivers": entries,
    }
