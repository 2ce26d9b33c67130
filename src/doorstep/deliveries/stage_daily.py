"""``stage_daily``: per stage and local day, what the stage table needs of the stage events.

The stage table's operations half (per stage: completions, timed, late, median and p90
overrun) used to scan every stage event of the period: ~100–150 ns per event per core,
2 s and more for a full history of 16.7 M events (bench/README.md). This table holds one row per stage and local
day (the workspace's timezone) instead, kept in the same transaction as the events by
every writer (:func:`record_changes`), so a full-history query reads stages × days rows.

A cell holds:

* ``completions`` — events of the stage completed that day; ``timed`` — of which with a
  duration;
* ``late`` — timed events with a duration over ``late_over``, the stage's target when the
  cell was computed (a target change recomputes the stage's cells, :func:`refresh_late`);
* ``durations`` — a histogram of the durations on a fixed grid (below).

**The grid.** Log-spaced like a floating-point number with :data:`MANTISSA_BITS` bits of
mantissa: every octave [2ᵉ, 2ᵉ⁺¹) minutes is cut into 128 equal bins, from 2⁻¹⁰ minutes
(0.06 s) to 2²² minutes (8 years), mirrored for the negative durations that out-of-order
stage times produce, with one bin for zero, one each side for what is shorter than 2⁻¹⁰
and one each side for what is longer than 2²². Bins are closed on the right, (lo, hi], so
"late" (duration > baseline) is exact for any baseline that is a bin edge; every edge is a
dyadic number (integers up to 255 minutes, halves up to 127.5, 1,440 = a day …) compared
without rounding. A median is located in its bin and placed by rank inside it, so it is
off by less than one bin width: under 1/128 = **0.78%** of the duration (0.23 minutes on a
30-minute stage), whatever the number of events; the hash sample it replaces had a *rank*
error of ±0.7% at 95% (20,000 values), whose size in minutes depends on how spread the
durations are, and no hard bound.

A stage measured against its usual duration (no target) has that baseline rounded to the
nearest grid edge (:func:`snap`, at most 0.39% away — the median of a moving window is an
estimate anyway), so its late count is exact from the histogram alone, and the raw scan
uses the same rounded baseline.

**Days.** Cells are keyed by the local date in the workspace's timezone, so a period given
in whole days of that zone (what ``--since/--until`` mean) reads whole cells. A bound that
falls inside a day is answered from the raw events of that partial day (:class:`Period`),
so every period gives the raw scan's answer. DST days are 23 or 25 hours: a day is
[start of D, start of D+1) in instants, both found by the zone's rules. A change of the
workspace's timezone needs a rebuild (``doorstep rebuild-stage-daily``).

**Idempotency.** A writer passes each changed event's old and new (completed_at, duration)
(:class:`EventChange`); the cells lose the old values and gain the new, so replaying the
same delivery changes nothing and a moved event leaves its old day. On PostgreSQL the
cells are locked (``FOR UPDATE``) while they are read and rewritten, and ingest locks the
deliveries it updates before reading their old events, so concurrent writers queue
instead of losing updates. A cell that would go negative, or whose ``late_over`` is not
the stage's target, is recomputed from its raw events instead (self-healing), and
:func:`rebuild` recomputes a workspace from scratch.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from operator import add
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, select, tuple_, update
from sqlalchemy.orm import Session

from doorstep.db import insert_ignore_or_update, table_of
from doorstep.deliveries.models import Journey, Stage, StageDaily, StageEvent
from doorstep.timeutil import zone

# --- the grid --------------------------------------------------------------------------

MANTISSA_BITS = 7
SUB = 1 << MANTISSA_BITS  # bins per octave
LOW_EXP, HIGH_EXP = -10, 22  # 2⁻¹⁰ minutes (0.06 s) … 2²² minutes (8 years)
TINY, HUGE = 2.0**LOW_EXP, 2.0**HIGH_EXP
NBIN = (HIGH_EXP - LOW_EXP) * SUB  # regular bins on each side of zero
TOP = NBIN + 2  # the key of (HUGE, ∞)
OFFSET = TOP  # index of key 0 in a dense histogram
WIDTH = 2 * TOP + 1  # a dense histogram covers keys −TOP … TOP
RELATIVE_ERROR = 1.0 / SUB  # a quantile is off by less than this share of its value


def _edge(i: int) -> float:
    """The lower edge of the i-th regular bin, counted from TINY (exact: a dyadic number)."""
    return math.ldexp(SUB + i % SUB, i // SUB + LOW_EXP - MANTISSA_BITS)


def _left(x: float) -> int:
    """The regular bin with edge(i) ≤ x < edge(i + 1), for TINY ≤ x < HUGE."""
    mantissa, exponent = math.frexp(x)  # x = mantissa · 2^exponent, 0.5 ≤ mantissa < 1
    return (exponent - 1 - LOW_EXP) * SUB + int(mantissa * 2 * SUB) - SUB


def key_of(duration: float) -> int:
    """The bin of a duration in minutes: an integer, increasing with the duration, with
    bins closed on the right so that ``duration > edge`` ⇔ ``key_of(duration) > key_of(edge)``."""
    if duration > 0:
        if duration <= TINY:
            return 1
        if duration > HUGE:
            return TOP
        # _left inlined (it runs for every event written): the scaled mantissa is a whole
        # number exactly when the duration is an edge, which belongs to the bin below.
        mantissa, exponent = math.frexp(duration)
        scaled = mantissa * (2 * SUB)
        whole = int(scaled)
        i = (exponent - 1 - LOW_EXP) * SUB + whole - SUB
        return i + 1 if scaled == whole else i + 2
    if duration == 0:
        return 0
    magnitude = -duration
    if magnitude < TINY:
        return -1
    if magnitude >= HUGE:
        return -TOP
    return -(_left(magnitude) + 2)


def bounds(key: int) -> tuple[float, float]:
    """(lo, hi]: the durations of a bin (for the outermost bins, their finite end twice)."""
    if key == 0:
        return 0.0, 0.0
    size = abs(key)
    if size == 1:
        lo, hi = 0.0, TINY
    elif size >= TOP:
        lo = hi = HUGE
    else:
        lo, hi = _edge(size - 2), _edge(size - 1)
    return (lo, hi) if key > 0 else (-hi, -lo)


def snap(minutes: float) -> float:
    """The grid edge nearest to ``minutes`` (a usual duration made countable exactly)."""
    if minutes < 0:
        return -snap(-minutes)
    if minutes == 0 or minutes <= TINY / 2:
        return 0.0
    if minutes <= TINY:
        return TINY
    if minutes >= HUGE:
        return HUGE
    i = _left(minutes)
    lo, hi = _edge(i), _edge(i + 1)
    return lo if minutes - lo <= hi - minutes else hi


# --- the histogram's bytes ---------------------------------------------------------------

_SWAP = sys.byteorder == "big"  # stored little-endian
_GAP = 3  # zeros cost 4 bytes each, a new run 8: keep up to two zeros inside a run


def encode(counts: dict[int, int]) -> bytes:
    """Runs of int32: [first key, length, count, count, …] …, for the non-zero counts."""
    keys = sorted(k for k, n in counts.items() if n)
    out = array("i")
    i = 0
    while i < len(keys):
        j = i
        while j + 1 < len(keys) and keys[j + 1] - keys[j] <= _GAP:
            j += 1
        first, length = keys[i], keys[j] - keys[i] + 1
        out.append(first)
        out.append(length)
        out.extend(counts.get(k, 0) for k in range(first, first + length))
        i = j + 1
    if _SWAP:
        out.byteswap()
    return out.tobytes()


def _runs(blob: bytes) -> Iterable[tuple[int, array[int]]]:
    values = array("i")
    values.frombytes(blob)
    if _SWAP:
        values.byteswap()
    position = 0
    while position < len(values):
        first, length = values[position], values[position + 1]
        yield first, values[position + 2 : position + 2 + length]
        position += 2 + length


def decode(blob: bytes) -> dict[int, int]:
    return {first + k: n for first, run in _runs(blob) for k, n in enumerate(run) if n}


def add_into(total: list[int], blob: bytes) -> None:
    """Add a stored histogram into a dense one (``total[key + OFFSET]``), a run at a time."""
    for first, run in _runs(blob):
        start = first + OFFSET
        end = start + len(run)
        total[start:end] = map(add, total[start:end], run)


def dense_quantiles(total: list[int], qs: Sequence[float]) -> list[float | None]:
    """The q-quantiles of a dense histogram, as :func:`doorstep.stats.quantile` defines them
    (linear between the two nearest ranks), each rank placed evenly inside its bin."""
    n = sum(total)
    if n == 0:
        return [None for _ in qs]
    wanted: dict[int, float] = {}
    for q in qs:
        position = q * (n - 1)
        wanted[math.floor(position)] = 0.0
        wanted[min(math.floor(position) + 1, n - 1)] = 0.0
    ranks = sorted(wanted)
    r = 0
    seen = 0
    for index, count in enumerate(total):
        if not count:
            continue
        while r < len(ranks) and ranks[r] < seen + count:
            lo, hi = bounds(index - OFFSET)
            wanted[ranks[r]] = lo + (hi - lo) * (ranks[r] - seen + 0.5) / count
            r += 1
        if r == len(ranks):
            break
        seen += count
    out: list[float | None] = []
    for q in qs:
        position = q * (n - 1)
        low = math.floor(position)
        high = min(low + 1, n - 1)
        out.append(wanted[low] + (wanted[high] - wanted[low]) * (position - low))
    return out


def late_above(total: list[int], baseline: float) -> int:
    """How many durations of a dense histogram exceed ``baseline``, a grid edge (:func:`snap`)."""
    return sum(total[key_of(baseline) + OFFSET + 1 :])


# --- cells ---------------------------------------------------------------------------------


@dataclass
class Cell:
    """The figures of some events of one stage: a stored cell, a change to one, or a raw scan."""

    completions: int = 0
    timed: int = 0
    late: int = 0
    bins: dict[int, int] = field(default_factory=dict)

    def merge(self, other: Cell, sign: int = 1) -> None:
        self.completions += sign * other.completions
        self.timed += sign * other.timed
        self.late += sign * other.late
        for key, n in other.bins.items():
            self.bins[key] = self.bins.get(key, 0) + sign * n

    @property
    def empty(self) -> bool:
        return not (self.completions or self.timed or self.late or any(self.bins.values()))

    @property
    def valid(self) -> bool:
        return (
            self.completions >= self.timed >= self.late >= 0
            and all(n >= 0 for n in self.bins.values())
            and sum(self.bins.values()) == self.timed
        )


class LocalDays:
    """Local days of a timezone as instants: day D is [start(D), start(D + 1))."""

    def __init__(self, timezone: str) -> None:
        self.tz = zone(timezone)
        self._starts: dict[dt.date, dt.datetime] = {}
        self._last: tuple[dt.datetime, dt.datetime, dt.date] | None = None  # the day found last

    def start(self, day: dt.date) -> dt.datetime:
        found = self._starts.get(day)
        if found is None:
            # A midnight skipped by a clock change maps to the change itself (fold=0 takes
            # the offset before it): the first instant of the day either way.
            found = dt.datetime.combine(day, dt.time(), tzinfo=self.tz).astimezone(dt.UTC)
            self._starts[day] = found
        return found

    def of(self, instant: dt.datetime) -> dt.date:
        last = self._last
        if last is not None and last[0] <= instant < last[1]:  # a batch's events share a few days
            return last[2]
        day = instant.astimezone(self.tz).date()
        # Where a clock goes back across midnight the local date steps back for an hour;
        # keep days contiguous so that they agree with start().
        if instant < self.start(day):
            day -= dt.timedelta(days=1)
        elif instant >= self.start(day + dt.timedelta(days=1)):
            day += dt.timedelta(days=1)
        self._last = (self.start(day), self.start(day + dt.timedelta(days=1)), day)
        return day


@dataclass(frozen=True)
class Period:
    """A half-open period [since, until) cut into whole local days and the partial days at
    its ends, which are answered from raw events."""

    first_day: dt.date | None  # whole days from here (None: from the beginning) …
    end_day: dt.date | None  # … to before here (None: to the end)
    edges: tuple[tuple[dt.datetime, dt.datetime], ...]  # instants [a, b) read from raw events
    whole_days: bool  # False: the period is inside one day (edges only, no cells)

    @staticmethod
    def of(days: LocalDays, since: dt.datetime | None, until: dt.datetime | None) -> Period:
        if since is not None and until is not None and since >= until:
            return Period(None, None, (), False)
        first = end = None
        edges: list[tuple[dt.datetime, dt.datetime]] = []
        if since is not None:
            first = days.of(since)
            if since != days.start(first):
                first += dt.timedelta(days=1)
                edges.append((since, days.start(first)))
        if until is not None:
            end = days.of(until)
            if until != days.start(end):
                edges.append((days.start(end), until))
        if first is not None and end is not None and first > end:  # both ends inside one day
            return Period(None, None, ((since, until),), False)  # type: ignore[arg-type]
        return Period(first, end, tuple((a, b) for a, b in edges if a < b), True)


def _cells_where(period: Period) -> list[Any]:
    t = table_of(StageDaily)
    where = []
    if period.first_day is not None:
        where.append(t.c.day >= period.first_day)
    if period.end_day is not None:
        where.append(t.c.day < period.end_day)
    return where


def read_cells(connection: Connection | Session, stage_id: int, period: Period) -> list[Any]:
    """The stored cells of a stage in the period's whole days."""
    if not period.whole_days:
        return []
    t = table_of(StageDaily)
    return list(
        connection.execute(
            select(t.c.completions, t.c.timed, t.c.late, t.c.late_over, t.c.durations).where(
                t.c.stage_id == stage_id, *_cells_where(period)
            )
        )
    )


