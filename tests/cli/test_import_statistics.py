"""After a bulk import the planner's statistics are fresh (VACUUM ANALYZE / ANALYZE), after a
small one they are left to the engine: measured in bench/README.md, the first dashboard after a
million-row import on PostgreSQL went from 852 ms to 202 ms with them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import text
from tests.cli.test_cli import DELIVERIES, RESPONSES, doorstep

from doorstep.db import Database


def server_now(database_url: str) -> dt.datetime | None:
    """PostgreSQL's clock (its statistics views outlive the rows this session's tests delete)."""
    db = Database(database_url)
    try:
        if db.is_sqlite:
            return None
        with db.engine.connect() as conn:
            moment: dt.datetime = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
            return moment
    finally:
        db.dispose()


def analysed(database_url: str, table: str, since: dt.datetime | None) -> bool:
    """Whether the engine gathered statistics for ``table`` (on PostgreSQL: since ``since``)."""
    db = Database(database_url)
    try:
        with db.engine.connect() as conn:
            if db.is_sqlite:  # a new file per test
                found = conn.execute(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")).scalar()
                if not found:
                    return False
                rows = conn.execute(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = :t"), {"t": table}).scalar()
                return bool(rows)
            assert since is not None
            row = conn.execute(
                text("SELECT last_vacuum, last_analyze FROM pg_stat_user_tables"
                     " WHERE schemaname = current_schema() AND relname = :t"), {"t": table}
            ).one()
            return all(moment is not None and moment >= since for moment in (row.last_vacuum, row.last_analyze))
    finally:
        db.dispose()


def test_a_bulk_import_refreshes_the_statistics_and_a_small_one_does_not(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deliveries, responses = tmp_path / "d.csv", tmp_path / "r.csv"
    deliveries.write_text(DELIVERIES, encoding="utf-8")
    responses.write_text(RESPONSES, encoding="utf-8")
    doorstep("init", db=database_url)
    since = server_now(database_url)
    doorstep("import", "deliveries", str(deliveries), db=database_url)
    assert not analysed(database_url, "deliveries", since)  # 3 rows: a trickle, not a bulk load

    # A bulk load is counted in rows; three stand for ten thousand here.
    monkeypatch.setattr("doorstep.deliveries.csv_import.BULK_ROWS", 3)
    # --wait: the follow-up (cases, themes) is written before the refresh; without it a worker
    # writes them later.
    summary = json.loads(doorstep("import", "responses", str(responses), "--wait", "--json",
                                  db=database_url).stdout)
    assert summary["created"] == 3  # the JSON summary is untouched by the refresh
    for table in ("responses", "cases"):  # SQLite keeps no statistics for an empty table
        assert analysed(database_url, table, since), table
    assert not analysed(database_url, "deliveries", since)  # only what this import wrote


def test_refresh_statistics_accepts_only_table_names(database: Database) -> None:
    database.refresh_statistics(['responses"; DROP TABLE responses; --'])  # not a name: nothing runs
    with database.read() as s:
        assert s.execute(text("SELECT count(*) FROM responses")).scalar() == 0


def test_stale_statistics_are_refreshed_and_the_foreign_key_check_planned_again(database: Database) -> None:
    """A foreign-key check is planned once per connection: planned while the parent table was
    empty, it scanned the whole table for every child row (the follow-up of a million answers
    on PostgreSQL with autovacuum off). ``refresh_stale_statistics`` analyses a table once it
    changed by more than autovacuum's threshold, and the next check uses the index."""
    if database.is_sqlite:
        assert database.refresh_stale_statistics(["cases"]) == []  # SQLite plans every statement afresh
        return
    with database.engine.connect() as conn:
        conn.execute(text("DROP TABLE IF EXISTS stats_probe_child, stats_probe"))
        conn.execute(text("CREATE TABLE stats_probe (id int PRIMARY KEY)"))
        conn.execute(text("CREATE TABLE stats_probe_child (parent int REFERENCES stats_probe (id))"))
        conn.execute(text("ANALYZE stats_probe"))
        conn.commit()
    try:
        with database.engine.connect() as conn:
            def scans() -> int:
                conn.execute(text("SELECT pg_stat_force_next_flush()"))
                conn.commit()
                return int(conn.execute(text(
                    "SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'stats_probe'"
                    " AND schemaname = current_schema()")).scalar_one())

            for i in range(1, 21):  # the check is planned (and kept) while the table is tiny
                conn.execute(text("INSERT INTO stats_probe VALUES (:i)"), {"i": i})
                conn.execute(text("INSERT INTO stats_probe_child VALUES (:i)"), {"i": i})
            conn.execute(text("INSERT INTO stats_probe SELECT generate_series(21, 5000)"))
            conn.commit()
            before = scans()
            for i in range(1, 51):
                conn.execute(text("INSERT INTO stats_probe_child VALUES (:i)"), {"i": i})
            conn.commit()
            assert scans() - before >= 50  # one scan of the parent per child row: the plan made on a tiny table

            assert "stats_probe" in database.refresh_stale_statistics(["stats_probe", "no such table"])
            assert database.refresh_stale_statistics(["stats_probe"]) == []  # fresh now

            before = scans()
            for i in range(1, 51):
                conn.execute(text("INSERT INTO stats_probe_child VALUES (:i)"), {"i": i})
            conn.commit()
            assert scans() - before == 0  # planned again, on the index
    finally:
        with database.engine.connect() as conn:
            conn.execute(text("DROP TABLE IF EXISTS stats_probe_child, stats_probe"))
            conn.commit()
