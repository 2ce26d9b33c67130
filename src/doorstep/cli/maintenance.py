"""Backup and restore."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer

from doorstep.cli.common import cli_errors, console, open_database, print_json, say, state, workspace_for

# The services are imported inside each command: loading the CLI stays cheap (cli/common.py).


def register(app: typer.Typer) -> None:
    app.command()(backup)
    app.command()(restore)
    app.command("rebuild-stage-daily")(rebuild_stage_daily)


@cli_errors
def backup(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Where to write the backup (a new file).")],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Copy the SQLite database to FILE while it keeps serving (PostgreSQL: use pg_dump)."""
    from doorstep.backup import backup as backup_db

    report = backup_db(open_database(state(ctx)), file, actor=_who())
    if json_out:
        print_json(report.as_dict())
    else:
        console.print(say("backup.done", rows=f"{sum(report.tables.values()):,}", file=file), highlight=False)


@cli_errors
def restore(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A backup written by doorstep backup.")],
    force: Annotated[bool, typer.Option("--force", help="Replace a database that holds data.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Replace the database with a backup (stop the server first), then migrate it to this version."""
    from doorstep.backup import restore as restore_db

    report = restore_db(open_database(state(ctx)), file, force=force, actor=_who())
    if json_out:
        print_json(report.as_dict())
    else:
        rows = f"{sum(report.tables.values()):,}"
        if report.from_revision != report.revision:
            done = say("restore.done_upgraded", rows=rows, file=file, revision=report.from_revision)
        else:
            done = say("restore.done", rows=rows, file=file)
        console.print(done, highlight=False)


@cli_errors
def rebuild_stage_daily(
    ctx: typer.Context,
    check: Annotated[bool, typer.Option("--check", help="Only compare; exit 1 if a cell differs.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Recompute the stage table's per-day aggregate of the workspace from its stage events.

    Ingest keeps it up to date; this is for rows written around it (SQL by hand) and after
    a change of the workspace's timezone.
    """
    from doorstep.deliveries.stage_daily import rebuild

    st = state(ctx)
    db = open_database(st)
    with db.read() if check else db.write() as session:
        workspace = workspace_for(session, st)
        result = rebuild(session, workspace_id=workspace.id, timezone=workspace.timezone, check_only=check)
    if json_out:
        print_json({"workspace": st.workspace, "checked_only": check, **result.as_dict()})
    elif check:
        console.print(say("stage_daily.checked", differences=f"{result.differences:,}", cells=f"{result.cells:,}"),
                      highlight=False)
    else:
        console.print(say("stage_daily.rebuilt", cells=f"{result.cells:,}", stages=result.stages,
                          events=f"{result.events:,}", differences=f"{result.differences:,}"), highlight=False)
    if check and result.differences:
        raise typer.Exit(1)


def _who() -> str | None:
    """The operating-system user running the command, for the audit log."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (some containers)
        return None