_RAW_SQL = (
    "SELECT duration_minutes FROM stage_events WHERE stage_id = ? AND completed_at >= ? AND completed_at < ?"
)
_EARLIEST = dt.datetime(1, 1, 2, tzinfo=dt.UTC)  # open bounds (Doorstep accepts the years 1900–2999)
_LATEST = dt.datetime(9999, 12, 30, tzinfo=dt.UTC)


def raw_durations(
    connection: Connection | Session,
    stage_id: int,
    start: dt.datetime | None,
    end: dt.datetime | None,
    *,
    timed_only: bool = False,
) -> list[float | None]:
    """Every event's duration (None: untimed) of a stage in [start, end), on the
    (stage_id, completed_at, duration_minutes) index; only the timed ones with ``timed_only``.

    On the driver's own cursor: a rebuild reads every event, a period cut mid-day a day of
    them, and SQLAlchemy's rows cost ~1 µs each. The bounds go through the column's own bind
    processor, so the events selected are those a SQLAlchemy query would select.
    """
    if isinstance(connection, Session):
        connection = connection.connection()  # (begins the session's transaction if need be)
    dialect = connection.dialect
    to_driver: Callable[[Any], Any] = (
        table_of(StageEvent).c.completed_at.type.bind_processor(dialect) or (lambda value: value)
    )
    sql = _RAW_SQL + (" AND duration_minutes IS NOT NULL" if timed_only else "")
    if dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, (stage_id, to_driver(start or _EARLIEST), to_driver(end or _LATEST)))
        return [row[0] for row in cursor.fetchall()]
    finally:
        cursor.close()


