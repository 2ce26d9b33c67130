"""The `doorstep` command as a user runs it, on a real database: in this process through the
real Typer app (run_cli), and in a real process where the process itself is under test."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import CliRun, run_cli

DOORSTEP = [sys.executable, "-m", "doorstep.cli.main"]

DELIVERIES = """\ufeffexternal_id,customer_id,customer_name,customer_locale,owner,promised_at,delivered_at,\
stage.ordered,stage.delivered,team
O1,c1,李雷,zh-CN,rider-1,2026-03-01T12:30:00,2026-03-01T12:50:00,2026-03-01T12:00:00,2026-03-01T12:50:00,north
O2,c2,Ann,en,rider-2,2026-03-01T12:30:00,2026-03-01T12:20:00,2026-03-01T12:00:00,2026-03-01T12:20:00,south
O3,c3,王芳,zh-CN,rider-1,2026-03-01T18:30:00,2026-03-01T18:20:00,2026-03-01T18:00:00,2026-03-01T18:20:00,north
"""
RESPONSES = """delivery_external_id,score,comment,stage,responded_at
O1,4,送得太慢了，饭都凉了,delivered,2026-03-01T13:30:00
O2,9,"On time, thanks!",,2026-03-01T13:00:00
O3,8,不凉，挺好,,2026-03-01T19:00:00
"""


def doorstep(*args: str, db: str, check: bool = True) -> CliRun:
    proc = run_cli(*args, "--db", db)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def process(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    """A real `doorstep` process: exit codes and standard error as a shell sees them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOORSTEP_")}
    return subprocess.run([*DOORSTEP, *args, "--db", db], capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    d, r = tmp_path / "deliveries.csv", tmp_path / "responses.csv"
    d.write_text(DELIVERIES, encoding="utf-8")
    r.write_text(RESPONSES, encoding="utf-8")
    return d, r


def test_init_import_report_and_reimport(database_url: str, files) -> None:
    d, r = files
    init = doorstep("init", "--timezone", "Asia/Shanghai", "--json", db=database_url)
    key = json.loads(init.stdout)["api_key"]
    assert key.startswith("dsk_")
    again = json.loads(doorstep("init", "--json", db=database_url).stdout)
    assert again == {"workspace": "default", "created": False, "api_key": None}

    first = json.loads(doorstep("import", "deliveries", str(d), "--json", db=database_url).stdout)
    assert (first["created"], first["updated"], first["unchanged"]) == (3, 0, 0)
    answers = json.loads(doorstep("import", "responses", str(r), "--json", db=database_url).stdout)
    assert (answers["created"], answers["cases_opened"]) == (3, 1)

    nps = json.loads(doorstep("nps", "--json", db=database_url).stdout)
    assert nps == {
        "nps": 0.0,
        "responses": 3,
        "promoters": 1,
        "passives": 1,
        "detractors": 1,
        "ci95": [-61.1, 61.1],
    }  # n′=6, p′=d′=1.75/6
    by = json.loads(doorstep("nps", "--by", "team", "--json", db=database_url).stdout)
    assert {g["key"]: g["responses"] for g in by["groups"]} == {"north": 2, "south": 1}
    since = json.loads(
        doorstep("nps", "--since", "2026-03-01", "--until", "2026-03-01", "--json", db=database_url).stdout
    )
    assert since["responses"] == 3

    cases = json.loads(doorstep("cases", "--json", db=database_url).stdout)
    assert [(c["delivery_external_id"], c["score"], c["status"]) for c in cases["cases"]] == [("O1", 4, "open")]
    assert cases["cases"][0]["comment"] == "送得太慢了，饭都凉了"

    # Importing the same files again changes nothing.
    second = json.loads(doorstep("import", "deliveries", str(d), "--json", db=database_url).stdout)
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 3)
    answers2 = json.loads(doorstep("import", "responses", str(r), "--json", db=database_url).stdout)
    assert (answers2["created"], answers2["updated"], answers2["cases_opened"]) == (0, 0, 0)
    assert json.loads(doorstep("nps", "--json", db=database_url).stdout) == nps
    assert len(json.loads(doorstep("cases", "--json", db=database_url).stdout)["cases"]) == 1

    table = doorstep("nps", "--by", "team", db=database_url).stdout
    assert "north" in table and "south" in table


