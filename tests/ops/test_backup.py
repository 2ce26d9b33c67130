"""doorstep backup / restore: a round trip keeps every row; a wrong file never overwrites data."""

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from doorstep.backup import PG_GUIDANCE, backup, restore, row_counts
from doorstep.db import Database
from doorstep.demo.loader import load_demo
from doorstep.errors import InvalidInput
from doorstep.migrations import upgrade


def fresh(path: Path) -> Database:
    db = Database(f"sqlite:///{path}")
    upgrade(db.engine)
    return db


def test_round_trip_keeps_every_row(tmp_path: Path) -> None:
    db = fresh(tmp_path / "live.db")
    load_demo(db, seed=5, total_deliveries=600)
    before = row_counts(db)
    assert before["responses"] > 0 and before["cases"] > 0
    report = backup(db, tmp_path / "snap.db")
    assert report.tables == before
    with pytest.raises(InvalidInput, match="exists"):
        backup(db, tmp_path / "snap.db")

    # Lose data, then restore it.
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM case_events")
        conn.exec_driver_sql("DELETE FROM cases")
    assert row_counts(db)["cases"] == 0
    restored = restore(db, tmp_path / "snap.db")
    assert restored.tables == before
    assert row_counts(db) == before
    db.dispose()


def test_restore_refuses_files_that_are_not_doorstep_backups(tmp_path: Path) -> None:
    db = fresh(tmp_path / "live.db")
    load_demo(db, seed=5, total_deliveries=300)
    before = row_counts(db)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(InvalidInput, match="not a SQLite database"):
        restore(db, junk)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(InvalidInput, match="not a Doorstep backup"):
        restore(db, other)
    assert row_counts(db) == before
    db.dispose()


def test_postgresql_gets_guidance_not_a_half_backup(pg_ready: str, tmp_path: Path) -> None:
    database = Database(pg_ready)
    with pytest.raises(InvalidInput) as err:
        backup(database, tmp_path / "x.db")
    assert str(err.value).endswith(PG_GUIDANCE)
    assert not (tmp_path / "x.db").exists()
    database.dispose()


def test_cli_round_trip(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    cmd = [sys.executable, "-m", "doorstep.cli.main", "--db", url]
    subprocess.run([*cmd, "init"], check=True, capture_output=True, timeout=60)
    out = subprocess.run(
        [*cmd, "backup", str(tmp_path / "b.db"), "--json"], check=True, capture_output=True, text=True, timeout=60
    )
    tables = json.loads(out.stdout)["tables"]
    assert tables["workspaces"] == 1 and tables["api_keys"] == 1
    back = subprocess.run(
        [*cmd, "restore", str(tmp_path / "b.db"), "--json"], check=True, capture_output=True, text=True, timeout=60
    )
    assert json.loads(back.stdout)["tables"] == tables
