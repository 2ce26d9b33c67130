"""`doorstep worker` runs the durable jobs; `doorstep jobs …` shows the queue and acts on it.

As thin as the API: the worker loop is doorstep.jobs.worker's, the queries and the
retry are doorstep.jobs.services'. The worker logs one line per job outcome (done,
retry later, dead) to standard error, so a process supervisor's log tells the story.
"""

from __future__ import annotations

import gc
import logging
import signal
import threading
import time
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from doorstep.cli.common import cli_errors, console, open_database, print_json, say, state, workspace_for
from doorstep.errors import InvalidInput
from doorstep.jobs.statuses import JOB_STATUSES

# The jobs layer (and with it every job kind's services) is imported inside the functions
# that use it: loading the CLI stays cheap (cli/common.py).
if TYPE_CHECKING:
    from doorstep.jobs.worker import Handler, JobContext, JobView

log = logging.getLogger("doorstep.worker")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
IdArg = Annotated[int, typer.Argument(help="The job id (see `doorstep jobs`).")]

jobs_app = typer.Typer(help="The jobs queue: counts, the list, dead letters; show, retry or cancel a job.",
                       invoke_without_command=True)


def register(app: typer.Typer) -> None:
    app.command()(worker)
    app.add_typer(jobs_app, name="jobs")


# --- the worker ---------------------------------------------------------------------


@dataclass
class Ran:
    """One job this process ran, for `--once`'s report."""

    id: int
    kind: str
    attempt: int
    seconds: float
    error: str | None = None


def _reporting(kind: str, handler: Handler, ran: list[Ran]) -> Handler:
    """The handler, plus one log line when it succeeds (the worker itself logs failures,
    with what happens next: retry or dead letter)."""

    def run(ctx: JobContext, job: JobView) -> None:
        started = time.monotonic()
        try:
            handler(ctx, job)
        except Exception as exc:
            ran.append(Ran(job.id, kind, job.attempts, time.monotonic() - started, f"{type(exc).__name__}: {exc}"))
            raise
        elapsed = time.monotonic() - started
        ran.append(Ran(job.id, kind, job.attempts, elapsed))
        log.info("job %s (%s) done in %.2f s (attempt %s)", job.id, kind, elapsed, job.attempts)

    return run


def _log_to_stderr() -> None:
    root = logging.getLogger("doorstep")
    root.setLevel(logging.INFO)
    if any(getattr(h, "doorstep_worker", False) for h in root.handlers):
        return  # a second command in the same process (tests): one line per event, not two
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.doorstep_worker = True  # type: ignore[attr-defined]
    root.addHandler(handler)


@cli_errors
def worker(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Run what is due until nothing is, then exit.")] = False,
    poll: Annotated[
        float | None,
        typer.Option("--poll", min=0.05, help="Seconds between looks when idle (DOORSTEP_WORKER_POLL_SECONDS)."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="With --once: print what ran as JSON.")] = False,
    kinds: Annotated[
        list[str] | None,
        typer.Option("--kind", help="Run only jobs of this kind (repeatable), e.g. responses.follow_up for a "
                     "worker that only analyses imported answers."),
    ] = None,
) -> None:
    """Run the jobs worker: invitations, reminders, webhooks, scheduled passes (every workspace).

    SIGINT or SIGTERM stops it cleanly: the jobs it has claimed are finished first, so no
    job is cut in the middle (a second Ctrl+C stops at once; the unfinished jobs are taken
    again by a worker when their lease runs out). Several workers may run at once on
    PostgreSQL; on SQLite run one.
    """
    from doorstep.db import utcnow
    from doorstep.jobs.worker import make_worker

    st = state(ctx)
    db = open_database(st)
    ran: list[Ran] = []
    runner = make_worker(db, st.settings, utcnow)
    if kinds:
        unknown = sorted(set(kinds) - set(runner.handlers))
        if unknown:
            known = ", ".join(sorted(runner.handlers))
            raise InvalidInput(f"no such job kind: {', '.join(unknown)}; the kinds are: {known}", field="--kind")
        runner.handlers = {kind: h for kind, h in runner.handlers.items() if kind in kinds}
        runner.passes = [p for p in runner.passes if p.kind in kinds]
    runner.handlers = {kind: _reporting(kind, handler, ran) for kind, handler in runner.handlers.items()}
    _log_to_stderr()
    # What start-up loaded (SQLAlchemy, the models, the handlers) lives as long as the worker:
    # out of the full collections, as `serve` does, which otherwise walk it again and again.
    gc.collect()
    gc.freeze()
    try:
        if once:
            total = runner.run_until_idle()
            _report_once(db, ran, total, json_out)
            return
        stop = threading.Event()

        def _stop(signum: int, _frame: FrameType | None) -> None:
            if stop.is_set():  # asked twice: the person means it
                raise KeyboardInterrupt
            log.info("stopping after the jobs in hand (%s); again to stop at once", signal.Signals(signum).name)
            stop.set()

        previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        seconds = poll if poll is not None else st.settings.worker_poll_seconds
        log.info("worker %s started (poll every %s s, %s job kinds)", runner.ctx.worker, seconds, len(runner.handlers))
        try:
            runner.run_forever(stop, seconds)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        log.info("worker %s stopped", runner.ctx.worker)
    finally:
        db.dispose()


