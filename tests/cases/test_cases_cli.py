"""`doorstep cases`, `doorstep case …`, `doorstep cases escalate` and `doorstep loop` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import doorstep

DELIVERIES = """external_id,customer_id,owner,delivered_at,team
O1,c1,rider-1,2026-03-01T12:00:00Z,north
O2,c2,rider-2,2026-03-01T12:00:00Z,south
"""
RESPONSES = """delivery_external_id,score,comment,responded_at
O1,2,<b>cold</b>,2026-03-01T13:00:00Z
O2,9,great,2026-03-01T13:00:00Z
"""


def test_the_loop_from_a_terminal(database_url: str, tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text(DELIVERIES)
    (tmp_path / "r.csv").write_text(RESPONSES)
    doorstep("init", "--json", db=database_url)
    doorstep("import", "deliveries", str(tmp_path / "d.csv"), db=database_url)
    doorstep("import", "responses", str(tmp_path / "r.csv"), db=database_url)

    listed = json.loads(doorstep("cases", "--json", "--status", "open", db=database_url).stdout)
    [case] = listed["cases"]
    assert (case["delivery_external_id"], case["status"], case["breached"]) == ("O1", "open",
                                                                                ["first_contact", "resolution"])
    breached = json.loads(doorstep("cases", "--breached", "--json", db=database_url).stdout)
    assert breached["total"] == 1
    assert json.loads(doorstep("cases", "--not-breached", "--json", db=database_url).stdout)["total"] == 0

    first = json.loads(doorstep("cases", "escalate", "--json", db=database_url).stdout)
    assert first == {"escalated": 2, "closed_unverified": 0, "breached_now": 1}
    again = json.loads(doorstep("cases", "escalate", "--json", db=database_url).stdout)
    assert again["escalated"] == 0

    refused = doorstep("case", "move", str(case["id"]), "--to", "resolved", db=database_url, check=False)
    assert refused.returncode == 4
    assert f"case {case['id']} is open; it can move to: contacted" in refused.stderr
    moved = json.loads(doorstep("case", "move", str(case["id"]), "--to", "contacted", "--note", "called",
                                "--actor", "cs-li", "--json", db=database_url).stdout)
    assert (moved["status"], moved["timeline"][-1]["actor"]) == ("contacted", "cs-li")
    stale = doorstep("case", "move", str(case["id"]), "--to", "resolved", "--expected-version", "1",
                     db=database_url, check=False)
    assert stale.returncode == 4 and "it is now contacted" in stale.stderr
    doorstep("case", "note", str(case["id"]), "customer prefers WeChat", db=database_url)
    doorstep("case", "assign", str(case["id"]), "--owner", "cs-wu", db=database_url)
    shown = doorstep("case", "show", str(case["id"]), db=database_url).stdout
    assert "owner cs-wu" in shown and "<b>cold</b>" in shown and "can move to: resolved" in shown
    detail = json.loads(doorstep("case", "show", str(case["id"]), "--json", db=database_url).stdout)
    assert [e["note"] for e in detail["timeline"] if e["kind"] in ("note", "assigned")] == [
        "customer prefers WeChat", "nobody → cs-wu"]
    resolved = json.loads(doorstep("case", "move", str(case["id"]), "--to", "resolved", "--json",
                                   db=database_url).stdout)
    assert resolved["resurvey_url"].startswith("http://127.0.0.1:8000/s/")
    assert doorstep("case", "show", "999", db=database_url, check=False).returncode == 3

    loop = json.loads(doorstep("loop", "--json", db=database_url).stdout)
    assert (loop["cases_opened"], loop["contacted_within_sla_pct"], loop["escalated"]) == (1, 0.0, 1)
    by = json.loads(doorstep("loop", "--json", "--by", "team", db=database_url).stdout)
    assert [g["key"] for g in by["groups"]] == ["north"]
    assert "Closed loop — default" in doorstep("loop", db=database_url).stdout


def test_help_of_the_case_commands() -> None:
    from typer.testing import CliRunner

    from doorstep.cli.main import app

    runner = CliRunner()
    for args in (["cases", "--help"], ["cases", "escalate", "--help"], ["case", "--help"], ["case", "show", "--help"],
                 ["case", "move", "--help"], ["case", "note", "--help"], ["case", "assign", "--help"],
                 ["loop", "--help"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
        assert "Usage" in result.output and len(result.output.strip().splitlines()) > 3
