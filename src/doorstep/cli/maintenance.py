"""Backup and restore."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer

from doorstep.backup import backup as backup_db
from doorstep.backup import restore as restore_db
from doorstep.cli.common import cli_errors, console, open_database, print_json, state


def register(app: typer.Typer) -> None:
    app.command()(backup)
    app.command()(restore)


@cli_errors
def backup(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Where to write the backup (a new file).")],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Copy the SQLite database to FILE while it keeps serving (PostgreSQL: use pg_dump)."""
    report = backup_db(open_database(state(ctx)), file, actor=_who())
    if json_out:
        print_json(report.as_dict())
    else:
        console.print(f"Backed up {sum(report.tables.values()):,} rows to {file}", highlight=False)


@cli_errors
def restore(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A backup written by doorstep backup.")],
    force: Annotated[bool, typer.Option("--force", help="Replace a database that holds data.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Replace the database with a backup (stop the server first), then migrate it to this version."""
    report = restore_db(open_database(state(ctx)), file, force=force, actor=_who())
    if json_out:
        print_json(report.as_dict())
    else:
        upgraded = f", upgraded from schema {report.from_revision}" if report.from_revision != report.revision else ""
        console.print(f"Restored {sum(report.tables.values()):,} rows from {file}{upgraded}", highlight=False)


def _who() -> str | None:
    """The operating-system user running the command, for the audit log."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (some containers)
        return None