def test_bad_file_names_line_and_field_and_exits_nonzero(database_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("external_id,customer_id,delivered_at\nA,c,2026-03-01\nB,,2026-03-01\nC,c,31/02/2026\n")
    proc = process("import", "deliveries", str(bad), db=database_url)
    assert proc.returncode == 2
    assert "line 3, field 'customer_id': is required" in proc.stderr
    assert "line 4, field 'delivered_at'" in proc.stderr
    assert "Traceback" not in proc.stderr
    nps = json.loads(doorstep("nps", "--json", db=database_url).stdout)
    assert nps["responses"] == 0
    assert doorstep("import", "deliveries", str(tmp_path / "missing.csv"), db=database_url, check=False).returncode == 2


def test_gb18030_file_needs_its_encoding(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("external_id,customer_id,customer_name\nG1,c1,张三\n".encode("gb18030"))
    proc = doorstep("import", "deliveries", str(path), db=database_url, check=False)
    assert proc.returncode == 2 and "--encoding gb18030" in proc.stderr
    ok = doorstep("import", "deliveries", str(path), "--encoding", "gb18030", "--json", db=database_url)
    assert json.loads(ok.stdout)["created"] == 1


def test_unknown_workspace_and_global_options_anywhere(database_url: str) -> None:
    proc = process("nps", "--json", "--workspace", "nope", db=database_url)
    assert proc.returncode == 3 and "workspace 'nope' does not exist" in proc.stderr


def test_every_command_has_help() -> None:
    from typer.testing import CliRunner

    from doorstep.cli.main import app

    runner = CliRunner()
    for args in (
        ["--help"],
        ["import", "--help"],
        ["import", "deliveries", "--help"],
        ["import", "responses", "--help"],
        ["nps", "--help"],
        ["cases", "--help"],
        ["init", "--help"],
        ["demo", "--help"],
        ["serve", "--help"],
        ["key", "create", "--help"],
        ["key", "revoke", "--help"],
        ["workspace", "create", "--help"],
        ["workspace", "list", "--help"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
        assert "Usage" in result.output
        # Every command says what it does: the first line of its docstring shows in --help.
        assert len(result.output.strip().splitlines()) > 3


def test_global_options_may_follow_the_command() -> None:
    from doorstep.cli.main import hoist_global_options

    assert hoist_global_options(["nps", "--json", "--workspace", "food", "--db=sqlite:///x.db"]) == [
        "--workspace",
        "food",
        "--db=sqlite:///x.db",
        "nps",
        "--json",
    ]
    assert hoist_global_options(["import", "deliveries", "f.csv", "-w", "s"]) == [
        "-w",
        "s",
        "import",
        "deliveries",
        "f.csv",
    ]


def test_workspace_settings_are_shown_validated_and_used(database_url: str, tmp_path: Path) -> None:
    doorstep("init", db=database_url)
    shown = json.loads(doorstep("workspace", "settings", "--json", db=database_url).stdout)
    assert shown["quiet_period_days"] == 30 and shown["first_contact_hours"] == 24
    changed = doorstep(
        "workspace",
        "settings",
        "--set",
        "first_contact_hours=4",
        "--set",
        "default_cs_owner=cs-li",
        "--json",
        db=database_url,
    )
    assert json.loads(changed.stdout)["first_contact_hours"] == 4
    bad = doorstep("workspace", "settings", "--set", "quiet_period_days=-1", db=database_url, check=False)
    assert bad.returncode == 2 and "quiet_period_days" in bad.stderr
    d, r = tmp_path / "d.csv", tmp_path / "r.csv"
    d.write_text("external_id,customer_id\nX1,c1\n")
    r.write_text("delivery_external_id,score,responded_at\nX1,2,2026-03-01T10:00:00Z\n")
    doorstep("import", "deliveries", str(d), db=database_url)
    doorstep("import", "responses", str(r), db=database_url)
    case = json.loads(doorstep("cases", "--json", db=database_url).stdout)["cases"][0]
    assert case["owner"] == "cs-li"
    assert case["first_contact_due"] == "2026-03-01T14:00:00+00:00"
