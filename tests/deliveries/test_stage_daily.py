"""stage_daily: the per-day aggregate of stage events gives the raw scan's answer.

Counts (deliveries, timed, late) must equal a scan of the events exactly, and the median
and p90 overrun must be exact where the period has few timed events and within one bin
(1/128 of the duration) where they come from the histograms — for the full history and
for periods cut anywhere in a workspace's own timezone (Asia/Shanghai; Los Angeles across
the day its clocks go forward), after re-imports that move and retime events, a target
change, an erasure, concurrent writers, and after the migration's backfill.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
import uuid
from typing import Any

import pytest
from sqlalchemy import delete, select, text, update
from typer.testing import CliRunner

from conftest import make_workspace
from doorstep.accounts.models import Workspace
from doorstep.cli.main import app as cli
from doorstep.db import Database, table_of
from doorstep.deliveries import stage_daily as daily
from doorstep.deliveries.models import Customer, Delivery, StageDaily, StageEvent
from doorstep.deliveries.privacy import erase_customer
from doorstep.deliveries.records import DeliveryRecord
from doorstep.deliveries.services import add_stage, ingest_deliveries, update_stage
from doorstep.insight import ops
from doorstep.insight.ops import raw_stage_ops, stage_baselines, stage_ops, stage_table
from doorstep.migrations import alembic_config, upgrade
from doorstep.stats import quantile

NOW = dt.datetime(2026, 3, 20, tzinfo=dt.UTC)
STAGES = [("ordered", None), ("prepared", 15.0), ("picked", None), ("delivered", 17.3)]  # 17.3: off the grid

# --- the grid, without a database -------------------------------------------------------


def test_bins_are_ordered_and_closed_on_the_right() -> None:
    rng = random.Random(5)
    values = sorted([rng.uniform(-500, 500) for _ in range(3000)] + [rng.lognormvariate(2, 2) for _ in range(3000)]
                    + [0.0, daily.TINY, -daily.TINY, daily.HUGE, 1e12, -1e12, 1e-9, -1e-9, 15.0, 25.0, 1440.0])
    keys = [daily.key_of(v) for v in values]
    assert keys == sorted(keys)
    for v, k in zip(values, keys, strict=True):
        lo, hi = daily.bounds(k)
        assert lo < v <= hi or (lo == hi and abs(k) in (0, daily.TOP)) or (k == -1 and lo < v < 0), (v, k, lo, hi)
        if abs(k) not in (0, 1, daily.TOP):
            assert hi - lo <= abs(v) * daily.RELATIVE_ERROR
    # Integers up to 255 minutes, a day and a target such as 7.5 are edges: "late" is exact there.
    for edge in (1.0, 7.5, 15.0, 25.0, 255.0, 1440.0):
        assert daily.snap(edge) == edge and daily.bounds(daily.key_of(edge))[1] == edge


def test_a_snapped_baseline_counts_late_exactly_from_the_histogram() -> None:
    rng = random.Random(6)
    values = [round(rng.lognormvariate(3, 0.6), 2) for _ in range(5000)] + [-3.0, 0.0]
    total = [0] * daily.WIDTH
    for v in values:
        total[daily.key_of(v) + daily.OFFSET] += 1
    for usual in [0.0, 25.0, 17.3, 31.337, 99.99, *(rng.uniform(1, 60) for _ in range(200))]:
        edge = daily.snap(usual)
        assert abs(edge - usual) <= usual / 256
        assert daily.late_above(total, edge) == sum(v > edge for v in values)


def test_histograms_round_trip_and_add_up() -> None:
    rng = random.Random(7)
    first = {daily.key_of(rng.lognormvariate(2, 1)): rng.randint(1, 9) for _ in range(300)}
    second = {daily.key_of(-rng.uniform(0, 30)): 2 for _ in range(20)} | {0: 4, daily.TOP: 1}
    assert daily.decode(daily.encode(first)) == first and daily.encode({}) == b""
    total = [0] * daily.WIDTH
    daily.add_into(total, daily.encode(first))
    daily.add_into(total, daily.encode(second))
    both = {k: first.get(k, 0) + second.get(k, 0) for k in first.keys() | second.keys()}
    assert {i - daily.OFFSET: n for i, n in enumerate(total) if n} == both


def test_histogram_quantiles_are_within_one_bin() -> None:
    rng = random.Random(8)
    for _ in range(60):
        values = sorted(rng.lognormvariate(rng.uniform(0, 6), rng.uniform(0.05, 1.5))
                        for _ in range(rng.randint(1, 2000)))
        total = [0] * daily.WIDTH
        for v in values:
            total[daily.key_of(v) + daily.OFFSET] += 1
        for q, estimate in zip((0.5, 0.9), daily.dense_quantiles(total, (0.5, 0.9)), strict=True):
            exact = quantile(values, q)
            assert exact is not None and estimate is not None
            assert abs(estimate - exact) <= exact * daily.RELATIVE_ERROR


def test_periods_split_into_whole_local_days_and_raw_edges() -> None:
    la = daily.LocalDays("America/Los_Angeles")
    spring, autumn = dt.date(2026, 3, 8), dt.date(2026, 11, 1)
    assert la.start(spring + dt.timedelta(days=1)) - la.start(spring) == dt.timedelta(hours=23)
    assert la.start(autumn + dt.timedelta(days=1)) - la.start(autumn) == dt.timedelta(hours=25)
    whole = daily.Period.of(la, la.start(spring), la.start(autumn))
    assert (whole.first_day, whole.end_day, whole.edges) == (spring, autumn, ())
    assert la.of(la.start(spring)) == spring and la.of(la.start(spring) - dt.timedelta(microseconds=1)) < spring
    cut = la.start(spring) + dt.timedelta(hours=5)
    ragged = daily.Period.of(la, cut, la.start(autumn) + dt.timedelta(hours=3))
    assert ragged.first_day == spring + dt.timedelta(days=1) and ragged.end_day == autumn
    assert ragged.edges == ((cut, la.start(spring + dt.timedelta(days=1))),
                            (la.start(autumn), la.start(autumn) + dt.timedelta(hours=3)))
    inside = daily.Period.of(la, cut, cut + dt.timedelta(hours=2))
    assert not inside.whole_days and inside.edges == ((cut, cut + dt.timedelta(hours=2)),)
    assert daily.Period.of(la, cut, cut).edges == () and not daily.Period.of(la, cut, cut).whole_days
    shanghai = daily.LocalDays("Asia/Shanghai")
    assert shanghai.start(dt.date(2026, 3, 8)) == dt.datetime(2026, 3, 7, 16, tzinfo=dt.UTC)


# --- on a database: the cells against a scan of the events --------------------------------


def records(seed: int, zone: str, n: int = 160, prefix: str = "D") -> list[DeliveryRecord]:
    """Deliveries over 2026-03-05 … 03-12 local time (Los Angeles springs forward on the 8th),
    with skipped stages, out-of-order times (left untimed), durations exactly on a
    target, and completions exactly at local midnight."""
    rng = random.Random(seed)
    days = daily.LocalDays(zone)
    out = []
    for i in range(n):
        day = dt.date(2026, 3, 5) + dt.timedelta(days=rng.randrange(8))
        start = days.start(day) + dt.timedelta(minutes=rng.choice([0, rng.randrange(1440)]))
        at = start
        stages: dict[str, dt.datetime] = {"ordered": at}
        for key, target in STAGES[1:]:
            if rng.random() < 0.1:
                continue  # skipped
            roll = rng.random()
            minutes = (target if roll < 0.08 and target else -rng.uniform(0, 4) if roll < 0.12
                       else round(rng.lognormvariate(2.6, 0.5), 2))
            at = at + dt.timedelta(minutes=minutes)
            stages[key] = at
        out.append(DeliveryRecord(external_id=f"{prefix}{i}", customer_id=f"c{i % 40}", stages=stages))
    return out


def setup(database: Database, zone: str, seed: int = 1) -> tuple[str, list[DeliveryRecord]]:
    slug = f"w{uuid.uuid4().hex[:6]}"
    make_workspace(database, slug, timezone=zone)
    recs = records(seed, zone)
    with database.write() as s:
        ws = s.scalars(select(Workspace).where(Workspace.slug == slug)).one()
        for key, target in STAGES:
            add_stage(session=s, workspace=ws, key=key, target_minutes=target)
        ingest_deliveries(session=s, workspace=ws, records=recs, now=NOW)
    return slug, recs


def workspace_of(s: Any, slug: str) -> Workspace:
    return s.scalars(select(Workspace).where(Workspace.slug == slug)).one()


def reference(s: Any, ws: Workspace, since: dt.datetime | None, until: dt.datetime | None) -> dict[str, Any]:
    """Per stage key: (deliveries, timed, late, the sorted durations, baseline), from every event."""
    out = {}
    for b in stage_baselines(session=s, workspace=ws):
        rows = s.execute(select(StageEvent.completed_at, StageEvent.duration_minutes)
                         .where(StageEvent.stage_id == b.id)).all()
        durations = [d for at, d in rows if (since is None or at >= since) and (until is None or at < until)]
        timed = sorted(d for d in durations if d is not None)
        late = 0 if b.late_over_minutes is None else sum(d > b.late_over_minutes for d in timed)
        out[b.key] = (len(durations), len(timed), late, timed, b.baseline_minutes)
    return out


def assert_answers_like_a_scan(s: Any, ws: Workspace, since: dt.datetime | None, until: dt.datetime | None,
                               *, histogram: bool) -> None:
    want = reference(s, ws, since, until)
    got = {o.stage.key: o for o in stage_ops(session=s, workspace=ws, since=since, until=until)}
    scanned = {} if histogram else {o.stage.key: o for o in raw_stage_ops(
        session=s, baselines=stage_baselines(session=s, workspace=ws), since=since, until=until)}
    for key, (n, timed, late, values, baseline) in want.items():
        o = got[key]
        assert (o.deliveries, o.timed, o.late) == (n, timed, late), (key, since, until)
        if not histogram:  # the scan it replaces agrees too
            assert (scanned[key].deliveries, scanned[key].timed, scanned[key].late) == (n, timed, late)
        if baseline is None or not values:
            assert o.median_overrun is None and o.p90_overrun is None
            continue
        for q, value in ((0.5, o.median_overrun), (0.9, o.p90_overrun)):
            exact = quantile(values, q)
            assert value is not None and exact is not None
            position = q * (len(values) - 1)
            near = max(abs(values[int(position)]), abs(values[min(int(position) + 1, len(values) - 1)]))
            bound = near * daily.RELATIVE_ERROR + daily.TINY if histogram else 1e-9
            assert abs(value - (exact - baseline)) <= bound, (key, q, since, until, value, exact - baseline)


def periods(zone: str) -> list[tuple[dt.datetime | None, dt.datetime | None]]:
    days = daily.LocalDays(zone)
    d = days.start
    return [
        (None, None),
        (d(dt.date(2026, 3, 6)), d(dt.date(2026, 3, 9))),  # whole local days, the 23-hour one included
        (d(dt.date(2026, 3, 8)), d(dt.date(2026, 3, 9))),
        (d(dt.date(2026, 3, 6)) + dt.timedelta(hours=13, minutes=37), d(dt.date(2026, 3, 10)) + dt.timedelta(hours=5)),
        (d(dt.date(2026, 3, 7)) + dt.timedelta(hours=10), d(dt.date(2026, 3, 7)) + dt.timedelta(hours=18)),
        (None, d(dt.date(2026, 3, 9)) + dt.timedelta(hours=12)),
        (d(dt.date(2026, 3, 8)) + dt.timedelta(minutes=30), None),
        (d(dt.date(2026, 3, 8)) - dt.timedelta(hours=1), d(dt.date(2026, 3, 8)) + dt.timedelta(hours=1)),
        (dt.datetime(2026, 3, 7, 0, 0, tzinfo=dt.UTC), dt.datetime(2026, 3, 11, 0, 0, tzinfo=dt.UTC)),  # UTC days
        (d(dt.date(2026, 3, 7)), d(dt.date(2026, 3, 7))),  # empty
    ]


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/Los_Angeles"])
def test_cells_answer_as_the_raw_scan(database: Database, zone: str, monkeypatch: pytest.MonkeyPatch) -> None:
    slug, _ = setup(database, zone)
    with database.read() as s:
        ws = workspace_of(s, slug)
        assert s.scalar(select(StageDaily.day).limit(1)) is not None
        for since, until in periods(zone):
            assert_answers_like_a_scan(s, ws, since, until, histogram=False)
        # Quantiles from the histograms (as above SAMPLE_TARGET events), on the same periods.
        monkeypatch.setattr(ops, "SAMPLE_TARGET", 0)
        for since, until in periods(zone):
            assert_answers_like_a_scan(s, ws, since, until, histogram=True)
        table = stage_table(session=s, workspace=ws)  # the same figures beside the answers
        ops_now = {o.stage.key: o.as_dict() for o in stage_ops(session=s, workspace=ws)}
        assert daily.rebuild(s, workspace_id=ws.id, timezone=zone, check_only=True).differences == 0
    assert {row["key"]: row["late"] for row in table["stages"]} == {k: v["late"] for k, v in ops_now.items()}


def moved(recs: list[DeliveryRecord], seed: int) -> list[DeliveryRecord]:
    """The same deliveries again: some unchanged, some with a stage moved to another day or
    retimed (which retimes the next stage too), some with a stage they had skipped."""
    rng = random.Random(seed)
    out = []
    for r in recs:
        stages = dict(r.stages)
        roll = rng.random()
        key = rng.choice(list(stages))
        if roll < 0.3:
            stages[key] += dt.timedelta(days=rng.choice([-2, -1, 1, 2]), minutes=rng.uniform(-30, 30))
        elif roll < 0.5:
            stages[key] += dt.timedelta(minutes=rng.uniform(-8, 8))
        elif roll < 0.6:
            missing = [k for k, _ in STAGES if k not in stages]
            if missing:
                stages[missing[0]] = max(stages.values()) + dt.timedelta(minutes=7)
        out.append(DeliveryRecord(external_id=r.external_id, customer_id=r.customer_id, stages=stages))
    return out


def test_reimports_keep_the_cells_exact(database: Database) -> None:
    zone = "America/Los_Angeles"
    slug, recs = setup(database, zone, seed=2)
    again = moved(recs, 3)
    for batch in (again[:70], again[70:], again, moved(again, 4)[::2]):
        with database.write() as s:
            ingest_deliveries(session=s, workspace=workspace_of(s, slug), records=batch, now=NOW)
        with database.read() as s:
            ws = workspace_of(s, slug)
            assert daily.rebuild(s, workspace_id=ws.id, timezone=zone, check_only=True).differences == 0
    with database.read() as s:
        ws = workspace_of(s, slug)
        before = daily.stored_cells(s, workspace_id=ws.id)
        for since, until in periods(zone)[:5]:
            assert_answers_like_a_scan(s, ws, since, until, histogram=False)
    with database.write() as s:  # a replay of the last import changes nothing
        result = ingest_deliveries(session=s, workspace=workspace_of(s, slug), records=batch, now=NOW)
    assert result.updated == 0 and result.unchanged == len(batch)
    with database.read() as s:
        assert daily.stored_cells(s, workspace_id=workspace_of(s, slug).id) == before


def test_a_target_change_recounts_late(database: Database) -> None:
    zone = "Asia/Shanghai"
    slug, _ = setup(database, zone, seed=3)
    for target, clear in ((9.5, False), (None, True), (20.0, False)):
        with database.write() as s:
            update_stage(session=s, workspace=workspace_of(s, slug), key="prepared", target_minutes=target,
                         clear_target=clear)
        with database.read() as s:
            ws = workspace_of(s, slug)
            assert daily.rebuild(s, workspace_id=ws.id, timezone=zone, check_only=True).differences == 0
            assert_answers_like_a_scan(s, ws, None, None, histogram=False)
            assert_answers_like_a_scan(s, ws, *periods(zone)[3], histogram=False)


def test_stale_cells_fall_back_to_the_scan_and_heal_on_the_next_write(database: Database) -> None:
    zone = "Asia/Shanghai"
    slug, recs = setup(database, zone, seed=4)
    with database.write() as s:
        ws = workspace_of(s, slug)
        stage_id = stage_baselines(session=s, workspace=ws)[1].id  # "prepared", target 15
        # A target changed around update_stage: the cells' late counts are against 15.
        s.execute(text("UPDATE stages SET target_minutes = 12 WHERE id = :id"), {"id": stage_id})
    with database.read() as s:
        assert_answers_like_a_scan(s, workspace_of(s, slug), None, None, histogram=False)
    with database.write() as s:  # a write to one of those days recounts that day's cells
        ws = workspace_of(s, slug)
        t = table_of(StageDaily)
        # A timed event, moved three minutes within its day: its duration lands in another bin
        # of the histogram, so the cell changes (an untimed one, stamped before its previous
        # stage, or a move within one bin changes no count, and no cell is read).
        days = daily.LocalDays(zone)
        touch = next(r for r in recs if "prepared" in r.stages and r.stages["prepared"] > r.stages["ordered"]
                     and days.of(r.stages["prepared"] + dt.timedelta(minutes=3)) == days.of(r.stages["prepared"]))
        day = days.of(touch.stages["prepared"])
        s.execute(update(t).where(t.c.stage_id == stage_id, t.c.day == day).values(timed=t.c.timed + 3))
        ingest_deliveries(session=s, workspace=ws, records=[DeliveryRecord(
            touch.external_id, touch.customer_id,
            stages={"prepared": touch.stages["prepared"] + dt.timedelta(minutes=3)})], now=NOW)
        cell = s.execute(select(t.c.late_over, t.c.timed).where(t.c.stage_id == stage_id, t.c.day == day)).one()
        assert cell.late_over == 12
        assert daily.computed_cells(s, workspace_id=ws.id, timezone=zone)[(stage_id, day)]["timed"] == cell.timed


def test_rebuild_command_checks_and_repairs(database: Database, database_url: str) -> None:
    zone = "America/Los_Angeles"
    slug, _ = setup(database, zone, seed=5)
    runner = CliRunner()
    with database.write() as s:
        ws = workspace_of(s, slug)
        t = table_of(StageDaily)
        s.execute(update(t).where(t.c.workspace_id == ws.id).values(completions=t.c.completions + 1))
        s.execute(delete(t).where(t.c.day == dt.date(2026, 3, 8)))
    checked = runner.invoke(cli, ["--db", database_url, "-w", slug, "rebuild-stage-daily", "--check", "--json"])
    assert checked.exit_code == 1, checked.output
    assert '"differences": ' in checked.output and '"differences": 0' not in checked.output
    rebuilt = runner.invoke(cli, ["--db", database_url, "-w", slug, "rebuild-stage-daily"])
    assert rebuilt.exit_code == 0 and "Rebuilt" in rebuilt.output, rebuilt.output
    again = runner.invoke(cli, ["--db", database_url, "-w", slug, "rebuild-stage-daily", "--check", "--json"])
    assert again.exit_code == 0 and '"differences": 0' in again.output, again.output


def test_erasure_and_workspace_deletion_keep_it_consistent(database: Database) -> None:
    from doorstep.demo.loader import delete_workspace_data

    zone = "Asia/Shanghai"
    slug, _ = setup(database, zone, seed=6)
    with database.read() as s:
        ws_id = workspace_of(s, slug).id
        before = daily.stored_cells(s, workspace_id=ws_id)
    with database.write() as s:
        erase_customer(session=s, workspace=workspace_of(s, slug), external_id="c3", now=NOW)
    with database.read() as s:
        assert s.scalar(select(Customer.erased_at).where(Customer.external_id == "c3")) is not None
        assert daily.stored_cells(s, workspace_id=ws_id) == before  # stage times are kept, so are the figures
    with database.write() as s:
        delete_workspace_data(s, ws_id)
    with database.read() as s:
        assert s.scalar(select(StageDaily.day).where(StageDaily.workspace_id == ws_id)) is None


def test_concurrent_writers_of_one_delivery_do_not_double_count(database: Database) -> None:
    """One transaction moves a stage of D1 and waits before committing; another moves the same
    stage meanwhile. The second must wait for the first (PostgreSQL: the delivery row lock;
    SQLite: the one writer), read the first's event as the old one, and leave exact cells."""
    zone = "America/Los_Angeles"
    slug, recs = setup(database, zone, seed=7)
    target = recs[1]
    first_in, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def write(shift: dt.timedelta, hold: bool) -> None:
        try:
            with database.write() as s:
                ingest_deliveries(session=s, workspace=workspace_of(s, slug), now=NOW, records=[DeliveryRecord(
                    target.external_id, target.customer_id, stages={"ordered": target.stages["ordered"] + shift})])
                if hold:
                    first_in.set()
                    assert release.wait(10)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    one = threading.Thread(target=write, args=(dt.timedelta(days=1), True))
    one.start()
    assert first_in.wait(10)
    two = threading.Thread(target=write, args=(dt.timedelta(days=2), False))
    two.start()
    time.sleep(0.3)
    assert two.is_alive()  # waiting for the first writer
    release.set()
    one.join(10)
    two.join(10)
    assert not errors, errors
    with database.read() as s:
        ws = workspace_of(s, slug)
        assert daily.rebuild(s, workspace_id=ws.id, timezone=zone, check_only=True).differences == 0