def raw_cell(
    connection: Connection | Session,
    stage_id: int,
    start: dt.datetime | None,
    end: dt.datetime | None,
    target: float | None,
) -> Cell:
    return cell_of(raw_durations(connection, stage_id, start, end), target)


def cell_of(durations: Sequence[float | None], target: float | None) -> Cell:
    timed = [d for d in durations if d is not None]
    # In bulk (Counter counts in C): a rebuild reads every event of the workspace.
    late = 0 if target is None else sum(1 for d in timed if d > target)
    return Cell(len(durations), len(timed), late, dict(Counter(map(key_of, timed))))


def has_cells(connection: Connection | Session, stage_id: int) -> bool:
    t = table_of(StageDaily)
    return connection.execute(select(t.c.day).where(t.c.stage_id == stage_id).limit(1)).first() is not None


def has_events(connection: Connection | Session, stage_id: int) -> bool:
    e = table_of(StageEvent)
    return connection.execute(select(e.c.delivery_id).where(e.c.stage_id == stage_id).limit(1)).first() is not None


# --- keeping it with the events ------------------------------------------------------------


@dataclass(frozen=True)
class EventChange:
    """One stage event as it was (None: new) and as it is now (None: deleted)."""

    stage_id: int
    old: tuple[dt.datetime, float | None] | None
    new: tuple[dt.datetime, float | None] | None