def _report_once(db: Any, ran: list[Ran], total: int, json_out: bool) -> None:
    # What became of each job: done, back in the queue for a retry, or dead.
    from sqlalchemy import select

    from doorstep.jobs.models import Job

    with db.read() as session:
        now_status = dict(session.execute(select(Job.id, Job.status).where(Job.id.in_([r.id for r in ran]))).all())
    rows = [
        {"id": r.id, "kind": r.kind, "attempt": r.attempt, "seconds": round(r.seconds, 3),
         "status": now_status.get(r.id, "done"), "error": r.error}
        for r in ran
    ]
    if json_out:
        print_json({"ran": total, "jobs": rows})
        return
    if not rows:
        console.print(say("worker.nothing_due"))
        return
    table = Table(say("col.id"), say("col.kind"), say("worker.col_attempt"), say("worker.col_seconds"),
                  say("worker.col_now"), say("col.error"), title=say("worker.ran_title", count=total))
    for row in rows:
        table.add_row(str(row["id"]), escape(row["kind"]), str(row["attempt"]), f"{row['seconds']:.2f}",
                      row["status"], escape(row["error"] or ""))
    console.print(table)


# --- the queue ----------------------------------------------------------------------


def _check_status(status: str | None) -> None:
    if status is not None and status not in JOB_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(JOB_STATUSES)}", field="--status")


@jobs_app.callback()
@cli_errors
def jobs_list(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help=f"One of: {', '.join(JOB_STATUSES)}.")] = None,
    kind: Annotated[str | None, typer.Option(help="A job kind, e.g. invitation.send.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Every workspace's jobs, not only the selected one's.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many.")] = 50,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many.")] = 0,
    json_out: JsonOpt = False,
) -> None:
    """The workspace's jobs (and the scheduled passes, which belong to none): counts by
    status and kind, the list newest first, and the dead letters with their last error."""
    if ctx.invoked_subcommand is not None:
        return
    _check_status(status)
    from doorstep.jobs import services as jobs

    st = state(ctx)
    db = open_database(st)
    with db.read() as session:
        workspace = workspace_for(session, st)
        scope: dict[str, Any] = {"workspace_id": workspace.id, "include_system": True, "everything": every}
        counts = jobs.job_counts(session, **scope)
        page = jobs.list_jobs(session, status=status, kind=kind, limit=limit, offset=offset, **scope)
        dead = page if status == "dead" else jobs.list_jobs(session, status="dead", kind=kind, limit=20, **scope)
    if json_out:
        print_json({"workspace": None if every else st.workspace, "counts": counts, "jobs": page.jobs,
                    "total": page.total, "limit": limit, "offset": offset})
        return
    by_status = counts["by_status"]
    summary = Table(say("col.kind"), *JOB_STATUSES,
                    title=say("jobs.title", scope=say("jobs.all_workspaces") if every else st.workspace))
    for name, per in counts["by_kind"].items():
        summary.add_row(escape(name), *(str(per[s]) for s in JOB_STATUSES))
    summary.add_row(say("jobs.total"), *(f"[bold]{by_status[s]}[/]" for s in JOB_STATUSES))
    console.print(summary)
    listing = Table(say("col.id"), say("col.kind"), say("col.status"), say("jobs.col_run_at"), say("jobs.col_attempts"),
                    say("col.last_error"),
                    title=say("jobs.listing_status", count=f"{page.total:,}", status=status) if status
                    else say("jobs.listing", count=f"{page.total:,}"))
    for job in page.jobs:
        listing.add_row(str(job["id"]), escape(job["kind"]), job["status"], job["run_at"][:19],
                        f"{job['attempts']}/{job['max_attempts']}", escape((job["last_error"] or "")[:80]))
    console.print(listing)
    if dead.jobs and status != "dead":
        letters = Table(say("col.id"), say("col.kind"), say("jobs.col_finished"), say("col.last_error"),
                        title=say("jobs.dead_title", count=f"{dead.total:,}"))
        for job in dead.jobs:
            letters.add_row(str(job["id"]), escape(job["kind"]), (job["finished_at"] or "")[:19],
                            escape(job["last_error"] or ""))
        console.print(letters)


