"""stage_daily: the stage table's operations half, pre-aggregated per stage and local day

The stage table scanned every stage event of the period: 1.8 s for a full history at a
million answers and a 30% response rate (16.7 M events, bench/bench_metrics.py). This
table keeps, per stage and local day of the workspace's timezone, the completions, the
timed ones, the late ones (against the stage's target) and a log-spaced histogram of the
durations (doorstep.deliveries.stage_daily, which maintains it with the events).

The backfill computes every cell from the existing events, one indexed range query per
stage and day. It carries its own copy of the grid and the encoding on purpose: they are
part of this revision's schema (a later change of the grid needs a revision that rebuilds
the cells); tests/deliveries/test_stage_daily.py checks that this backfill gives exactly
what the application computes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 05:00:00
"""
from __future__ import annotations

import datetime as dt
import math
import sys
import zoneinfo
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The grid of doorstep.deliveries.stage_daily at this revision.
MANTISSA_BITS = 7
SUB = 1 << MANTISSA_BITS
LOW_EXP, HIGH_EXP = -10, 22
TINY, HUGE = 2.0**LOW_EXP, 2.0**HIGH_EXP
TOP = (HIGH_EXP - LOW_EXP) * SUB + 2


def _edge(i: int) -> float:
    return math.ldexp(SUB + i % SUB, i // SUB + LOW_EXP - MANTISSA_BITS)


def _left(x: float) -> int:
    mantissa, exponent = math.frexp(x)
    return (exponent - 1 - LOW_EXP) * SUB + int(mantissa * 2 * SUB) - SUB


def _key(duration: float) -> int:
    if duration > 0:
        if duration <= TINY:
            return 1
        if duration > HUGE:
            return TOP
        i = _left(duration)
        return i + 1 if _edge(i) == duration else i + 2
    if duration == 0:
        return 0
    if -duration < TINY:
        return -1
    if -duration >= HUGE:
        return -TOP
    return -(_left(-duration) + 2)


def _encode(counts: dict[int, int]) -> bytes:
    keys = sorted(k for k, n in counts.items() if n)
    out = array('i')
    i = 0
    while i < len(keys):
        j = i
        while j + 1 < len(keys) and keys[j + 1] - keys[j] <= 3:
            j += 1
        out.append(keys[i])
        out.append(keys[j] - keys[i] + 1)
        out.extend(counts.get(k, 0) for k in range(keys[i], keys[j] + 1))
        i = j + 1
    if sys.byteorder == 'big':
        out.byteswap()
    return out.tobytes()


def upgrade() -> None:
    op.create_table('stage_daily',
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('completions', sa.Integer(), nullable=False),
    sa.Column('timed', sa.Integer(), nullable=False),
    sa.Column('late', sa.Integer(), nullable=False),
    sa.Column('late_over', sa.Double(), nullable=True),
    sa.Column('durations', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['stage_id'], ['stages.id'], name=op.f('fk_stage_daily_stage_id_stages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_stage_daily_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('stage_id', 'day', name=op.f('pk_stage_daily'))
    )
    _backfill(op.get_bind())


def downgrade() -> None:
    op.drop_table('stage_daily')


def _backfill(conn: sa.Connection) -> None:
    events = sa.table('stage_events', sa.column('stage_id', sa.Integer()),
                      sa.column('completed_at', sa.DateTime(timezone=True)),
                      sa.column('duration_minutes', sa.Double()))
    daily = sa.table('stage_daily', sa.column('stage_id', sa.Integer()), sa.column('day', sa.Date()),
                     sa.column('workspace_id', sa.Integer()), sa.column('completions', sa.Integer()),
                     sa.column('timed', sa.Integer()), sa.column('late', sa.Integer()),
                     sa.column('late_over', sa.Double()), sa.column('durations', sa.LargeBinary()))
    # Every event is read: on the driver's cursor (SQLAlchemy's rows cost ~1 µs each), with
    # the bounds converted as SQLAlchemy binds them.
    to_driver: Callable[[Any], Any] = events.c.completed_at.type.bind_processor(conn.dialect) or (lambda v: v)
    mark = '?' if conn.dialect.paramstyle == 'qmark' else '%s'
    by_day = ('SELECT duration_minutes FROM stage_events WHERE stage_id = ? AND completed_at >= ?'
              ' AND completed_at < ?').replace('?', mark)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    stages = conn.execute(sa.text(
        'SELECT s.id, s.target_minutes, j.workspace_id, w.timezone FROM stages s'
        ' JOIN journeys j ON j.id = s.journey_id JOIN workspaces w ON w.id = j.workspace_id ORDER BY s.id'
    )).all()
    for stage_id, target, workspace_id, timezone in stages:
        tz = zoneinfo.ZoneInfo(timezone)
        starts: dict[dt.date, dt.datetime] = {}

        def start(day: dt.date, tz: dt.tzinfo = tz, starts: dict[dt.date, dt.datetime] = starts) -> dt.datetime:
            if day not in starts:
                starts[day] = dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)
            return starts[day]

        def day_of(instant: dt.datetime, tz: dt.tzinfo = tz) -> dt.date:
            instant = instant if instant.tzinfo is not None else instant.replace(tzinfo=dt.UTC)
            day = instant.astimezone(tz).date()
            if instant < start(day):
                return day - dt.timedelta(days=1)
            if instant >= start(day + dt.timedelta(days=1)):
                return day + dt.timedelta(days=1)
            return day

        first, last = conn.execute(
            sa.select(sa.func.min(events.c.completed_at), sa.func.max(events.c.completed_at))
            .where(events.c.stage_id == stage_id)
        ).one()
        if first is None:
            continue
        rows: list[dict[str, Any]] = []
        day, last_day = day_of(first), day_of(last)
        while day <= last_day:
            following = day + dt.timedelta(days=1)
            cursor.execute(by_day, (stage_id, to_driver(start(day)), to_driver(start(following))))
            durations = [row[0] for row in cursor.fetchall()]
            if durations:
                timed = [d for d in durations if d is not None]
                late = 0 if target is None else sum(1 for d in timed if d > target)
                rows.append({'stage_id': stage_id, 'day': day, 'workspace_id': workspace_id,
                             'completions': len(durations), 'timed': len(timed), 'late': late,
                             'late_over': target, 'durations': _encode(Counter(map(_key, timed)))})
            if len(rows) >= 1000:
                conn.execute(daily.insert(), rows)
                rows = []
            day = following
        if rows:
            conn.execute(daily.insert(), rows)
