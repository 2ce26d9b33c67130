"""`doorstep export responses`: every answer of a period as CSV, safe to open in a spreadsheet
(doorstep.exports); written to the audit log."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from doorstep.cli.audit import cli_actor
from doorstep.cli.common import cli_errors, err, open_database, say, state, workspace_for
from doorstep.timeutil import parse_period

# The services are imported inside the command: loading the CLI stays cheap (cli/common.py).

export_app = typer.Typer(help="Export data as CSV (cells that would start a formula are neutralised).",
                         no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")


@export_app.command("responses")
@cli_errors
def responses(
    ctx: typer.Context,
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file (else standard output).")] = None,
    since: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD, workspace timezone).")] = None,
    until: Annotated[str | None, typer.Option(help="Last day, inclusive.")] = None,
) -> None:
    """Every answer (score, comment, stages, themes, sentiment) as CSV, oldest first."""
    from doorstep.accounts import audit
    from doorstep.exports import RESPONSE_COLUMNS, count_responses, response_rows, write_csv

    st = state(ctx)
    db = open_database(st)
    with db.write() as session:
        workspace = workspace_for(session, st)
        start, end = parse_period(since, until, workspace.timezone)
        total = count_responses(session=session, workspace=workspace, since=start, until=end)
        audit.record(session, action="export", actor_kind="cli", actor=cli_actor(), workspace_id=workspace.id,
                     target="responses", details={"format": "csv", "rows": total, "since": since, "until": until,
                                                  "file": out.name if out else None})
    with db.read() as session:
        workspace = workspace_for(session, st)
        rows = response_rows(session=session, workspace=workspace, since=start, until=end)
        if out is None:
            write_csv(sys.stdout, RESPONSE_COLUMNS, rows)
            return
        with out.open("w", encoding="utf-8", newline="") as stream, Progress(
            TextColumn(say("export.progress")), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=err,
            transient=True,
        ) as progress:
            task = progress.add_task("rows", total=total)

            def counted() -> Iterator[tuple[object, ...]]:
                for row in rows:
                    progress.advance(task)
                    yield row

            write_csv(stream, RESPONSE_COLUMNS, counted())
    err.print(say("export.wrote", count=total, path=escape(str(out))), highlight=False)
