"""`doorstep import deliveries|responses FILE.csv` in the DESIGN.md formats."""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from doorstep.cli.common import cli_errors, console, err, open_database, print_json, say, state, workspace_for

# The importer and the database layer are imported inside the functions that use them:
# loading the CLI stays cheap (cli/common.py).
if TYPE_CHECKING:
    from doorstep.db import Database
    from doorstep.surveys.services import ResponseImportResult

app = typer.Typer(help="Import deliveries or responses from CSV files.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="import")


FileArg = Annotated[Path, typer.Argument(help="CSV file (UTF-8; a BOM is fine).")]
Encoding = Annotated[str, typer.Option(help="Text encoding of the file, e.g. gb18030.")]
JsonOut = Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")]
Wait = Annotated[
    bool | None,
    typer.Option(
        "--wait/--no-wait",
        help="Store the answers, then analyse them and open their cases in this command (--wait), or leave "
        "that to the jobs worker (--no-wait). Default: all in one go under 10,000 rows, --no-wait from there.",
        show_default=False,
    ),
]


def _run(ctx: typer.Context, kind: str, file: Path, encoding: str, json_out: bool,
         wait: bool | None = None) -> dict[str, Any]:
    from doorstep.db import utcnow
    from doorstep.deliveries.csv_import import (
        BULK_ROWS,
        DELIVERY_TABLES,
        RESPONSE_TABLES,
        count_rows,
        import_deliveries_csv,
        import_responses_csv,
        open_csv,
    )
    from doorstep.surveys.services import ResponseImportResult

    st = state(ctx)
    db = open_database(st)
    with open_csv(file, encoding) as stream:
        total = count_rows(file)
        # A bulk load stores its answers first and queues what follows them (analysis, cases,
        # events) as jobs: the write lock is held only while storing, live answers get in
        # between the follow-up's transactions, and several workers share the analysis.
        # Explicit --wait: store first, then follow up here (the lock is let go in between).
        queue = kind == "responses" and (wait is not None or total >= BULK_ROWS)
        options: dict[str, Any] = {}
        if kind == "responses":
            # A bulk file is read and checked in a second process while this one stores it.
            options = {"queue_follow_up": queue, "path": file if total >= BULK_ROWS else None}
        importer = import_deliveries_csv if kind == "deliveries" else import_responses_csv
        if total >= BULK_ROWS:
            # What this process has loaded (SQLAlchemy, the models, the CLI) stays loaded: full
            # collections need not walk it again and again while a batch's rows come and go.
            # 52 of them took 2.7 s of a million-row import (gc.callbacks), 0.1 s with this.
            gc.freeze()
        with Progress(
            TextColumn(say("import.progress_deliveries" if kind == "deliveries" else "import.progress_responses")),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err,
            transient=json_out,
        ) as bar:
            task = bar.add_task(kind, total=total)
            # One transaction for the whole file: a bad row anywhere leaves nothing behind.
            with db.write() as session:
                workspace = workspace_for(session, st)
                result = importer(
                    session=session,
                    workspace=workspace,
                    stream=stream,
                    now=utcnow(),
                    encoding=encoding,
                    source=file.name,
                    batch_size=st.settings.batch_size,
                    progress=lambda n: bar.advance(task, n),
                    **options,
                )
    if wait and isinstance(result, ResponseImportResult) and result.queued:
        _follow_up_here(db, result, json_out)
    if result.created + result.updated >= BULK_ROWS:  # after the follow-up: it writes cases and themes
        _refresh_statistics(db, DELIVERY_TABLES if kind == "deliveries" else RESPONSE_TABLES)
    summary: dict[str, Any] = {"file": str(file), "workspace": st.workspace, **result.as_dict()}
    if json_out:
        print_json(summary)
    else:
        console.print(say("import.summary", file=file.name, details=_counts(result.as_dict())), highlight=False)
        if summary.get("queued"):
            console.print(say("import.queued_hint", count=f"{summary['queued']:,}"), highlight=False)
    return summary


def _follow_up_here(db: Database, result: ResponseImportResult, json_out: bool) -> None:
    """Run the follow-up jobs this import queued, in this process, with a progress bar."""
    from doorstep.db import utcnow
    from doorstep.jobs.worker import worker_name
    from doorstep.surveys.jobs import run_follow_ups_here

    with Progress(TextColumn(say("import.progress_follow_up")), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=err, transient=json_out) as bar:
        task = bar.add_task("follow-up", total=result.queued)
        result.cases_opened += run_follow_ups_here(db, result.follow_up_jobs, worker=worker_name(), clock=utcnow,
                                                   progress=lambda n: bar.advance(task, n))
    result.queued = 0


def _counts(counts: dict[str, int]) -> str:
    """"3 created, 0 updated, …" in the command's language (a count we have no words for: its key)."""
    words: dict[str, Callable[[str], str]] = {
        "created": lambda n: say("import.created", count=n),
        "updated": lambda n: say("import.updated", count=n),
        "unchanged": lambda n: say("import.unchanged", count=n),
        "invitations": lambda n: say("import.invitations", count=n),
        "cases_opened": lambda n: say("import.cases_opened", count=n),
        "queued": lambda n: say("import.queued", count=n),
    }
    return say("list.sep").join(words[key](f"{value:,}") if key in words else f"{value:,} {key.replace('_', ' ')}"
                                for key, value in counts.items() if key != "queued" or value)


def _refresh_statistics(db: Database, tables: tuple[str, ...]) -> None:
    """After a bulk load: without fresh statistics the first dashboards after a large import
    read the whole table (PostgreSQL before autovacuum comes round) or the wrong index (SQLite).
    The rows are committed already; a failure here only costs speed, so it warns."""
    from sqlalchemy.exc import SQLAlchemyError

    with err.status(say("import.statistics")):
        try:
            db.refresh_statistics(tables)
        except SQLAlchemyError as exc:
            err.print(say("import.statistics_failed", error=type(exc).__name__))


@app.command()
@cli_errors
def deliveries(ctx: typer.Context, file: FileArg, encoding: Encoding = "utf-8", json_out: JsonOut = False) -> None:
    """Import hand-overs: external_id, customer_id, …, stage.<key>, attributes. Re-importing updates."""
    _run(ctx, "deliveries", file, encoding, json_out)


@app.command()
@cli_errors
def responses(ctx: typer.Context, file: FileArg, encoding: Encoding = "utf-8", json_out: JsonOut = False,
              wait: Wait = None) -> None:
    """Import answers: delivery_external_id, score, comment, stage, responded_at. Detractors get cases."""
    _run(ctx, "responses", file, encoding, json_out, wait)
