"""Who gets a case and how urgent it is: rules, queues taking turns (durably, concurrently),
fallbacks, priority from score, value and repeat unhappiness, and which answers open cases."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections import Counter

from sqlalchemy import select, update
from tests.cases.helpers import answer

from doorstep.accounts.services import get_workspace, set_lead, update_settings
from doorstep.cases.intake import ResponseFacts, open_cases
from doorstep.cases.models import Case, CaseEvent
from doorstep.surveys.models import Response
from doorstep.surveys.services import submit_response

RULES = {
    "routing_rules": [
        {"when": {"region": "north", "product": "fleet"}, "owner": "cs-vip"},
        {"when": {"region": "north"}, "queue": "north-cs"},
    ],
    "queues": {"north-cs": ["cs-a", "cs-b", "cs-c"]},
    "default_cs_owner": "cs-default",
}


def configure(database, **changes) -> None:
    with database.write() as s:
        update_settings(session=s, workspace=get_workspace(session=s, slug="default"), **changes)


def owners(client, workspace) -> dict[str, str | None]:
    cases = client.get("/api/v1/cases", headers=workspace.headers, params={"limit": 1000}).json()["cases"]
    return {c["delivery_external_id"]: c["owner"] for c in cases}


def test_rules_queues_and_fallbacks(client, workspace, database, clock) -> None:
    configure(database, **RULES)
    with database.write() as s:
        set_lead(session=s, workspace_id=workspace.id, handle="rider-9", lead_handle="lead-south")
    answer(client, workspace, clock, "VIP", 2, attributes={"region": "north", "product": "fleet"})
    for i in range(5):
        answer(client, workspace, clock, f"N{i}", 3, attributes={"region": "north"})
    answer(client, workspace, clock, "S1", 4, attributes={"region": "south"}, owner="rider-9")
    answer(client, workspace, clock, "S2", 4, attributes={"region": "south"})
    got = owners(client, workspace)
    assert got["VIP"] == "cs-vip"
    assert [got[f"N{i}"] for i in range(5)] == ["cs-a", "cs-b", "cs-c", "cs-a", "cs-b"]
    assert got["S1"] == "lead-south" and got["S2"] == "cs-default"
    # The turn survives a restart: it is read from the cases, not kept in memory.
    answer(client, workspace, clock, "N5", 3, attributes={"region": "north"})
    assert owners(client, workspace)["N5"] == "cs-c"
    with database.read() as s:
        note = s.scalar(select(CaseEvent.note).join(Case).join(Response).where(Response.score == 2))
    assert note.startswith("rule 1: owner cs-vip; priority high")
    assigned = client.post("/api/v1/cases/1/assign", headers=workspace.headers, json={"queue": "north-cs"})
    assert assigned.status_code == 200 and assigned.json()["owner"] == "cs-a" and assigned.json()["queue"] == "north-cs"


def test_queue_turns_are_fair_under_concurrency(client, workspace, database, clock) -> None:
    configure(database, routing_rules=[{"when": {"region": "north"}, "queue": "q"}], queues={"q": ["x", "y"]})
    tokens = []
    for i in range(8):
        body = {"external_id": f"C{i}", "customer_id": f"c{i}", "delivered_at": clock.now.isoformat(),
                "attributes": {"region": "north"}}
        tokens.append(client.post("/api/v1/deliveries", json=body, headers=workspace.headers)
                      .json()["invitations"][0]["token"])
    barrier = threading.Barrier(len(tokens))
    errors: list[BaseException] = []

    def submit(token: str) -> None:
        try:
            barrier.wait()
            with database.write() as session:
                submit_response(session=session, token=token, score=1, comment=None, stage=None, now=clock())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    got = owners(client, workspace)
    assert Counter(got.values()) == {"x": 4, "y": 4}
    with database.read() as s:
        order = [o for (o,) in s.execute(select(Case.owner_id).order_by(Case.id))]
    assert all(a != b for a, b in itertools.pairwise(order))  # strictly alternating by opening order


def test_priority_from_score_value_and_repeat(client, workspace, database, clock) -> None:
    configure(database, value_attribute="arr", value_threshold=100000)
    answer(client, workspace, clock, "BIG", 6, attributes={"arr": "120,000"})
    answer(client, workspace, clock, "SMALL", 6, attributes={"arr": "5000"})
    answer(client, workspace, clock, "FIRST", 5, customer="same")
    clock.advance(days=30)
    answer(client, workspace, clock, "AGAIN", 6, customer="same")
    clock.advance(days=100)
    answer(client, workspace, clock, "LATER", 6, customer="same")  # the last detractor was 100 days ago
    cases = client.get("/api/v1/cases", headers=workspace.headers).json()["cases"]
    got = {c["delivery_external_id"]: c["priority"] for c in cases}
    assert got == {"BIG": "high", "SMALL": "normal", "FIRST": "normal", "AGAIN": "high", "LATER": "normal"}


def test_priority_slas(client, workspace, database, clock) -> None:
    configure(database, sla_by_priority={"high": {"first_contact_hours": 2, "resolution_hours": 8}})
    case_id = answer(client, workspace, clock, "H", 0)
    body = client.get(f"/api/v1/cases/{case_id}", headers=workspace.headers).json()
    opened = dt.datetime.fromisoformat(body["opened_at"])
    assert dt.datetime.fromisoformat(body["first_contact_due"]) - opened == dt.timedelta(hours=2)
    assert dt.datetime.fromisoformat(body["resolution_due"]) - opened == dt.timedelta(hours=8)


def test_business_hours_due_times(client, workspace, database, clock) -> None:
    configure(database, business_hours={"days": [1, 2, 3, 4, 5], "start": "09:00", "end": "18:00",
                                        "timezone": "Asia/Shanghai"})
    clock.now = dt.datetime(2026, 3, 6, 9, 0, tzinfo=dt.UTC)  # Friday 17:00 in Shanghai
    case_id = answer(client, workspace, clock, "FRI", 4)
    body = client.get(f"/api/v1/cases/{case_id}", headers=workspace.headers).json()
    # 24 business hours from Friday 17:00: Wednesday 14:00 Shanghai = 06:00 UTC.
    assert body["first_contact_due"] == "2026-03-11T06:00:00+00:00"
    loop = client.get("/api/v1/metrics/loop", headers=workspace.headers).json()
    assert loop["business_hours"] is True


def test_which_answers_open_cases(database, workspace, client, clock) -> None:
    client.post("/api/v1/deliveries", headers=workspace.headers,
                json={"external_id": "S", "customer_id": "s", "stages": {"cooked": clock.now.isoformat()}})
    for ext in ("P", "Q", "R"):
        answer(client, workspace, clock, ext, 8 if ext != "R" else 9, stage="cooked" if ext == "R" else None)
    assert client.get("/api/v1/cases", headers=workspace.headers).json()["total"] == 0
    with database.write() as s:
        s.execute(update(Response).where(Response.score == 8).values(sentiment_label="negative"))
        ws = get_workspace(session=s, slug="default")
        facts = [ResponseFacts(r.id, r.delivery_id, r.customer_id, r.score, r.responded_at)
                 for r in s.scalars(select(Response).order_by(Response.id))]
        assert open_cases(session=s, workspace=ws, responses=facts) == 0  # not asked for: nothing opens
        update_settings(session=s, workspace=ws, case_on_negative_passive=True)
        assert open_cases(session=s, workspace=ws, responses=facts) == 2
        update_settings(session=s, workspace=ws, case_on_blamed_stage=True)
        assert open_cases(session=s, workspace=ws, responses=facts) == 1  # the promoter who blamed a stage
        assert open_cases(session=s, workspace=ws, responses=facts) == 0  # never twice
    got = {c["delivery_external_id"]: c["priority"]
           for c in client.get("/api/v1/cases", headers=workspace.headers).json()["cases"]}
    assert got == {"P": "low", "Q": "low", "R": "low"}


def test_bad_rules_are_refused() -> None:
    import pytest
    from pydantic import ValidationError

    from doorstep.accounts.settings import WorkspaceSettings

    for bad in ({"routing_rules": [{"when": {"a": "b"}, "queue": "missing"}]},
                {"routing_rules": [{"when": {"a": "b"}}]},
                {"routing_rules": [{"when": {}, "owner": "x"}]},
                {"business_hours": {"start": "18:00", "end": "09:00"}},
                {"business_hours": {"days": [0]}},
                {"business_hours": {"holidays": ["May 1st"]}},
                {"sla_by_priority": {"urgent": {"first_contact_hours": 1}}},
                {"queues": "{not json"}):
        with pytest.raises(ValidationError):
            WorkspaceSettings.model_validate(bad)
