"""`doorstep links …` and `doorstep qr` as a user runs them: real processes on a real database."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import zxingcpp
from click.testing import Result
from PIL import Image
from typer.testing import CliRunner

from doorstep.cli.main import app

DOORSTEP = [sys.executable, "-m", "doorstep.cli.main"]
BASE_URL = "https://nps.example.com"


def doorstep(*args: str, db: str, code: int = 0) -> Result:
    """In-process through the real Typer app (a process start costs seconds; one test below pays it)."""
    result = CliRunner().invoke(app, ["--db", db, *args], env={"DOORSTEP_BASE_URL": BASE_URL})
    assert result.exit_code == code, (args, result.stdout, result.stderr, result.exception)
    return result


def scanned(path: Path) -> str:
    [result] = zxingcpp.read_barcodes(Image.open(path))
    return result.text


def test_links_and_qr_codes_from_the_terminal(database_url: str, tmp_path: Path) -> None:
    delivered = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    csv = tmp_path / "deliveries.csv"
    csv.write_text(f"external_id,customer_id,delivered_at\nF-1,c1,{delivered}\nGO-1,c2,\n", encoding="utf-8")
    doorstep("import", "deliveries", str(csv), db=database_url)

    link = json.loads(doorstep("links", "create", "--label", "receipts", "--json", db=database_url).stdout)
    assert link["url"].startswith(f"{BASE_URL}/o/") and link["active"] is True
    fixed = json.loads(doorstep("links", "create", "--label", "go-live", "--delivery", "GO-1", "--json",
                                db=database_url).stdout)
    assert fixed["delivery_external_id"] == "GO-1"
    listed = json.loads(doorstep("links", "list", "--json", db=database_url).stdout)
    assert [(x["id"], x["label"]) for x in listed["links"]] == [(link["id"], "receipts"), (fixed["id"], "go-live")]
    table = doorstep("links", "list", db=database_url).stdout
    assert "receipts" in table and "GO-1" in table and "active" in table

    receipt = tmp_path / "receipt.png"
    printed = json.loads(doorstep("qr", "--link", str(link["id"]), "--ref", "F-1", "--out", str(receipt), "--json",
                                  db=database_url).stdout)
    assert printed["format"] == "png" and printed["url"] == f"{link['url']}?ref=F-1"
    assert scanned(receipt) == f"{link['url']}?ref=F-1"

    invitation = tmp_path / "F-1.PNG"
    human = doorstep("qr", "--delivery", "F-1", "--out", str(invitation), db=database_url).stdout
    assert f"{BASE_URL}/s/" in human and "wrote" in human
    assert scanned(invitation).startswith(f"{BASE_URL}/s/")
    slide = tmp_path / "go-live.svg"
    doorstep("qr", "--link", str(fixed["id"]), "--out", str(slide), db=database_url)
    assert ET.parse(slide).getroot().tag == "{http://www.w3.org/2000/svg}svg"

    wrong = doorstep("qr", "--link", str(link["id"]), "--out", str(tmp_path / "x.jpg"), db=database_url, code=2)
    assert ".png or .svg" in wrong.stderr and "'.jpg'" in wrong.stderr
    assert not (tmp_path / "x.jpg").exists()
    assert "no survey invitation" in doorstep("qr", "--delivery", "GO-1", "--out", str(tmp_path / "g.png"),
                                              db=database_url, code=3).stderr
    assert "exactly one" in doorstep("qr", "--out", str(tmp_path / "n.png"), db=database_url, code=2).stderr

    assert "revoked" in doorstep("links", "revoke", str(link["id"]), db=database_url).stdout
    assert "revoked" in doorstep("qr", "--link", str(link["id"]), "--out", str(tmp_path / "r.png"),
                                 db=database_url, code=3).stderr
    assert doorstep("links", "revoke", "999", db=database_url, code=3).stderr


def test_qr_in_a_real_process(database_url: str, tmp_path: Path) -> None:
    link = json.loads(doorstep("links", "create", "--label", "door", "--json", db=database_url).stdout)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOORSTEP_")} | {"DOORSTEP_BASE_URL": BASE_URL}
    out = tmp_path / "door.svg"
    # Global options anywhere on the line, as people type them.
    proc = subprocess.run([*DOORSTEP, "qr", "--link", str(link["id"]), "--out", str(out), "--json", "--db",
                           database_url], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"file": str(out), "format": "svg", "url": link["url"],
                                       "bytes": out.stat().st_size}


def test_help_of_the_link_commands() -> None:
    runner = CliRunner()
    for args in (["links", "--help"], ["links", "create", "--help"], ["links", "list", "--help"],
                 ["links", "revoke", "--help"], ["qr", "--help"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
        assert "Usage" in result.output and len(result.output.strip().splitlines()) > 3
