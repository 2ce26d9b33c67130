"""`doorstep audit`: the workspace's audit log, newest first, as a table or --json."""

from __future__ import annotations

import getpass
import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from doorstep.accounts.audit_actions import ACTIONS
from doorstep.cli.common import cli_errors, console, open_database, print_json, say, state, workspace_for
from doorstep.errors import InvalidInput
from doorstep.timeutil import parse_period

# The services are imported inside the command: loading the CLI stays cheap (cli/common.py).


def register(app: typer.Typer) -> None:
    app.command("audit")(audit)


def cli_actor() -> str:
    """Who ran a command, as the audit log names them: the operating-system user."""
    try:
        return getpass.getuser()
    except Exception:  # no user name in a bare container: still an entry, without a name
        return "unknown"


@cli_errors
def audit(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD, workspace timezone) or instant.")] = None,
    action: Annotated[str | None, typer.Option(help=f"Only this action: {', '.join(ACTIONS)}.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000, help="At most this many entries.")] = 100,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The audit log: logins, role changes, key use, exports, deletions and erasures."""
    if action is not None and action not in ACTIONS:
        raise InvalidInput(f"unknown action; one of {', '.join(ACTIONS)}", field="action")
    from doorstep.accounts.audit import entries, entry_dict

    st = state(ctx)
    db = open_database(st)
    with db.read() as session:
        workspace = workspace_for(session, st)
        start, _ = parse_period(since, None, workspace.timezone)
        found = [entry_dict(e) for e in entries(session, workspace_id=workspace.id, action=action, since=start,
                                                limit=limit)]
    if json_out:
        print_json({"entries": found})
        return
    table = Table(title=say("audit.title", workspace=escape(st.workspace)))
    for column in (say("col.at"), say("audit.col_action")):
        table.add_column(column, no_wrap=True)
    for column in (say("audit.col_actor"), say("audit.col_target"), say("audit.col_details"), say("audit.col_client")):
        table.add_column(column)
    for e in found:
        details = json.dumps(e["details"], ensure_ascii=False) if e["details"] else ""
        table.add_row(e["at"][:19], e["action"], escape(f"{e['actor_kind']}:{e['actor'] or '-'}"),
                      escape(e["target"] or ""), escape(details), escape(e["client"] or ""))
    console.print(table)