def _scope(session: Any, ctx: typer.Context) -> dict[str, Any]:
    # By id the operator reaches the selected workspace's jobs and the system's passes.
    return {"workspace_id": workspace_for(session, state(ctx)).id, "include_system": True}


def _show(job: dict[str, Any]) -> None:
    console.print(say("job.heading", id=job["id"], kind=escape(job["kind"]), status=job["status"],
                      attempts=job["attempts"], max_attempts=job["max_attempts"]), highlight=False)
    for label, key in ((say("job.run_at"), "run_at"), (say("job.created"), "created_at"),
                       (say("job.finished"), "finished_at"), (say("job.held_by"), "locked_by"),
                       (say("job.lease_until"), "locked_until"), (say("job.dedupe_key"), "dedupe_key")):
        if job[key] is not None:
            console.print(say("job.field", label=label, value=escape(str(job[key]))), highlight=False)
    console.print(say("job.field", label=say("job.payload"), value=escape(str(job["payload"]))), highlight=False)
    if job["last_error"]:
        console.print(say("job.field", label=say("col.last_error"), value=escape(job["last_error"])),
                      highlight=False, soft_wrap=True)


@jobs_app.command("show")
@cli_errors
def show(ctx: typer.Context, job_id: IdArg, json_out: JsonOpt = False) -> None:
    """One job: its payload, attempts, lease and last error."""
    from doorstep.jobs import services as jobs

    db = open_database(state(ctx))
    with db.read() as session:
        job = jobs.job_dict(jobs.get_job(session, job_id=job_id, **_scope(session, ctx)))
    print_json(job) if json_out else _show(job)


@jobs_app.command("retry")
@cli_errors
def retry(ctx: typer.Context, job_id: IdArg, json_out: JsonOpt = False) -> None:
    """Run a dead job again, now, with a fresh set of attempts (exit code 4 if it is not dead)."""
    from doorstep.db import utcnow
    from doorstep.jobs import services as jobs

    db = open_database(state(ctx))
    with db.write() as session:
        job = jobs.job_dict(jobs.retry(session, job_id=job_id, now=utcnow(), **_scope(session, ctx)))
    if json_out:
        print_json(job)
    else:
        console.print(say("job.retried", id=job_id, kind=escape(job["kind"])), highlight=False)


@jobs_app.command("cancel")
@cli_errors
def cancel(ctx: typer.Context, job_id: IdArg, json_out: JsonOpt = False) -> None:
    """Withdraw a queued job: it goes to the dead letters as cancelled (and can be retried)."""
    from doorstep.db import utcnow
    from doorstep.jobs import services as jobs

    db = open_database(state(ctx))
    with db.write() as session:
        job = jobs.job_dict(jobs.cancel(session, job_id=job_id, now=utcnow(), actor="cli", **_scope(session, ctx)))
    if json_out:
        print_json(job)
    else:
        console.print(say("job.cancelled", id=job_id, kind=escape(job["kind"])), highlight=False)