# --- the migration's backfill -------------------------------------------------------------




def test_the_backfill_gives_what_the_application_computes(empty_db: Database) -> None:
    from alembic import command

    cfg = alembic_config(empty_db.engine.url.render_as_string(hide_password=False))
    with empty_db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0007")
    for slug, zone, seed in (("east", "Asia/Shanghai", 8), ("west", "America/Los_Angeles", 9)):
        make_workspace(empty_db, slug, timezone=zone)
        with empty_db.write() as s:
            ws = workspace_of(s, slug)
            for key, target in STAGES:
                add_stage(session=s, workspace=ws, key=key, target_minutes=target)
            # stage_daily does not exist yet at 0007: write the events as that revision's ingest did.
            ingest_0007(s, ws, records(seed, zone, n=120))
    assert upgrade(empty_db.engine) is True
    with empty_db.read() as s:
        for slug in ("east", "west"):
            ws = workspace_of(s, slug)
            wanted = daily.computed_cells(s, workspace_id=ws.id, timezone=ws.timezone)
            stored = daily.stored_cells(s, workspace_id=ws.id)
            assert wanted and stored == wanted


def ingest_0007(s: Any, ws: Workspace, recs: list[DeliveryRecord]) -> None:
    """Deliveries and stage events (with durations) in plain SQL, as revision 0007 stored them."""
    from doorstep.deliveries.services import ensure_journey, list_stages, stage_durations

    journey = ensure_journey(session=s, workspace=ws)
    order = [st.id for st in list_stages(session=s, workspace=ws)]
    ids = {st.key: st.id for st in list_stages(session=s, workspace=ws)}
    customer = s.execute(table_of(Customer).insert().returning(table_of(Customer).c.id),
                         {"workspace_id": ws.id, "external_id": "c", "attributes": {}}).scalar_one()
    deliveries = table_of(Delivery)
    for r in recs:
        delivery = s.execute(deliveries.insert().returning(deliveries.c.id), {
            "workspace_id": ws.id, "journey_id": journey.id, "external_id": r.external_id, "customer_id": customer,
            "status": "in_progress", "attributes": {}}).scalar_one()
        times = {ids[k]: at for k, at in r.stages.items()}
        for stage_id, duration in stage_durations(order, times).items():
            s.execute(table_of(StageEvent).insert().values(delivery_id=delivery, stage_id=stage_id,
                                                           completed_at=times[stage_id], duration_minutes=duration))
