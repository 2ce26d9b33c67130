"""Escalation: once per breach, whoever runs the pass, however often, whatever crashes."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select
from tests.cases.helpers import answer

from doorstep.accounts.services import get_workspace, set_lead, update_settings
from doorstep.api.app import create_app
from doorstep.cases import escalation
from doorstep.cases.escalation import run_escalation_pass, scheduler_pass
from doorstep.cases.models import CaseEvent, Escalation
from doorstep.cases.scheduler import PeriodicPass
from doorstep.jobs.models import Job


def counts(database) -> tuple[int, int, int]:
    with database.read() as s:
        return (
            s.scalar(select(func.count()).select_from(Escalation)) or 0,
            s.scalar(select(func.count()).select_from(Job).where(Job.kind == "notify.case_escalated")) or 0,
            s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.kind == "escalated")) or 0,
        )


def one_pass(database, clock) -> int:
    with database.write() as s:
        return run_escalation_pass(s, clock())


def test_each_clock_escalates_once_to_the_lead_or_the_contact(client, workspace, database, clock) -> None:
    with database.write() as s:
        ws = get_workspace(session=s, slug="default")
        update_settings(session=s, workspace=ws, default_cs_owner="cs-wang", escalation_contact="ops-duty")
        set_lead(session=s, workspace_id=ws.id, handle="rider-1", lead_handle="lead-east")
        set_lead(session=s, workspace_id=ws.id, handle="lead-east", lead_handle="head-of-cs")
    led = answer(client, workspace, clock, "D-1", 2, owner="rider-1")  # owner lead-east, whose lead is head-of-cs
    plain = answer(client, workspace, clock, "D-2", 2)  # owner cs-wang, who has no lead
    assert one_pass(database, clock) == 0
    clock.advance(hours=25)
    assert one_pass(database, clock) == 2
    assert one_pass(database, clock) == 0
    assert counts(database) == (2, 2, 2)
    with database.read() as s:
        escalations = s.scalars(select(Job).where(Job.kind == "notify.case_escalated"))
        jobs = {j.payload["case_id"]: (j.dedupe_key, j.payload, j.status) for j in escalations}
    assert jobs[led][0] == f"escalate:{led}:first_contact"
    assert jobs[led][1]["notify"] == "head-of-cs" and jobs[plain][1]["notify"] == "ops-duty"
    assert jobs[led][1]["owner"] == "lead-east" and jobs[led][2] == "queued"
    detail = client.get(f"/api/v1/cases/{led}", headers=workspace.headers).json()
    assert [e["kind"] for e in detail["escalations"]] == ["first_contact"]
    assert detail["escalations"][0]["notified"] == "head-of-cs"
    assert "escalated to head-of-cs" in detail["timeline"][-1]["note"]
    # The resolution clock is a second breach, escalated once too; contacting late stops nothing already done.
    client.post(f"/api/v1/cases/{led}/transitions", headers=workspace.headers, json={"to": "contacted"})
    clock.advance(hours=48)
    assert one_pass(database, clock) == 2
    assert one_pass(database, clock) == 0
    assert counts(database) == (4, 4, 4)


def test_downtime_is_caught_up_by_the_next_pass(client, workspace, database, clock) -> None:
    for i in range(5):
        answer(client, workspace, clock, f"D-{i}", 3)
    clock.advance(days=10)  # the server was down for ten days: both clocks ran out meanwhile
    with database.write() as s:
        summary = scheduler_pass(s, clock())
    assert summary == {"escalated": 10, "closed_unverified": 0, "breached_now": 5}
    assert counts(database) == (10, 10, 10)


def test_a_pass_that_crashes_midway_loses_and_doubles_nothing(client, workspace, database, clock, monkeypatch) -> None:
    for i in range(6):
        answer(client, workspace, clock, f"D-{i}", 1)
    clock.advance(hours=30)
    real = escalation.enqueue_many
    calls = {"n": 0}

    def flaky(*args, **kwargs):  # the power goes after the escalations and their timeline entries were written
        calls["n"] += 1
        raise RuntimeError("power cut")

    monkeypatch.setattr(escalation, "enqueue_many", flaky)
    with pytest.raises(RuntimeError, match="power cut"):
        one_pass(database, clock)
    assert calls["n"] == 1
    assert counts(database) == (0, 0, 0)  # the escalations written before the crash were never committed
    monkeypatch.setattr(escalation, "enqueue_many", real)
    assert one_pass(database, clock) == 6  # "after the restart"
    assert one_pass(database, clock) == 0
    assert counts(database) == (6, 6, 6)


def test_two_passes_at_once_escalate_each_breach_once(client, workspace, database, clock) -> None:
    for i in range(12):
        answer(client, workspace, clock, f"D-{i}", 4)
    clock.advance(hours=30)
    barrier = threading.Barrier(3)
    results: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(one_pass(database, clock))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sum(results) == 12
    assert counts(database) == (12, 12, 12)


def test_a_reopened_case_escalates_its_new_clock(client, workspace, database, clock) -> None:
    case_id = answer(client, workspace, clock, "D-1", 2)
    h = workspace.headers
    clock.advance(hours=80)
    assert one_pass(database, clock) == 2
    for to in ("contacted", "resolved", "reopened"):
        client.post(f"/api/v1/cases/{case_id}/transitions", headers=h, json={"to": to})
    assert one_pass(database, clock) == 0  # the new clock has 72 h to run
    clock.advance(hours=73)
    assert one_pass(database, clock) == 1
    assert one_pass(database, clock) == 0
    kinds = [e["kind"] for e in client.get(f"/api/v1/cases/{case_id}", headers=h).json()["escalations"]]
    assert kinds == ["first_contact", "resolution", "resolution.2"]
    with database.read() as s:
        assert s.scalar(select(Job.dedupe_key).order_by(Job.id.desc()).limit(1)) == f"escalate:{case_id}:resolution.2"


def test_the_server_runs_the_pass_in_the_background(client, workspace, database, clock, settings) -> None:
    answer(client, workspace, clock, "D-1", 2)
    clock.advance(hours=25)
    periodic = PeriodicPass(database, clock, interval=0.05, first_delay=0.01)
    periodic.start()
    deadline = time.monotonic() + 20
    while periodic.passes < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    periodic.stop()
    assert periodic.passes >= 3
    assert counts(database) == (1, 1, 1)
    app = create_app(settings.model_copy(update={"scheduler_interval_seconds": 30}), db=database, clock=clock,
                     scheduler=True)
    from fastapi.testclient import TestClient

    with TestClient(app):
        assert app.state.scheduler is not None
    assert create_app(settings, db=database, clock=clock) is not None  # tests' apps run no scheduler by default