def _workspace_stages(session: Session, workspace_id: int) -> dict[int, float | None]:
    """The targets of the workspace's stages, by stage id."""
    rows = session.execute(
        select(Stage.id, Stage.target_minutes).join(Journey, Journey.id == Stage.journey_id)
        .where(Journey.workspace_id == workspace_id)
    )
    return {stage_id: target for stage_id, target in rows}


_VALUES = ("completions", "timed", "late", "late_over", "durations")


def _row(workspace_id: int, stage_id: int, day: dt.date, cell: Cell, target: float | None) -> dict[str, Any]:
    return {
        "stage_id": stage_id,
        "day": day,
        "workspace_id": workspace_id,
        "completions": cell.completions,
        "timed": cell.timed,
        "late": cell.late if target is not None else 0,
        "late_over": target,
        "durations": encode(cell.bins),
    }


def record_changes(
    session: Session, *, workspace_id: int, timezone: str, changes: Sequence[EventChange]
) -> int:
    """Apply changed stage events to their cells, in the caller's transaction, after the
    events themselves are written. Returns how many cells changed."""
    if not changes:
        return 0
    targets = _workspace_stages(session, workspace_id)
    days = LocalDays(timezone)
    gained: dict[tuple[int, dt.date], list[float | None]] = {}
    lost: dict[tuple[int, dt.date], list[float | None]] = {}
    for change in changes:
        if change.old is not None:
            lost.setdefault((change.stage_id, days.of(change.old[0])), []).append(change.old[1])
        if change.new is not None:
            gained.setdefault((change.stage_id, days.of(change.new[0])), []).append(change.new[1])
    deltas: dict[tuple[int, dt.date], Cell] = {}
    for key in gained.keys() | lost.keys():
        cell = cell_of(gained.get(key, []), targets.get(key[0]))
        cell.merge(cell_of(lost.get(key, []), targets.get(key[0])), sign=-1)
        deltas[key] = cell
    keys = sorted(k for k, cell in deltas.items() if not cell.empty)
    if not keys:
        return 0
    t = table_of(StageDaily)
    # Make sure every cell exists, then lock them in one order: on PostgreSQL a concurrent
    # writer of the same cells waits here until this transaction ends (SQLite has one writer).
    insert_ignore_or_update(
        session, t, [_row(workspace_id, s, d, Cell(), targets.get(s)) for s, d in keys],
        keys=["stage_id", "day"], update=[],
    )  # fmt: skip
    stored: dict[tuple[int, dt.date], Any] = {}
    for part in range(0, len(keys), 500):
        for row in session.execute(
            select(t.c.stage_id, t.c.day, t.c.completions, t.c.timed, t.c.late, t.c.late_over, t.c.durations)
            .where(tuple_(t.c.stage_id, t.c.day).in_(keys[part : part + 500]))
            .order_by(t.c.stage_id, t.c.day)
            .with_for_update()
        ):
            stored[(row.stage_id, row.day)] = row
    changed, gone = [], []
    for key in keys:
        stage_id, day = key
        target = targets.get(stage_id)
        row = stored[key]
        cell = Cell(row.completions, row.timed, row.late, decode(row.durations))
        cell.merge(deltas[key])
        if row.late_over != target or not cell.valid:
            # Computed against another target, or out of step with the events (a write that
            # went around this module): recount the day from the events, already written.
            cell = raw_cell(session, stage_id, days.start(day), days.start(day + dt.timedelta(days=1)), target)
        if cell.completions == 0:
            gone.append(key)
        else:
            new = _row(workspace_id, stage_id, day, cell, target)
            changed.append({"_stage": stage_id, "_day": day, **{k: new[k] for k in _VALUES}})
    if changed:
        session.connection().execute(
            update(t)
            .where(t.c.stage_id == bindparam("_stage"), t.c.day == bindparam("_day"))
            .values({k: bindparam(k) for k in _VALUES}),
            changed,
        )
    if gone:
        session.execute(delete(t).where(tuple_(t.c.stage_id, t.c.day).in_(gone)))
    return len(keys)




