"""Loading the `doorstep` command stays cheap: the services are imported by the command that
runs, not at start-up (doorstep/cli/common.py). Guarded by what is imported, not by a clock.

Measured before this was kept: loading the CLI pulled in SQLAlchemy, Alembic, pydantic and
pydantic-settings, argon2, segno, PyYAML, Jinja2, httpx and anyio, ~0.9 s before any command ran.
"""

import json
import os
import subprocess
import sys

import pytest
import typer.main

from doorstep.cli.main import app

# Packages a command may need but start-up must not load (smtplib: only `doorstep email test`).
# Not pydantic itself: Typer (0.29) checks a command's parameters with it.
HEAVY = ("sqlalchemy", "alembic", "pydantic_settings", "argon2", "segno", "yaml", "jinja2", "httpx",
         "anyio", "fastapi", "starlette", "uvicorn", "PIL", "mako", "smtplib")
# Our own modules that bring them (or the analysis) along.
HEAVY_OURS = ("doorstep.config", "doorstep.db", "doorstep.migrations", "doorstep.api", "doorstep.web",
              "doorstep.insight.analysis", "doorstep.accounts.models", "doorstep.jobs.models")

PROBE = """
import json, sys
from doorstep.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def loaded(*argv: str) -> tuple[str, set[str]]:
    """(standard output, modules imported) of `doorstep *argv` in a fresh interpreter."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOORSTEP_")}
    env["COLUMNS"] = "200"  # every command's name and help on one line each
    proc = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, env=env,
                          timeout=120)
    return proc.stdout, set(json.loads(proc.stderr.strip().splitlines()[-1]))


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY or m.startswith(HEAVY_OURS))


@pytest.mark.parametrize("argv", [(), ("--help",), ("--version",), ("nps", "--help"), ("webhooks", "add", "--help"),
                                  ("qr", "--help"), ("audit", "--help"), ("jobs", "--help")])
def test_start_up_and_help_load_no_service(argv: tuple[str, ...]) -> None:
    _, modules = loaded(*argv)
    assert "doorstep.cli.main" in modules
    assert heavy(modules) == []


def test_help_still_lists_every_command_with_its_help() -> None:
    out, _ = loaded("--help")
    rows = {line.strip("│ ").split(" ", 1)[0]: line for line in out.splitlines() if line.startswith("│ ")}
    commands = typer.main.get_command(app).commands
    assert len(commands) > 30
    for name, command in commands.items():
        assert name in rows, name
        assert (command.help or "").strip()[:30] in rows[name], (name, rows[name])


def test_a_command_loads_what_it_needs_when_it_runs(tmp_path) -> None:
    out, modules = loaded("--db", f"sqlite:///{tmp_path / 'd.db'}", "nps", "--json")
    assert json.loads(out)["responses"] == 0
    assert {"sqlalchemy", "doorstep.db", "doorstep.surveys.metrics"} <= modules
