"""doorstep backup / restore: a round trip keeps every row, a backup taken under writes is
one consistent snapshot, a wrong file or a database with data is never overwritten by
mistake, an older backup is upgraded, and both acts are in the audit log."""

import datetime as dt
import json
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select
from tests.conftest import run_cli

from doorstep.accounts.models import AuditEntry
from doorstep.accounts.services import create_api_key, create_workspace, update_settings
from doorstep.backup import PG_GUIDANCE, backup, restore, row_counts
from doorstep.db import Database
from doorstep.deliveries.records import DeliveryRecord
from doorstep.deliveries.services import ingest_deliveries
from doorstep.demo.loader import load_demo
from doorstep.errors import Conflict, InvalidInput
from doorstep.migrations import alembic_config, current_revision, head_revision, upgrade


def fresh(path: Path) -> Database:
    db = Database(f"sqlite:///{path}")
    upgrade(db.engine)
    return db


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo database (answers, cases, jobs…) built once; each test works on its own copy."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    db = fresh(path)
    load_demo(db, seed=5, total_deliveries=600)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path


def demo(demo_file: Path, path: Path) -> Database:
    shutil.copy(demo_file, path)
    return Database(f"sqlite:///{path}")


def audit(db: Database) -> list[tuple[str, str, str | None, dict]]:
    with db.read() as session:
        return [(e.action, e.actor_kind, e.target, e.details) for e in
                session.scalars(select(AuditEntry).where(AuditEntry.action.in_(["backup", "restore"]))
                                .order_by(AuditEntry.id))]


def test_round_trip_keeps_every_row_and_is_audited(demo_file: Path, tmp_path: Path) -> None:
    db = demo(demo_file, tmp_path / "live.db")
    before = row_counts(db)
    assert before["responses"] > 0 and before["cases"] > 0
    report = backup(db, tmp_path / "snap.db", actor="ops")
    assert report.tables == before and report.revision == head_revision()
    assert not (tmp_path / "snap.db-wal").exists(), "a backup is one self-contained file"
    assert audit(db) == [("backup", "cli", "file:snap.db", {"revision": head_revision(),
                                                            "rows": sum(before.values())})]
    with pytest.raises(InvalidInput, match="exists"):
        backup(db, tmp_path / "snap.db")

    # Lose data, then restore it: the database holds rows, so only with force.
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM case_events")
        conn.exec_driver_sql("DELETE FROM cases")
    damaged = row_counts(db)
    with pytest.raises(Conflict, match="--force"):
        restore(db, tmp_path / "snap.db")
    assert row_counts(db) == damaged
    restored = restore(db, tmp_path / "snap.db", force=True, actor="ops")
    assert restored.tables == before
    assert restored.replaced_rows == sum(n for t, n in damaged.items() if t != "alembic_version")
    after = row_counts(db)
    # Every table as it was at the backup; the audit log adds the restore itself.
    assert {t: n for t, n in after.items() if t != "audit_log"} == {t: n for t, n in before.items() if t != "audit_log"}
    assert after["audit_log"] == before["audit_log"] + 1
    assert audit(db) == [("restore", "cli", "file:snap.db",
                          {"from_revision": head_revision(), "revision": head_revision(),
                           "rows": sum(before.values()), "replaced_rows": restored.replaced_rows})]
    db.dispose()


def test_restore_into_an_empty_database_needs_no_force(demo_file: Path, tmp_path: Path) -> None:
    db = demo(demo_file, tmp_path / "live.db")
    backup(db, tmp_path / "snap.db")
    before = row_counts(db)
    db.dispose()
    new = fresh(tmp_path / "new.db")  # migrated, no rows: nothing to lose
    report = restore(new, tmp_path / "snap.db")
    assert report.replaced_rows == 0
    # The live database's backup entry came after the snapshot: the copy has everything else.
    assert report.tables == {**before, "audit_log": before["audit_log"] - 1}
    new.dispose()
    nothing = Database(f"sqlite:///{tmp_path / 'not-yet.db'}")  # no file at all
    assert restore(nothing, tmp_path / "snap.db").tables == report.tables
    nothing.dispose()


def test_restore_refuses_files_that_are_not_doorstep_backups(demo_file: Path, tmp_path: Path) -> None:
    db = demo(demo_file, tmp_path / "live.db")
    before = row_counts(db)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(InvalidInput, match="not a SQLite database"):
        restore(db, junk, force=True)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(InvalidInput, match="not a Doorstep backup"):
        restore(db, other, force=True)
    with pytest.raises(InvalidInput, match="no such file"):
        restore(db, tmp_path / "missing.db", force=True)
    # A backup from a newer Doorstep (a revision this one does not know) is refused too.
    future = tmp_path / "future.db"
    backup(db, future)
    with sqlite3.connect(future) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_later'")
    conn.close()
    with pytest.raises(InvalidInput, match="9999_later"):
        restore(db, future, force=True)
    with pytest.raises(InvalidInput, match="the database itself"):
        restore(db, tmp_path / "live.db", force=True)
    assert {t: n for t, n in row_counts(db).items() if t != "audit_log"} == \
        {t: n for t, n in before.items() if t != "audit_log"}
    assert [a[0] for a in audit(db)] == ["backup"], "refusals restore nothing and record no restore"
    db.dispose()