def refresh_late(session: Session, *, stage: Stage, timezone: str) -> None:
    """Recount ``late`` against the stage's current target (after the target changed)."""
    t, e = table_of(StageDaily), table_of(StageEvent)
    days = LocalDays(timezone)
    target = stage.target_minutes
    rows = []
    for (day,) in session.execute(select(t.c.day).where(t.c.stage_id == stage.id)):
        late = 0
        if target is not None:
            late = int(
                session.scalar(
                    select(func.count()).where(
                        e.c.stage_id == stage.id,
                        e.c.completed_at >= days.start(day),
                        e.c.completed_at < days.start(day + dt.timedelta(days=1)),
                        e.c.duration_minutes > target,
                    )
                )
                or 0
            )
        rows.append({"_stage": stage.id, "_day": day, "late": late, "late_over": target})
    if rows:
        session.connection().execute(
            update(t)
            .where(t.c.stage_id == bindparam("_stage"), t.c.day == bindparam("_day"))
            .values(late=bindparam("late"), late_over=bindparam("late_over")),
            rows,
        )


# --- from scratch --------------------------------------------------------------------------


def computed_cells(
    session: Session, *, workspace_id: int, timezone: str, stage_ids: Iterable[int] | None = None
) -> dict[tuple[int, dt.date], dict[str, Any]]:
    """Every cell of the workspace's stages as the events say it should be, by (stage, day).

    One indexed range query per stage and local day, returning durations only (no
    timestamps to parse).
    """
    targets = _workspace_stages(session, workspace_id)
    wanted = targets if stage_ids is None else {s: targets[s] for s in stage_ids if s in targets}
    days = LocalDays(timezone)
    e = table_of(StageEvent)
    cells: dict[tuple[int, dt.date], dict[str, Any]] = {}
    for stage_id, target in sorted(wanted.items()):
        first, last = session.execute(
            select(func.min(e.c.completed_at), func.max(e.c.completed_at)).where(e.c.stage_id == stage_id)
        ).one()
        if first is None:
            continue
        day, last_day = days.of(first), days.of(last)
        while day <= last_day:
            following = day + dt.timedelta(days=1)
            cell = raw_cell(session, stage_id, days.start(day), days.start(following), target)
            if cell.completions:
                cells[(stage_id, day)] = _row(workspace_id, stage_id, day, cell, target)
            day = following
    return cells


