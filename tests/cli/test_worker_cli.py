"""`doorstep worker` and `doorstep jobs …` as an operator runs them: real processes, real databases."""

from __future__ import annotations

import datetime as dt
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from typer.testing import CliRunner, Result

from doorstep.cli.main import app, hoist_global_options

DOORSTEP = [sys.executable, "-m", "doorstep.cli.main"]


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("DOORSTEP_")}


def doorstep(*args: str, db: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    """A real `doorstep` process (the worker: signals, logging to stderr)."""
    proc = subprocess.run([*DOORSTEP, *args, "--db", db], capture_output=True, text=True, env=env(), timeout=120)
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    return proc


def jobs_cli(*args: str, db: str, code: int = 0) -> Result:
    """The same command line in this process: the report commands, many times, fast."""
    result = CliRunner().invoke(app, hoist_global_options([*args, "--db", db]))
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    return result


def test_jobs_list_show_cancel_and_retry(database_url: str, tmp_path: Path) -> None:
    delivered = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    csv = tmp_path / "deliveries.csv"
    csv.write_text("external_id,customer_id,delivered_at\n"
                   f"O1,c1,{delivered.isoformat()}\nO2,c2,{delivered.isoformat()}\n", encoding="utf-8")
    jobs_cli("import", "deliveries", str(csv), db=database_url)

    listing = json.loads(jobs_cli("jobs", "--json", db=database_url).stdout)
    assert listing["workspace"] == "default" and listing["total"] == 2
    assert listing["counts"]["by_kind"] == {"invitation.send": {"queued": 2, "running": 0, "done": 0, "dead": 0}}
    newest, oldest = listing["jobs"]
    assert newest["id"] > oldest["id"] and newest["kind"] == "invitation.send"
    due = dt.datetime.fromisoformat(newest["run_at"])
    assert abs(due - (delivered + dt.timedelta(minutes=30))) < dt.timedelta(seconds=1)
    assert newest["dedupe_key"] == f"invite:{newest['payload']['invitation_id']}"

    job_id = str(newest["id"])
    shown = json.loads(jobs_cli("jobs", "show", job_id, "--json", db=database_url).stdout)
    assert shown == newest
    missing = jobs_cli("jobs", "show", "999999", db=database_url, code=3)
    assert "job 999999 does not exist" in missing.stderr
    refused = jobs_cli("jobs", "retry", job_id, db=database_url, code=4)
    assert "only a dead job can be retried" in refused.stderr

    cancelled = json.loads(jobs_cli("jobs", "cancel", job_id, "--json", db=database_url).stdout)
    assert (cancelled["status"], cancelled["last_error"]) == ("dead", "cancelled by cli")
    dead = json.loads(jobs_cli("jobs", "--status", "dead", "--json", db=database_url).stdout)
    assert [j["id"] for j in dead["jobs"]] == [newest["id"]] and dead["counts"]["by_status"]["dead"] == 1
    table = jobs_cli("jobs", db=database_url).stdout
    assert "Dead letters (1)" in table and "cancelled by cli" in table and "invitation.send" in table

    retried = json.loads(jobs_cli("jobs", "retry", job_id, "--json", db=database_url).stdout)
    assert (retried["status"], retried["attempts"], retried["finished_at"]) == ("queued", 0, None)
    assert f"Job {job_id} (invitation.send) is cancelled." in jobs_cli("jobs", "cancel", job_id,
                                                                        db=database_url).stdout
    assert "is queued again" in jobs_cli("jobs", "retry", job_id, db=database_url).stdout
    assert "status must be one of" in jobs_cli("jobs", "--status", "lost", db=database_url, code=2).stderr
    assert "other" in jobs_cli("jobs", "--json", "--workspace", "other", db=database_url, code=3).stderr


def test_worker_once_runs_what_is_due_and_reports_it(database_url: str) -> None:
    jobs_cli("init", db=database_url)
    proc = doorstep("worker", "--once", "--json", db=database_url)
    report = json.loads(proc.stdout)
    ran = {j["kind"]: j for j in report["jobs"]}
    assert {"pass.cases", "pass.invitations", "pass.jobs_cleanup", "pass.statistics"} <= set(ran)
    assert report["ran"] == len(report["jobs"])
    assert all(j["status"] == "done" and j["error"] is None for j in ran.values())
    # One log line per outcome, on standard error.
    for kind, job in ran.items():
        assert f"job {job['id']} ({kind}) done in" in proc.stderr
    # The passes belong to no workspace, and the operator's list shows them.
    listing = json.loads(jobs_cli("jobs", "--json", db=database_url).stdout)
    assert listing["counts"]["by_kind"]["pass.invitations"]["done"] == 1
    plain = doorstep("worker", "--once", db=database_url).stdout
    assert "Nothing was due." in plain or "Ran " in plain


def _read_lines(stream, into: queue.Queue[str]) -> None:
    for line in stream:
        into.put(line)


def _wait_for(lines: queue.Queue[str], seen: list[str], text: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not any(text in line for line in seen):
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no '{text}' in: {''.join(seen)}"
        try:
            seen.append(lines.get(timeout=remaining))
        except queue.Empty:
            continue


def test_worker_stops_cleanly_on_sigterm_and_sigint(database_url: str) -> None:
    jobs_cli("init", db=database_url)
    for sig in (signal.SIGTERM, signal.SIGINT):
        proc = subprocess.Popen([*DOORSTEP, "worker", "--poll", "0.2", "--db", database_url], env=env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lines: queue.Queue[str] = queue.Queue()
        reader = threading.Thread(target=_read_lines, args=(proc.stderr, lines), daemon=True)
        reader.start()
        seen: list[str] = []
        try:
            _wait_for(lines, seen, "started (poll every 0.2 s")
            if sig == signal.SIGTERM:  # the first run finds the passes due and runs them
                _wait_for(lines, seen, "(pass.invitations) done in")
            proc.send_signal(sig)
            assert proc.wait(timeout=30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        reader.join(10)
        while not lines.empty():
            seen.append(lines.get())
        log = "".join(seen)
        assert f"stopping after the jobs in hand ({sig.name})" in log
        assert log.rstrip().endswith("stopped") and "Traceback" not in log
