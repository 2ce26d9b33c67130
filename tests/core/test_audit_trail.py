"""Deletions are in the audit log, whichever edge made them; `GET /api/v1/audit` and
`doorstep audit` filter it; the log itself cannot be rewritten."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError
from tests.conftest import login
from typer.testing import CliRunner

from doorstep.accounts import audit
from doorstep.accounts.models import AuditEntry
from doorstep.accounts.services import get_workspace
from doorstep.channels.webhooks import create_subscription
from doorstep.cli.main import app as cli
from doorstep.surveys.open_links import create_link


def test_deletions_through_the_api_and_the_cli_are_audited(client, database, database_url, workspace, clock):
    with database.write() as session:
        ws = get_workspace(session=session, slug=workspace.slug)
        link = create_link(session=session, workspace=ws, label="receipts", now=clock())
        other_link = create_link(session=session, workspace=ws, label="counter", now=clock())
        subs = [create_subscription(session=session, workspace=ws, url="https://hooks.example.com/a",
                                    events=["case.opened"], format="json", secret="s" * 20, now=clock.now).id
                for _ in range(2)]
    assert client.delete(f"/api/v1/links/{link.id}", headers=workspace.headers).status_code == 200
    assert client.delete(f"/api/v1/webhooks/subscriptions/{subs[0]}", headers=workspace.headers).status_code == 204
    runner = CliRunner()
    for args in (["links", "revoke", str(other_link.id)], ["webhooks", "remove", str(subs[1])]):
        done = runner.invoke(cli, ["--db", database_url, *args])
        assert done.exit_code == 0, (args, done.stdout, done.stderr)

    found = client.get("/api/v1/audit", params={"action": "deleted"}, headers=workspace.headers).json()["entries"]
    assert sorted((e["actor_kind"], e["target"]) for e in found) == sorted([
        ("key", f"open_link:{link.id}"), ("key", f"webhook_subscription:{subs[0]}"),
        ("cli", f"open_link:{other_link.id}"), ("cli", f"webhook_subscription:{subs[1]}"),
    ])
    # A refused deletion (not found) leaves no entry: the entry lands with the act or not at all.
    assert client.delete("/api/v1/links/999", headers=workspace.headers).status_code == 404
    again = client.get("/api/v1/audit", params={"action": "deleted"}, headers=workspace.headers).json()["entries"]
    assert len(again) == 4


def test_note_deletions_through_the_api_and_the_page_are_audited_without_their_text(client, database, workspace,
                                                                                    clock):
    secret_text = "客户王女士 13800000000 住 7 号楼"
    rider = login(client, database, workspace, "frontline", handle="rider-wang")
    ids = [client.post("/api/v1/notes", json={"text": f"{secret_text} #{i}"}).json()["id"] for i in range(3)]
    # The author, on the API and on the page (the confirmation's form); an admin key, on the API.
    assert client.delete(f"/api/v1/notes/{ids[0]}").status_code == 204
    paged = client.post(f"/notes/{ids[1]}/delete", data={"csrf_token": rider.csrf},
                        headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert paged.status_code == 303
    login(client, database, workspace, "cs", handle="cs-li")
    assert client.delete(f"/api/v1/notes/{ids[2]}").status_code == 403  # refused: no entry
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token")
    assert client.delete(f"/api/v1/notes/{ids[2]}", headers=workspace.headers).status_code == 204

    found = client.get("/api/v1/audit", params={"action": "deleted"}, headers=workspace.headers).json()["entries"]
    assert [(e["actor_kind"], e["actor"], e["target"], e["details"]["as"]) for e in found] == [
        ("key", "api:default", f"frontline_note:{ids[2]}", "admin"),
        ("user", "rider-wang", f"frontline_note:{ids[1]}", "author"),
        ("user", "rider-wang", f"frontline_note:{ids[0]}", "author"),
    ]
    assert all(e["at"] == clock.now.isoformat() for e in found)
    with database.read() as session:
        logged = session.execute(text("SELECT * FROM audit_log")).all()
    assert "13800000000" not in str(logged) and "王女士" not in str(logged)


def test_the_audit_api_filters_by_time_and_action_and_pages(client, database, database_url, workspace):
    with database.write() as session:
        for day in (1, 2, 3):
            audit.record(session, action="export", actor_kind="cli", actor="ops", workspace_id=workspace.id,
                         target="responses", at=dt.datetime(2026, 2, day, 12, tzinfo=dt.UTC))
        audit.record(session, action="export", actor_kind="cli", actor="ops", workspace_id=workspace.id + 1000,
                     target="responses")  # another workspace's entry is never shown
    page = client.get("/api/v1/audit", params={"action": "export", "since": "2026-02-02"},
                      headers=workspace.headers).json()
    assert [e["at"][:10] for e in page["entries"]] == ["2026-02-03", "2026-02-02"]
    first = client.get("/api/v1/audit", params={"action": "export", "limit": 1, "offset": 1},
                       headers=workspace.headers).json()
    assert [e["at"][:10] for e in first["entries"]] == ["2026-02-02"]
    bad = client.get("/api/v1/audit", params={"action": "dance"}, headers=workspace.headers)
    assert bad.status_code == 422 and "unknown action" in bad.json()["error"]["message"]
    assert client.get("/api/v1/audit").status_code == 401

    runner = CliRunner()
    listed = runner.invoke(cli, ["--db", database_url, "audit",
                                 "--json", "--since", "2026-02-03", "--action", "export"])
    assert listed.exit_code == 0, listed.stderr
    assert [e["at"][:10] for e in json.loads(listed.stdout)["entries"]] == ["2026-02-03"]
    refused = runner.invoke(cli, ["--db", database_url, "audit",
                                  "--action", "dance"])
    assert refused.exit_code == 2


def test_the_log_cannot_be_rewritten(database, workspace):
    with database.write() as session:
        audit.record(session, action="export", actor_kind="cli", actor="ops", workspace_id=workspace.id)
    for statement in (update(AuditEntry).values(actor="someone else"), delete(AuditEntry)):
        with pytest.raises(DBAPIError), database.write() as session:
            session.execute(statement)
    with database.read() as session:
        assert session.execute(text("SELECT actor FROM audit_log")).scalars().all() == ["ops"]