@dataclass
class RebuildResult:
    stages: int
    cells: int
    events: int
    differences: int  # cells that were missing, extra or different before

    def as_dict(self) -> dict[str, int]:
        return {"stages": self.stages, "cells": self.cells, "events": self.events, "differences": self.differences}


def stored_cells(session: Session, *, workspace_id: int) -> dict[tuple[int, dt.date], dict[str, Any]]:
    t = table_of(StageDaily)
    return {
        (row["stage_id"], row["day"]): {**row, "durations": bytes(row["durations"])}
        for row in session.execute(select(t).where(t.c.workspace_id == workspace_id)).mappings()
    }


def _differences(stored: dict[Any, dict[str, Any]], wanted: dict[Any, dict[str, Any]]) -> int:
    def same(a: dict[str, Any], b: dict[str, Any]) -> bool:
        return all(a[k] == b[k] for k in ("completions", "timed", "late", "late_over")) and decode(
            a["durations"]
        ) == decode(b["durations"])

    return sum(1 for k in stored.keys() | wanted.keys() if k not in stored or k not in wanted
               or not same(stored[k], wanted[k]))  # fmt: skip


def rebuild(session: Session, *, workspace_id: int, timezone: str, check_only: bool = False) -> RebuildResult:
    """Recompute every cell of a workspace from its stage events (or, with ``check_only``,
    only count the cells that differ)."""
    wanted = computed_cells(session, workspace_id=workspace_id, timezone=timezone)
    stored = stored_cells(session, workspace_id=workspace_id)
    differences = _differences(stored, wanted)
    if not check_only and differences:
        t = table_of(StageDaily)
        session.execute(delete(t).where(t.c.workspace_id == workspace_id))
        rows = list(wanted.values())
        for part in range(0, len(rows), 1000):
            session.execute(t.insert(), rows[part : part + 1000])
    return RebuildResult(
        stages=len({s for s, _ in wanted}),
        cells=len(wanted),
        events=sum(row["completions"] for row in wanted.values()),
        differences=differences,
    )
