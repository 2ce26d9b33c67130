"""A bulk import stores its answers and queues what follows them (analysis, stage attribution,
cases, events) as `responses.follow_up` jobs; a worker, or `--wait`, runs them. Whichever way,
the end state is the one an import that did everything in its own transaction leaves."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from tests.cli.test_cli import doorstep

from doorstep.accounts.models import Workspace
from doorstep.cases.models import Case
from doorstep.db import Database, insert_returning, table_of
from doorstep.deliveries.models import Delivery
from doorstep.errors import InvalidInput
from doorstep.jobs.models import Job
from doorstep.surveys.jobs import follow_up_job
from doorstep.surveys.models import Response

DELIVERIES = """external_id,customer_id,delivered_at,stage.ordered,stage.prepared,stage.delivered,team
D1,c1,2026-03-01T12:50:00,2026-03-01T12:00:00,2026-03-01T12:40:00,2026-03-01T12:50:00,north
D2,c2,2026-03-01T12:20:00,2026-03-01T12:00:00,2026-03-01T12:10:00,2026-03-01T12:20:00,south
D3,c3,2026-03-01T18:20:00,2026-03-01T18:00:00,2026-03-01T18:10:00,2026-03-01T18:20:00,north
D4,c1,2026-03-02T12:50:00,2026-03-02T12:00:00,2026-03-02T12:45:00,2026-03-02T12:50:00,north
D5,c4,2026-03-02T13:20:00,2026-03-02T13:00:00,2026-03-02T13:10:00,2026-03-02T13:20:00,south
"""
RESPONSES = """delivery_external_id,score,comment,stage,responded_at,channel
D1,3,送得太慢了，饭都凉了,,2026-03-01T13:30:00,app
D2,9,"On time, thanks!",,2026-03-01T13:00:00,web
D3,8,不凉，挺好,,2026-03-01T19:00:00,app
D4,2,Again late and the soup spilled,delivered,2026-03-02T13:30:00,app
D5,6,,,2026-03-02T14:00:00,
"""


@pytest.fixture
def loaded(database_url: str, tmp_path: Path) -> tuple[str, Path]:
    """Two workspaces with the same hand-overs: one imports inline, the other queues."""
    d, r = tmp_path / "deliveries.csv", tmp_path / "responses.csv"
    d.write_text(DELIVERIES, encoding="utf-8")
    r.write_text(RESPONSES, encoding="utf-8")
    for slug in ("inline", "queued"):
        doorstep("init", "--workspace", slug, "--timezone", "Asia/Shanghai", "--json", db=database_url)
        doorstep("import", "deliveries", str(d), "--workspace", slug, "--json", db=database_url)
    return database_url, r


def end_state(database_url: str, slug: str) -> dict[str, Any]:
    """Per hand-over: what the analysis wrote on its answer, and its case (priority, status)."""
    db = Database(database_url)
    try:
        with db.read() as session:
            ws = session.scalar(select(Workspace.id).where(Workspace.slug == slug))
            answers = {
                row.external_id: (row.language, row.sentiment_label, sorted(row.themes or []),
                                  row.attributed_stage_id is not None, row.attribution)
                for row in session.execute(
                    select(Delivery.external_id, Response.language, Response.sentiment_label, Response.themes,
                           Response.attributed_stage_id, Response.attribution)
                    .join(Delivery, Delivery.id == Response.delivery_id).where(Response.workspace_id == ws)
                )
            }
            cases = {
                row.external_id: (row.priority, row.status, row.queue)
                for row in session.execute(
                    select(Delivery.external_id, Case.priority, Case.status, Case.queue)
                    .join(Delivery, Delivery.id == Case.delivery_id).where(Case.workspace_id == ws)
                )
            }
        return {"answers": answers, "cases": cases}
    finally:
        db.dispose()


def follow_up_jobs(database_url: str) -> list[tuple[str, int]]:
    db = Database(database_url)
    try:
        with db.read() as session:
            return [(j.status, len(j.payload["response_ids"]))
                    for j in session.scalars(select(Job).where(Job.kind == "responses.follow_up").order_by(Job.id))]
    finally:
        db.dispose()


def test_queued_follow_up_ends_where_the_inline_import_does(loaded: tuple[str, Path]) -> None:
    database_url, r = loaded
    inline = json.loads(doorstep("import", "responses", str(r), "--workspace", "inline", "--json",
                                 db=database_url).stdout)
    assert (inline["created"], inline["cases_opened"], inline["queued"]) == (5, 3, 0)
    assert follow_up_jobs(database_url) == []

    queued = json.loads(doorstep("import", "responses", str(r), "--workspace", "queued", "--no-wait", "--json",
                                 db=database_url).stdout)
    assert (queued["created"], queued["cases_opened"], queued["queued"]) == (5, 0, 5)
    assert follow_up_jobs(database_url) == [("queued", 5)]
    before = end_state(database_url, "queued")
    assert before["cases"] == {}  # nothing happened yet but the storing
    assert all(a[1] is None for a in before["answers"].values())

    ran = json.loads(doorstep("worker", "--once", "--kind", "responses.follow_up", "--json", db=database_url).stdout)
    assert ran["ran"] == 1 and [j["status"] for j in ran["jobs"]] == ["done"]
    after, expected = end_state(database_url, "queued"), end_state(database_url, "inline")
    assert after == expected
    assert set(after["cases"]) == {"D1", "D4", "D5"}  # 0–6 open a case by default
    assert after["answers"]["D1"][1] == "negative" and after["answers"]["D2"][1] != "negative"

    # The same file again changes nothing, and queues nothing.
    again = json.loads(doorstep("import", "responses", str(r), "--workspace", "queued", "--no-wait", "--json",
                                db=database_url).stdout)
    assert (again["created"], again["unchanged"], again["queued"]) == (0, 5, 0)
    assert follow_up_jobs(database_url) == [("done", 5)]


def test_wait_runs_the_follow_up_in_the_command(loaded: tuple[str, Path]) -> None:
    database_url, r = loaded
    doorstep("import", "responses", str(r), "--workspace", "inline", "--json", db=database_url)
    waited = doorstep("import", "responses", str(r), "--workspace", "queued", "--wait", db=database_url)
    assert "3 cases opened" in waited.stdout and "waiting for analysis" not in waited.stdout
    assert follow_up_jobs(database_url) == [("done", 5)]
    assert end_state(database_url, "queued") == end_state(database_url, "inline")


def test_no_wait_says_what_is_left_in_the_readers_language(loaded: tuple[str, Path]) -> None:
    database_url, r = loaded
    said = doorstep("import", "responses", str(r), "--workspace", "queued", "--no-wait", "--lang", "zh-CN",
                    db=database_url)
    assert "待分析 5" in said.stdout and "doorstep worker" in said.stdout
    english = doorstep("import", "responses", str(r), "--workspace", "inline", "--no-wait", db=database_url)
    assert "5 answers wait for their analysis and cases" in english.stdout


def test_a_follow_up_run_twice_opens_each_case_once(loaded: tuple[str, Path]) -> None:
    """At-least-once: a worker that dies after the work and before marking the job done runs it again."""
    database_url, r = loaded
    doorstep("import", "responses", str(r), "--workspace", "queued", "--no-wait", db=database_url)
    db = Database(database_url)
    try:
        with db.read() as session:
            job = session.scalars(select(Job).where(Job.kind == "responses.follow_up")).one()
            workspace_id, payload = job.workspace_id, dict(job.payload)
        with db.write() as session:
            assert follow_up_job(session, workspace_id, payload) == 3
        with db.write() as session:
            assert follow_up_job(session, workspace_id, payload) == 0
        with db.read() as session:
            assert session.scalar(text("SELECT count(*) FROM cases")) == 3
        with db.write() as session:  # a workspace deleted meanwhile has nothing to follow up
            assert follow_up_job(session, 10_000_000, payload) == 0
    finally:
        db.dispose()


def test_worker_kind_must_be_one_it_knows(database_url: str) -> None:
    doorstep("init", "--json", db=database_url)
    refused = doorstep("worker", "--once", "--kind", "responses.folow_up", db=database_url, check=False)
    assert refused.returncode != 0
    assert "responses.folow_up" in refused.stderr and "responses.follow_up" in refused.stderr


def test_insert_returning_stores_what_the_orm_stores(database_url: str) -> None:
    """The bulk path's values read back as the ORM's do (UTC instants, JSON as itself), and NUL
    is refused as on every other path."""
    db = Database(database_url)
    shanghai = dt.timezone(dt.timedelta(hours=8))
    at = dt.datetime(2026, 3, 1, 20, 30, 15, 250, tzinfo=shanghai)
    rows = [{"kind": "bulk.test", "payload": payload, "status": "done", "run_at": at, "attempts": 0,
             "max_attempts": 1, "created_at": at} for payload in ({"区域": "北", "n": [1, 2.5]}, {}, {"x": None})]
    try:
        with db.write() as session:
            ids = [i for (i,) in insert_returning(session, table_of(Job), rows)]
            assert len(set(ids)) == 3
            with pytest.raises(InvalidInput):
                insert_returning(session, table_of(Job), [{**rows[0], "kind": "bulk\x00test"}])
        with db.read() as session:
            stored = {j.id: j for j in session.scalars(select(Job).where(Job.kind == "bulk.test"))}
            assert sorted(stored) == sorted(ids)
            payloads = sorted((j.payload for j in stored.values()), key=str)
            assert payloads == sorted((r["payload"] for r in rows), key=str)
            assert {j.run_at for j in stored.values()} == {at}
            assert all(j.run_at.tzinfo is not None for j in stored.values())
            # What SQL sees: the same instant the ORM would have written (a time filter finds it).
            found = session.scalar(select(func.count()).select_from(Job).where(Job.kind == "bulk.test",
                                                                                 Job.run_at == at))
            assert found == 3
    finally:
        db.dispose()


def test_a_bulk_file_read_in_a_second_process_reports_and_stores_the_same(
    loaded: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From BULK_ROWS rows the file is read and checked in a second process: the same rows are
    stored, and a bad file names the same lines and fields and leaves nothing behind."""
    database_url, r = loaded
    bad = tmp_path / "bad.csv"
    bad.write_text(RESPONSES + "D1,11,,,2026-03-03T10:00:00,\nD9,5,,,2026-03-03T10:00:00,\nD2,5,,,yesterday,\n",
                   encoding="utf-8")
    small = doorstep("import", "responses", str(bad), "--workspace", "inline", db=database_url, check=False)
    monkeypatch.setattr("doorstep.deliveries.csv_import.BULK_ROWS", 3)
    bulk = doorstep("import", "responses", str(bad), "--workspace", "queued", db=database_url, check=False)
    assert small.returncode == bulk.returncode != 0
    assert "line 7" in bulk.stderr and "score" in bulk.stderr and "D9" in bulk.stderr and "line 9" in bulk.stderr
    assert small.stderr == bulk.stderr
    assert end_state(database_url, "queued")["answers"] == {}

    stored = json.loads(doorstep("import", "responses", str(r), "--workspace", "queued", "--wait", "--json",
                                 db=database_url).stdout)
    assert (stored["created"], stored["cases_opened"]) == (5, 3)
    monkeypatch.setattr("doorstep.deliveries.csv_import.BULK_ROWS", 10_000)
    doorstep("import", "responses", str(r), "--workspace", "inline", db=database_url)
    assert end_state(database_url, "queued") == end_state(database_url, "inline")
