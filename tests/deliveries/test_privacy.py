"""A customer's data rights: the export holds what was put in; the erasure leaves no trace
of their name, e-mail or words anywhere in the database, and moves no figure.

"Anywhere" is checked the honest way: every text and JSON column of every table in the
metadata is read back and searched, so a table added later is covered without editing
this test.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from markupsafe import escape
from sqlalchemy import JSON, String, Text, select, update
from typer.testing import CliRunner

from conftest import WorkspaceHandle, make_workspace
from doorstep.accounts.services import get_workspace
from doorstep.briefs.models import Brief
from doorstep.channels.webhooks import create_subscription
from doorstep.cli.main import app as cli
from doorstep.db import Base, Database
from doorstep.deliveries.models import Delivery
from doorstep.deliveries.privacy import erase_customer
from doorstep.deliveries.services import add_stage
from doorstep.frontline.models import FrontlineNote, NotePhoto
from doorstep.jobs.models import Job
from doorstep.surveys.models import Invitation

NAME = "Zhang Weiming 张伟明"
EMAIL = "zhang.weiming@example.com"
COMMENT = "The soup SPILLED all over the bag, 汤洒了一地"
WHY = "courier Liu was rude at the gate 骑手态度很差"
CASE_NOTE = "called back at 138-0000-1111, she wants a refund"
FRONTLINE = "customer at gate 3 always asks for extra chopsticks"
REPLY = "noted, thanks"
SECRETS = [NAME, EMAIL, COMMENT, WHY, CASE_NOTE, FRONTLINE, "138-0000-1111"]

OTHER_NAME = "Li Na 李娜"
OTHER_COMMENT = "quick and hot, 很快"


def deliver(client, workspace: WorkspaceHandle, clock, ext: str, customer: str, **extra: Any) -> str | None:
    delivered = clock.now - dt.timedelta(minutes=20)
    body = {"external_id": ext, "customer_id": customer, "delivered_at": delivered.isoformat(),
            "stages": {"cooked": (delivered - dt.timedelta(minutes=10)).isoformat(),
                       "delivered": delivered.isoformat()},
            **extra}
    response = client.post("/api/v1/deliveries", json=body, headers=workspace.headers)
    assert response.status_code == 200, response.text
    invitations = response.json()["invitations"]
    return str(invitations[0]["token"]) if invitations else None


@pytest.fixture
def story(client, database: Database, workspace: WorkspaceHandle, clock) -> dict[str, Any]:
    """Two customers: c-1, whose data will be erased, and c-2, who stays."""
    with database.write() as session:
        ws = get_workspace(session=session, slug=workspace.slug)
        add_stage(session=session, workspace=ws, key="cooked", name="Cooked", name_zh="出餐")
        add_stage(session=session, workspace=ws, key="delivered", name="Delivered")
        create_subscription(session=session, workspace=ws, url="https://hooks.example.com/x",
                            events=["response.created", "case.opened"], format="json", secret="s" * 20,
                            now=clock.now)
    # c-1: answers on the page with a comment (a detractor: a case), then on another
    # order clicks a score in the e-mail and says why.
    t1 = deliver(client, workspace, clock, "F-1", "c-1", customer_name=NAME, customer_email=EMAIL,
                 customer_locale="zh-CN", attributes={"team": "north"})
    assert client.post(f"/s/{t1}", data={"score": "2", "comment": COMMENT, "stage": "delivered"}).status_code == 200
    clock.advance(days=40)  # outside the quiet period, so the next order is surveyed too
    t2 = deliver(client, workspace, clock, "F-2", "c-1", attributes={"team": "north"})
    assert client.get(f"/s/{t2}?score=5").status_code == 200
    assert client.post(f"/s/{t2}/why", data={"comment": WHY}).status_code == 200
    # c-2 answers happily.
    t3 = deliver(client, workspace, clock, "F-3", "c-2", customer_name=OTHER_NAME, attributes={"team": "south"})
    assert client.post(f"/s/{t3}", data={"score": "10", "comment": OTHER_COMMENT}).status_code == 200
    # A third order of c-1, not answered yet: its invitation is still open.
    clock.advance(days=40)
    assert deliver(client, workspace, clock, "F-4", "c-1") is not None

    cases = client.get("/api/v1/cases", headers=workspace.headers).json()["cases"]
    [case] = [c for c in cases if c["delivery_external_id"] == "F-1"]
    noted = client.post(f"/api/v1/cases/{case['id']}/notes", json={"note": CASE_NOTE}, headers=workspace.headers)
    assert noted.status_code == 200, noted.text
    # A reassignment's note is kept twice: in the English text and in the system note's values.
    moved = client.post(f"/api/v1/cases/{case['id']}/assign", json={"owner": "cs-li", "note": CASE_NOTE},
                        headers=workspace.headers)
    assert moved.status_code == 200, moved.text
    with database.write() as session:
        ws = get_workspace(session=session, slug=workspace.slug)
        delivery_id = session.scalar(select(Delivery.id).where(Delivery.external_id == "F-1"))
        note = FrontlineNote(workspace_id=ws.id, delivery_id=delivery_id, text=FRONTLINE, reply=REPLY)
        session.add(note)
        session.flush()
        session.add(NotePhoto(note_id=note.id, content_type="image/png", size=4, sha256="0" * 64, data=b"\x89PNG"))
        # An SMTP refusal quotes the address in the invitation job's last error.
        invitation_id = session.scalar(select(Invitation.id).join(Delivery).where(Delivery.external_id == "F-4"))
        session.execute(update(Job).where(Job.kind == "invitation.send",
                                          Job.payload["invitation_id"].as_integer() == invitation_id)
                        .values(last_error=f"the mail server refused {EMAIL}: 550 no such user"))
        # A published brief quoting the customer (content and its escaped HTML).
        session.add(Brief(workspace_id=ws.id, period="week", period_start=dt.date(2026, 3, 2),
                          period_end=dt.date(2026, 3, 9), locale="en",
                          content={"quotes": [COMMENT, OTHER_COMMENT]},
                          html=f"<blockquote>{escape(COMMENT)}</blockquote><blockquote>{OTHER_COMMENT}</blockquote>"))
    return {"case_id": case["id"]}


def figures(client, workspace: WorkspaceHandle) -> dict[str, Any]:
    h = workspace.headers
    return {
        "nps": client.get("/api/v1/metrics/nps", headers=h).json(),
        "by_team": client.get("/api/v1/metrics/nps", params={"by": "team"}, headers=h).json(),
        "drivers": client.get("/api/v1/metrics/drivers", headers=h).json(),
        "stages": client.get("/api/v1/metrics/stages", headers=h).json(),
        "cases": sorted((c["id"], c["status"], c["score"]) for c in
                        client.get("/api/v1/cases", headers=h).json()["cases"]),
        "loop": client.get("/api/v1/metrics/loop", headers=h).json(),
    }


def every_text(database: Database) -> list[tuple[str, str, str]]:
    """(table, column, value) of every text and JSON value in the database."""
    found: list[tuple[str, str, str]] = []
    with database.read() as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            if not columns:
                continue
            for row in session.execute(select(*columns)):
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                    found.append((table.name, column.name, text))
    return found


def traces(database: Database, needles: list[str]) -> list[tuple[str, str, str]]:
    forms = {n for needle in needles for n in (needle, str(escape(needle)), json.dumps(needle)[1:-1])}
    return [(t, c, n) for t, c, v in every_text(database) for n in forms if n in v]


def test_erasure_leaves_no_trace_and_moves_no_figure(client, database, workspace, clock, story):
    before = figures(client, workspace)
    assert before["nps"]["responses"] == 3 and len(before["cases"]) >= 1
    # The scan finds what is there before the erasure (else its silence afterwards means nothing).
    found = {n for _t, _c, n in traces(database, SECRETS)}
    assert {NAME, EMAIL, COMMENT, WHY, CASE_NOTE, FRONTLINE} <= found
    assert ("case_events", "note_params", CASE_NOTE) in traces(database, [CASE_NOTE])
    assert any(t == "jobs" for t, _c, _n in traces(database, [COMMENT]))  # the event payload carries it

    erased = client.post("/api/v1/customers/c-1/erase", headers=workspace.headers)
    assert erased.status_code == 200, erased.text
    result = erased.json()
    assert result["comments_removed"] == 2 and result["responses"] == 2 and result["cases"] == 2
    assert result["invitations_expired"] == 1 and result["briefs_scrubbed"] == 1 and result["notes_removed"] == 1
    assert result["photos_removed"] == 1
    with database.read() as session:
        assert session.scalars(select(NotePhoto)).all() == []

    assert traces(database, SECRETS) == []
    assert figures(client, workspace) == before
    # The other customer is untouched, quotes in the brief included.
    assert {n for _t, _c, n in traces(database, [OTHER_NAME, OTHER_COMMENT])} == {OTHER_NAME, OTHER_COMMENT}

    again = client.post("/api/v1/customers/c-1/erase", headers=workspace.headers).json()
    assert again["already_erased"] is True and again["comments_removed"] == 0
    assert client.post("/api/v1/customers/nobody/erase", headers=workspace.headers).status_code == 404

    audit = client.get("/api/v1/audit", params={"action": "customer_erased"}, headers=workspace.headers).json()
    assert [e["target"] for e in audit["entries"]] == ["customer:c-1", "customer:c-1"]
    assert audit["entries"][1]["details"]["comments_removed"] == 2
    assert audit["entries"][0]["actor_kind"] == "key"


def test_the_export_holds_what_was_put_in(client, database, workspace, clock, story):
    response = client.get("/api/v1/customers/c-1/export", headers=workspace.headers)
    assert response.status_code == 200, response.text
    data = response.json()
    expected = {"external_id": "c-1", "name": NAME, "email": EMAIL, "locale": "zh-CN", "erased_at": None}
    assert {k: data["customer"][k] for k in expected} == expected
    assert [d["external_id"] for d in data["deliveries"]] == ["F-1", "F-2", "F-4"]
    assert data["deliveries"][0]["attributes"] == {"team": "north"}
    assert [s["stage"] for s in data["deliveries"][0]["stages"]] == ["cooked", "delivered"]
    assert sorted((r["delivery_external_id"], r["score"], r["comment"]) for r in data["responses"]) == [
        ("F-1", 2, COMMENT), ("F-2", 5, WHY)]
    assert [i["status"] for i in data["invitations"]] == ["responded", "responded", "pending"]
    assert "token" not in data["invitations"][0]  # a credential, not data about them
    assert [c["delivery_external_id"] for c in data["cases"]] == ["F-1", "F-2"]  # 2 and 5: both detractors
    case = data["cases"][0]
    assert case["id"] == story["case_id"] and CASE_NOTE in [e["note"] for e in case["timeline"]]
    assert [(n["text"], n["reply"]) for n in data["frontline_notes"]] == [(FRONTLINE, REPLY)]
    assert [p["content_type"] for p in data["frontline_notes"][0]["photos"]] == ["image/png"]
    assert any(n["event"] == "response.created" and n["payload"]["data"]["response"]["comment"] == COMMENT
               for n in data["notifications"])
    assert OTHER_NAME not in response.text and OTHER_COMMENT not in response.text

    client.post("/api/v1/customers/c-1/erase", headers=workspace.headers)
    after = client.get("/api/v1/customers/c-1/export", headers=workspace.headers).json()
    assert after["customer"]["name"] is None and after["customer"]["erased_at"] is not None
    assert [r["score"] for r in after["responses"]] == [2, 5]
    assert not any(secret in json.dumps(after, ensure_ascii=False) for secret in SECRETS)

    entries = client.get("/api/v1/audit", headers=workspace.headers).json()["entries"]
    actions = [e["action"] for e in reversed(entries) if e["action"].startswith("customer_")]
    assert actions == ["customer_exported", "customer_erased", "customer_exported"]


def test_another_workspace_cannot_see_or_erase_the_customer(client, database, workspace, story):
    other = make_workspace(database, "food")
    assert client.get("/api/v1/customers/c-1/export", headers=other.headers).status_code == 404
    assert client.post("/api/v1/customers/c-1/erase", headers=other.headers).status_code == 404


def test_erasure_is_one_transaction(database, workspace, clock, story):
    """The service only flushes: when the caller's transaction fails after it (the audit
    entry could not be written, say), nothing of the erasure is left half-done."""
    with pytest.raises(RuntimeError), database.write() as session:
        ws = get_workspace(session=session, slug=workspace.slug)
        erase_customer(session=session, workspace=ws, external_id="c-1", now=clock.now)
        raise RuntimeError("the audit entry could not be written")
    assert {n for _t, _c, n in traces(database, SECRETS)} >= {NAME, EMAIL, COMMENT, WHY, CASE_NOTE, FRONTLINE}


def test_the_cli_exports_and_erases_with_an_audit_trail(client, database, database_url, workspace, story, tmp_path):
    runner = CliRunner()
    out = tmp_path / "c-1.json"
    done = runner.invoke(cli, ["--db", database_url, "customer", "export", "c-1", "--out", str(out)])
    assert done.exit_code == 0, (done.stdout, done.stderr)
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert exported["customer"]["email"] == EMAIL and len(exported["responses"]) == 2

    refused = runner.invoke(cli, ["--db", database_url, "customer", "erase", "c-1"])
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    assert NAME in {n for _t, _c, n in traces(database, [NAME])}

    done = runner.invoke(cli, ["--db", database_url, "customer", "erase", "c-1", "--yes", "--json"])
    assert done.exit_code == 0, (done.stdout, done.stderr)
    assert json.loads(done.stdout)["comments_removed"] == 2
    assert traces(database, SECRETS) == []

    listed = runner.invoke(cli, ["--db", database_url, "audit", "--json"])
    assert listed.exit_code == 0, listed.stderr
    actions = [(e["action"], e["actor_kind"], e["target"]) for e in json.loads(listed.stdout)["entries"]]
    assert actions[:2] == [("customer_erased", "cli", "customer:c-1"), ("customer_exported", "cli", "customer:c-1")]
    only = runner.invoke(cli, ["--db", database_url, "audit", "--json", "--action", "customer_exported"])
    assert [e["action"] for e in json.loads(only.stdout)["entries"]] == ["customer_exported"]
    table = runner.invoke(cli, ["--db", database_url, "audit"], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "customer_erased" in table.stdout