def test_an_older_backup_is_upgraded_to_this_version(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    old_db = Database(f"sqlite:///{old}")
    cfg = alembic_config(f"sqlite:///{old}")
    with old_db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004")  # before people, audit and briefs existed
        conn.exec_driver_sql("INSERT INTO workspaces (slug, name, timezone, locale, settings, created_at) "
                             "VALUES ('old', 'Old shop', 'UTC', 'en', '{}', '2026-01-01 00:00:00')")
    old_db.dispose()
    db = Database(f"sqlite:///{tmp_path / 'new.db'}")
    report = restore(db, old)
    assert (report.from_revision, report.revision) == ("0004", head_revision())
    assert current_revision(db.engine) == head_revision()
    assert report.tables["workspaces"] == 1 and "audit_log" in report.tables
    assert [a[0] for a in audit(db)] == ["restore"]
    db.dispose()


CHUNK = 25  # deliveries per write transaction: each adds CHUNK deliveries, invitations and send jobs


def test_a_backup_taken_during_writes_is_one_consistent_snapshot(demo_file: Path, tmp_path: Path) -> None:
    db = demo(demo_file, tmp_path / "busy.db")
    with db.write() as session:
        shop = create_workspace(session=session, slug="busy", name="Busy", timezone="UTC")
        update_settings(session=session, workspace=shop, invitation_delay_minutes=0, quiet_period_days=0)
        shop_id = shop.id
    stop = threading.Event()
    written: list[int] = []
    errors: list[BaseException] = []

    def writer() -> None:
        from doorstep.accounts.models import Workspace
        n = 0
        try:
            while not stop.is_set():
                now = dt.datetime.now(dt.UTC)
                records = [DeliveryRecord(external_id=f"B-{n + i}", customer_id=f"b-{n + i}",
                                          delivered_at=now - dt.timedelta(minutes=5)) for i in range(CHUNK)]
                with db.write() as session:
                    ingest_deliveries(session=session, workspace=session.get_one(Workspace, shop_id),
                                      records=records, now=now)
                n += CHUNK
                written.append(n)
        except BaseException as exc:  # reported by the test below
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while len(written) < 3:
            assert time.monotonic() < deadline and not errors, errors
            time.sleep(0.01)
        at_start = written[-1]
        backup(db, tmp_path / "snap.db")
        at_end = len(written)
        deadline = time.monotonic() + 30
        while len(written) < at_end + 3:  # the writer was not stopped by the backup
            assert time.monotonic() < deadline and not errors, errors
            time.sleep(0.01)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not errors, errors

    snap = sqlite3.connect(tmp_path / "snap.db")
    try:
        assert snap.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert snap.execute("PRAGMA foreign_key_check").fetchall() == []
        deliveries, invitations, jobs = snap.execute(
            "SELECT (SELECT count(*) FROM deliveries WHERE external_id LIKE 'B-%'),"
            " (SELECT count(*) FROM invitations i JOIN deliveries d ON d.id = i.delivery_id"
            "  WHERE d.external_id LIKE 'B-%'),"
            " (SELECT count(*) FROM jobs j JOIN invitations i ON j.dedupe_key = 'invite:' || i.id"
            "  JOIN deliveries d ON d.id = i.delivery_id WHERE d.external_id LIKE 'B-%')"
        ).fetchone()
    finally:
        snap.close()
    # Whole transactions only: every delivery with its invitation and its send job.
    assert deliveries == invitations == jobs
    assert deliveries % CHUNK == 0
    assert at_start <= deliveries < written[-1], (at_start, deliveries, written[-1])
    db.dispose()


def test_postgresql_gets_guidance_not_a_half_backup(pg_ready: str, tmp_path: Path) -> None:
    database = Database(pg_ready)
    with pytest.raises(InvalidInput) as err:
        backup(database, tmp_path / "x.db")
    assert str(err.value).endswith(PG_GUIDANCE)
    assert not (tmp_path / "x.db").exists()
    with pytest.raises(InvalidInput, match="pg_restore"):
        restore(database, tmp_path / "x.db")
    database.dispose()


def test_cli_round_trip(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    cmd = [sys.executable, "-m", "doorstep.cli.main", "--db", url]

    def process(*args: str) -> subprocess.CompletedProcess[str]:
        """A real process, for the exit code a script sees; the other commands run in-process."""
        return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=60)

    db = fresh(tmp_path / "cli.db")  # what `doorstep init` makes, without a process of its own
    with db.write() as session:
        create_api_key(session=session, workspace=create_workspace(session=session, slug="default", name="Default"))
    db.dispose()
    out = run_cli("--db", url, "backup", str(tmp_path / "b.db"), "--json")
    assert out.returncode == 0, out.stderr
    made = json.loads(out.stdout)
    assert made["tables"]["workspaces"] == 1 and made["tables"]["api_keys"] == 1
    refused = process("restore", str(tmp_path / "b.db"), "--json")
    assert refused.returncode == Conflict.exit_code and "--force" in refused.stderr, refused.stderr
    back = run_cli("--db", url, "restore", str(tmp_path / "b.db"), "--force", "--json")
    assert back.returncode == 0, back.stderr
    restored = json.loads(back.stdout)
    assert restored["tables"] == made["tables"] and restored["from_revision"] == head_revision()
    assert restored["replaced_rows"] > 0
