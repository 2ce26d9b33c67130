"""Insight queries at a million responses: `stages`, `drivers` and the weekly NPS trend.

Builds (once, then reuses) a SQLite database with one food workspace holding
1,000,000 answers over a year and responses/rate deliveries (--response-rate 0.3, the
realistic shape: 3,333,333 deliveries, 16.7 M stage events; the default 1.0 answers every
delivery): 5 stage events per delivery with their durations, lateness, 30% of the answers
with a comment (70% Chinese, 30% English), their response_themes rows, and a stage
attribution for each answer (picked, text, timing) as the analysis would store it. Rows go
in through SQLAlchemy Core executemany, like the import path, but without the analysis;
the per-day stage aggregate (stage_daily) is then built from the events by the same
rebuild the migration's backfill and `doorstep rebuild-stage-daily` run, and timed.

Then times each service on a full-history query (the best of --repeat runs after a
warm-up) against the hand-written SQL that computes the same aggregates in the same
run, so the ratio holds on a noisy machine:

    .venv/bin/python bench/bench_metrics.py [--responses N] [--response-rate R] [--rebuild] [--repeat 5]
                                            [--accuracy]

The "hand SQL" is the floor: plain GROUP BYs with no interval, impact, quantile or
ordering work, run on the raw DBAPI connection (no SQLAlchemy); for `stages` it is the
obvious SQL over the stage events (what Doorstep itself ran before stage_daily).
--accuracy also prints, per stage, the exact median and p90 overrun (every duration
sorted) against the histogram's and the hash sample's (the previous method).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text

from bench.machine import describe
from doorstep.accounts.models import Workspace
from doorstep.accounts.services import create_workspace
from doorstep.db import Database, table_of
from doorstep.deliveries.models import Customer, Delivery, StageEvent
from doorstep.deliveries.services import add_stage, ensure_journey, list_stages
from doorstep.deliveries.stage_daily import rebuild as rebuild_stage_daily
from doorstep.insight.models import ResponseTheme
from doorstep.insight.ops import lateness_effect, raw_stage_ops, stage_baselines, stage_ops, stage_table
from doorstep.insight.services import driver_report
from doorstep.migrations import upgrade
from doorstep.surveys.metrics import trend
from doorstep.surveys.models import Response

STAGES = [  # key, target minutes, median minutes, spread
    ("ordered", 2.0, 1.5, 0.4),
    ("prepared", 15.0, 14.0, 0.3),
    ("dispatched", 5.0, 4.0, 0.5),
    ("picked_up", 8.0, 7.0, 0.35),
    ("delivered", 20.0, 17.0, 0.3),
]
COMMENTS = [  # language, text, themes
    ("zh", "送得太慢了，等了一个多小时", ("timeliness",)),
    ("zh", "饭都凉了，汤也洒了", ("temperature", "spillage")),
    ("zh", "骑手态度很差", ("courier_manner",)),
    ("zh", "少了一份饺子", ("missing_items",)),
    ("zh", "包装破了", ("packaging",)),
    ("zh", "很好吃，送得也快", ()),
    ("zh", "出餐太慢", ("preparation",)),
    ("en", "Arrived late and cold", ("timeliness", "temperature")),
    ("en", "The soup spilled everywhere", ("spillage",)),
    ("en", "Great dumplings, fast delivery", ()),
    ("en", "Missing one item", ("missing_items",)),
]
THEME_STAGE = {
    "timeliness": "delivered",
    "temperature": "delivered",
    "spillage": "delivered",
    "courier_manner": "delivered",
    "missing_items": "prepared",
    "packaging": "prepared",
    "preparation": "prepared",
}
CHUNK = 50_000


def build(path: Path, responses: int, seed: int = 1, rate: float = 1.0) -> None:
    """The benchmark database: responses/rate deliveries over one year ending now, `responses` of
    them answered (spread evenly), then stage_daily rebuilt from the events."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    db = Database(f"sqlite:///{path}")
    upgrade(db.engine)
    rng = random.Random(seed)  # benchmark data, not secrets
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    start = now - dt.timedelta(days=365)
    total = round(responses / rate)
    step = dt.timedelta(days=365) / total
    with db.write() as session:
        ws = create_workspace(session=session, slug="bench", name="Bench", timezone="Asia/Shanghai", locale="zh-CN")
        for key, target, _, _ in STAGES:
            add_stage(session=session, workspace=ws, key=key, target_minutes=target)
        stages = {s.key: s.id for s in list_stages(session=session, workspace=ws)}
        journey_id = ensure_journey(session=session, workspace=ws).id
        customers = [
            {"workspace_id": ws.id, "external_id": f"c{i}", "attributes": {}, "created_at": now}
            for i in range(max(1, responses // 10))
        ]
        session.execute(insert(table_of(Customer)), customers)
        workspace_id = ws.id
    customer_base = 1
    answered = 0
    t0 = time.perf_counter()
    with db.engine.begin() as conn:
        for first in range(0, total, CHUNK):
            deliveries, events, answers, themes = [], [], [], []
            for i in range(first, min(first + CHUNK, total)):
                delivery_id = i + 1
                ordered = start + step * i
                moment = ordered
                overrun: dict[str, float] = {}
                for position, (key, target, median, spread) in enumerate(STAGES):
                    minutes = max(0.5, median * rng.lognormvariate(0.0, spread))
                    moment += dt.timedelta(minutes=minutes)
                    duration = None if position == 0 else round(minutes, 2)
                    if duration is not None:
                        overrun[key] = (duration - target) / target
                    events.append(
                        {
                            "delivery_id": delivery_id,
                            "stage_id": stages[key],
                            "completed_at": moment,
                            "duration_minutes": duration,
                        }
                    )
                promised = ordered + dt.timedelta(minutes=55)
                lateness = (moment - promised).total_seconds() / 60
                deliveries.append(
                    {
                        "workspace_id": workspace_id,
                        "journey_id": journey_id,
                        "external_id": f"F{delivery_id}",
                        "customer_id": customer_base + i % len(customers),
                        "status": "delivered",
                        "promised_at": promised,
                        "delivered_at": moment,
                        "lateness_minutes": lateness,
                        "attributes": {"team": f"team-{i % 8}"},
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                if (i + 1) * responses // total == i * responses // total:
                    continue  # not answered (the answered ones are spread evenly over the year)
                answered += 1
                response_id = answered
                score = min(10, max(0, round(rng.gauss(9.0, 1.2) - max(0.0, lateness) / 6)))
                comment = language = label = None
                found: tuple[str, ...] = ()
                if rng.random() < 0.3:
                    bad = [c for c in COMMENTS if c[2]] if score <= 6 else COMMENTS
                    language, comment, found = rng.choice(bad)
                    label = "negative" if found else "positive"
                picked = stages[rng.choice(("prepared", "delivered"))] if score <= 6 and rng.random() < 0.3 else None
                worst = max(overrun, key=overrun.__getitem__)
                if picked is not None:
                    attributed, method = picked, "picked"
                elif found:
                    attributed, method = stages[THEME_STAGE[found[0]]], "text"
                elif overrun[worst] > 0:
                    attributed, method = stages[worst], "timing"
                else:
                    attributed, method = None, None
                responded = moment + dt.timedelta(minutes=30)
                answers.append(
                    {
                        "workspace_id": workspace_id,
                        "delivery_id": delivery_id,
                        "customer_id": customer_base + i % len(customers),
                        "id": response_id,
                        "source_key": f"bench:{delivery_id}",
                        "score": score,
                        "comment": comment,
                        "stage_id": picked,
                        "language": language,
                        "sentiment": None if label is None else (-0.6 if found else 0.7),
                        "sentiment_label": label,
                        "themes": list(found),
                        "attributed_stage_id": attributed,
                        "attribution": method,
                        "attributes": {},
                        "responded_at": responded,
                        "created_at": now,
                    }
                )
                themes.extend(
                    {
                        "response_id": response_id,
                        "theme": theme,
                        "workspace_id": workspace_id,
                        "responded_at": responded,
                        "score": score,
                    }
                    for theme in found
                )
            conn.execute(insert(table_of(Delivery)), deliveries)
            conn.execute(insert(table_of(StageEvent)), events)
            if answers:
                conn.execute(insert(table_of(Response)), answers)
            if themes:
                conn.execute(insert(table_of(ResponseTheme)), themes)
            print(f"  built {first + len(deliveries):,} / {total:,} deliveries, {answered:,} answers "
                  f"({time.perf_counter() - t0:.0f}s)", flush=True)
    t1 = time.perf_counter()
    with db.write() as session:
        ws = session.scalars(select(Workspace).where(Workspace.slug == "bench")).one()
        result = rebuild_stage_daily(session, workspace_id=ws.id, timezone=ws.timezone)
    print(f"  stage_daily rebuilt from {result.events:,} stage events: {result.cells:,} cells in "
          f"{time.perf_counter() - t1:.1f}s", flush=True)
    db.dispose()
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("ANALYZE")
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """(best, median) seconds over `repeat` runs after one warm-up run, and the last result."""
    result = fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), result


def hand_sql(path: Path) -> dict[str, Callable[[], Any]]:
    """The same aggregates, written by hand on the raw sqlite3 connection."""
    conn = sqlite3.connect(path)
    ws = conn.execute("SELECT id FROM workspaces WHERE slug = 'bench'").fetchone()[0]
    stages = conn.execute(
        "SELECT s.id, s.target_minutes FROM stages s JOIN journeys j ON j.id = s.journey_id WHERE j.workspace_id = ?",
        (ws,),
    ).fetchall()

    def stages_sql() -> Any:
        ops = [
            conn.execute(
                "SELECT count(*), count(duration_minutes), sum(duration_minutes > ?) FROM stage_events"
                " WHERE stage_id = ?",
                (target, stage_id),
            ).fetchone()
            for stage_id, target in stages
        ]
        answers = conn.execute(
            "SELECT attributed_stage_id, count(*), sum(score >= 9), sum(score <= 6) FROM responses"
            " WHERE workspace_id = ? GROUP BY attributed_stage_id",
            (ws,),
        ).fetchall()
        return ops, answers

    def drivers_sql() -> Any:
        by_stage = conn.execute(
            "SELECT attributed_stage_id, count(*), sum(score >= 9), sum(score <= 6) FROM responses"
            " WHERE workspace_id = ? GROUP BY attributed_stage_id",
            (ws,),
        ).fetchall()
        by_theme = conn.execute(
            "SELECT theme, count(*), sum(score >= 9), sum(score <= 6) FROM response_themes"
            " WHERE workspace_id = ? GROUP BY theme",
            (ws,),
        ).fetchall()
        return by_stage, by_theme

    def trend_sql() -> Any:
        # Weeks in Shanghai time (UTC+8, no DST), Monday first.
        return conn.execute(
            "SELECT date(responded_at, '+8 hours', 'weekday 1', '-7 days') AS week, count(*), sum(score >= 9),"
            " sum(score <= 6) FROM responses WHERE workspace_id = ? GROUP BY week",
            (ws,),
        ).fetchall()

    def lateness_sql() -> Any:
        return conn.execute(
            "SELECT CASE WHEN d.lateness_minutes <= 0 THEN 0 WHEN d.lateness_minutes <= 5 THEN 1"
            " WHEN d.lateness_minutes <= 15 THEN 2 WHEN d.lateness_minutes <= 30 THEN 3 ELSE 4 END AS bucket,"
            " count(*), sum(r.score >= 9), sum(r.score <= 6) FROM responses r JOIN deliveries d ON d.id = r.delivery_id"
            " WHERE r.workspace_id = ? GROUP BY bucket",
            (ws,),
        ).fetchall()

    return {"stages": stages_sql, "drivers": drivers_sql, "trend (weekly)": trend_sql, "lateness (extra)": lateness_sql}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--response-rate", type=float, default=1.0,
                        help="Answered share of deliveries (0.3: the realistic shape, 3.3 deliveries per answer).")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true", help="Build the database again even if it exists.")
    parser.add_argument("--accuracy", action="store_true", help="Also compare the quantiles with exact ones.")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "doorstep-bench")
    args = parser.parse_args()
    if not 0 < args.response_rate <= 1:
        parser.error("--response-rate must be in (0, 1]")
    args.dir.mkdir(parents=True, exist_ok=True)
    rate = "" if args.response_rate == 1 else f"-r{args.response_rate:g}"
    path = args.dir / f"metrics-{args.responses}{rate}.db"
    if args.rebuild or not path.exists():
        print(f"building {path} …", flush=True)
        started = time.perf_counter()
        build(path, args.responses, rate=args.response_rate)
        print(f"built in {time.perf_counter() - started:.0f}s", flush=True)
    db = Database(f"sqlite:///{path}")
    started = time.perf_counter()
    if upgrade(db.engine):  # a database built before a migration (0008 backfills stage_daily)
        print(f"migrated to the latest schema in {time.perf_counter() - started:.0f}s", flush=True)
    with db.read() as session:
        ws = session.scalars(select(Workspace).where(Workspace.slug == "bench")).one()
        counts = {
            table: session.scalar(text(f"SELECT count(*) FROM {table}"))
            for table in ("responses", "stage_events", "response_themes")
        }
        commented = session.scalar(text("SELECT count(*) FROM responses WHERE comment IS NOT NULL"))
        session.expunge_all()  # keep the workspace usable in later units of work, as the API does

    def ours(fn: Callable[..., Any], **kwargs: Any) -> Callable[[], Any]:
        def run() -> Any:
            with db.read() as session:
                return fn(session=session, workspace=ws, **kwargs)

        return run

    services = {
        "stages": ours(stage_table),
        "drivers": ours(driver_report),
        "trend (weekly)": ours(trend, every="week"),
        "lateness (extra)": ours(lateness_effect),
    }
    raw = hand_sql(path)
    print(f"\nmachine: {describe(f'SQLite {sqlite3.sqlite_version}')}")
    print(
        f"data: {counts['responses']:,} responses ({commented / counts['responses']:.0%} with a comment), "
        f"{counts['stage_events']:,} stage events, {counts['response_themes']:,} response_themes rows\n"
    )
    print("| query (full history) | Doorstep best / median | hand SQL best | ratio |")
    print("|---|---|---|---|")
    for name, fn in services.items():
        ours_best, ours_median, _ = best(fn, args.repeat)
        raw_best, _, _ = best(raw[name], args.repeat)
        print(f"| {name} | {ours_best * 1000:,.0f} ms / {ours_median * 1000:,.0f} ms | {raw_best * 1000:,.0f} ms "
              f"| {ours_best / raw_best:.2f}× |", flush=True)  # fmt: skip
    if args.accuracy:
        accuracy(db, ws)
    db.dispose()


def accuracy(db: Database, ws: Workspace) -> None:
    """Median and p90 overrun per stage: exact (every duration, sorted), from the histograms,
    and from the previous method's hash sample, in minutes."""
    from doorstep.stats import quantile

    print("\n| stage | timed events | median: exact / histogram / hash sample | p90: exact / histogram / hash sample |")
    print("|---|---|---|---|")
    with db.read() as session:
        baselines = stage_baselines(session=session, workspace=ws)
        histogram = {o.stage.id: o for o in stage_ops(session=session, workspace=ws, baselines=baselines)}
        sample = {o.stage.id: o for o in raw_stage_ops(session=session, baselines=baselines)}
        for b in baselines:
            if b.baseline_minutes is None:
                continue
            values = sorted(session.scalars(text(
                "SELECT duration_minutes FROM stage_events WHERE stage_id = :s AND duration_minutes IS NOT NULL"
            ), {"s": b.id}))
            if not values:  # the first stage is untimed
                continue
            cells = []
            for q, attr in ((0.5, "median_overrun"), (0.9, "p90_overrun")):
                exact = quantile(values, q)
                assert exact is not None
                exact -= b.baseline_minutes
                cells.append(f"{exact:.3f} / {getattr(histogram[b.id], attr):.3f} / {getattr(sample[b.id], attr):.3f}")
            print(f"| {b.key} | {len(values):,} | {cells[0]} | {cells[1]} |", flush=True)


if __name__ == "__main__":
    main()
