"""`doorstep alerts` and /api/v1/alerts: thin over the services, roles as README says."""

from __future__ import annotations

import datetime as dt
import json
import random

from tests.briefs.simulate import Mix, populate
from typer.testing import CliRunner

from conftest import login
from doorstep.briefs.models import Alert
from doorstep.cli.main import app as cli
from doorstep.db import utcnow


def test_cli_checks_lists_and_acknowledges(database, database_url, workspace) -> None:
    now = utcnow()
    populate(database, workspace.id, rng=random.Random(7), start=now - dt.timedelta(days=40), end=now,
             per_day={"north": 40, "south": 40}, regions={"north": "n", "south": "s"},
             mix=lambda team, at: Mix(0.3, 0.4) if team == "north" and at >= now - dt.timedelta(days=6)
             else Mix(0.55, 0.15))
    runner = CliRunner()

    def run(*args: str) -> dict:
        result = runner.invoke(cli, ["--db", database_url, *args], env={"DOORSTEP_BASE_URL": "https://ds.example"})
        assert result.exit_code == 0, (args, result.stdout, result.exception)
        return json.loads(result.stdout)

    raised = run("alerts", "check", "--json")["raised"]
    teams = [a for a in raised if a["subject_kind"] == "team"]
    assert [(a["kind"], a["subject"]) for a in teams] == [("nps_drop", "north")]
    north = teams[0]
    assert north["evidence"]["links"]["alert"] == f"https://ds.example/alerts#alert-{north['id']}"
    assert run("alerts", "check", "--json")["raised"] == []  # the same drop, found again: nothing new
    listed = run("alerts", "--json")
    assert listed["total"] == len(raised)
    acked = run("alerts", "ack", str(north["id"]), "--json")
    assert acked["acknowledged_at"] is not None
    assert north["id"] not in [a["id"] for a in run("alerts", "--open", "--json")["alerts"]]
    table = runner.invoke(cli, ["--db", database_url, "alerts"])
    assert table.exit_code == 0 and "north" in table.stdout and "→" in table.stdout
    missing = runner.invoke(cli, ["--db", database_url, "alerts", "ack", "999999"])
    assert missing.exit_code != 0


def _alert(database, workspace_id: int, subject: str, at: dt.datetime) -> int:
    with database.write() as session:
        alert = Alert(workspace_id=workspace_id, kind="nps_drop", subject_kind="team", subject=subject,
                      dedupe_key=f"k-{subject}", window_start=at - dt.timedelta(days=7), window_end=at,
                      evidence={"baseline": {"nps": 40.0}, "current": {"nps": 10.0}}, raised_at=at)
        session.add(alert)
        session.flush()
        return alert.id


def test_api_lists_for_readers_and_acknowledges_for_cs(client, database, workspace, clock) -> None:
    first = _alert(database, workspace.id, "<b>north</b>", clock.now - dt.timedelta(hours=2))
    second = _alert(database, workspace.id, "south", clock.now)
    listed = client.get("/api/v1/alerts", headers=workspace.headers).json()
    assert [a["id"] for a in listed["alerts"]] == [second, first] and listed["total"] == 2
    assert listed["alerts"][1]["subject"] == "<b>north</b>"  # JSON carries the text as it is
    login(client, database, workspace, "exec")
    assert client.get("/api/v1/alerts").status_code == 200
    assert client.post(f"/api/v1/alerts/{first}/acknowledge").status_code == 403
    login(client, database, workspace, "cs")
    done = client.post(f"/api/v1/alerts/{first}/acknowledge")
    assert done.status_code == 200
    assert dt.datetime.fromisoformat(done.json()["acknowledged_at"].replace("Z", "+00:00")) == clock.now
    again = client.post(f"/api/v1/alerts/{first}/acknowledge").json()
    assert again["acknowledged_at"] == done.json()["acknowledged_at"]  # the first time stands
    assert [a["id"] for a in client.get("/api/v1/alerts?open=true").json()["alerts"]] == [second]
    assert client.post("/api/v1/alerts/999999/acknowledge").status_code == 404


def test_the_page_lists_escaped_evidence_and_cs_acknowledges(client, database, workspace, clock) -> None:
    with database.write() as session:
        alert = Alert(workspace_id=workspace.id, kind="nps_drop", subject_kind="team", subject="<b>north</b>",
                      dedupe_key="k-page", window_start=clock.now - dt.timedelta(days=7), window_end=clock.now,
                      evidence={"baseline": {"nps": 40.0, "ci95": [35.1, 44.9], "responses": 900},
                                "current": {"nps": 12.5, "ci95": [3.0, 22.0], "responses": 210,
                                            "since": (clock.now - dt.timedelta(days=7)).isoformat(),
                                            "until": clock.now.isoformat()},
                                "change": {"delta": -27.5, "p_value": 1.2e-06}, "tested": 12, "alpha": 0.01,
                                "links": {"alert": "http://testserver/alerts#alert-1"}},
                      raised_at=clock.now)
        session.add(alert)
        session.flush()
        alert_id = alert.id
    login(client, database, workspace, "exec")
    page = client.get("/alerts?lang=en")
    assert page.status_code == 200
    assert "&lt;b&gt;north&lt;/b&gt;" in page.text and "<b>north</b>" not in page.text
    assert "40.0" in page.text and "[35.1, 44.9]" in page.text and "-27.5 points" in page.text
    assert f'action="/alerts/{alert_id}/acknowledge"' not in page.text  # exec reads, does not acknowledge
    zh = client.get("/alerts?lang=zh")
    assert "NPS 下降" in zh.text and "团队" in zh.text
    cs = login(client, database, workspace, "cs")
    assert f'action="/alerts/{alert_id}/acknowledge"' in client.get("/alerts").text
    done = client.post(f"/alerts/{alert_id}/acknowledge", data={"csrf_token": cs.csrf, "lang": "en"},
                       headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert done.status_code == 303
    assert "No alerts." in client.get("/alerts?lang=en").text
    assert "Acknowledged" in client.get("/alerts?show=all&lang=en").text
