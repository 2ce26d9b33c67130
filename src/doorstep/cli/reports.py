"""Reports: `doorstep nps` and `doorstep cases`, as tables or --json (DESIGN.md shapes)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from doorstep.api.metrics import parse_period
from doorstep.cases.models import CASE_STATUSES
from doorstep.cases.services import list_cases
from doorstep.cli.common import cli_errors, console, fmt_ci, fmt_nps, open_database, print_json, state, workspace_for
from doorstep.errors import InvalidInput
from doorstep.surveys.metrics import nps_by, nps_summary


def register(app: typer.Typer) -> None:
    app.command()(nps)
    app.command()(cases)


@cli_errors
def nps(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD, workspace timezone).")] = None,
    until: Annotated[str | None, typer.Option(help="Last day, inclusive.")] = None,
    by: Annotated[
        str | None, typer.Option(help="Segment: an attribute (team, region…), owner, stage, language.")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Net Promoter Score with its 95% interval, overall or by segment."""
    st = state(ctx)
    db = open_database(st)
    with db.read() as session:
        workspace = workspace_for(session, st)
        start, end = parse_period(since, until, workspace.timezone)
        result = (
            nps_by(session=session, workspace=workspace, by=by, since=start, until=end)
            if by
            else nps_summary(session=session, workspace=workspace, since=start, until=end)
        )
    if json_out:
        print_json(result)
        return
    groups = result["groups"] if by else [{"key": st.workspace, **result}]
    table = Table(
        by or "workspace",
        "NPS",
        "95% interval",
        "responses",
        "promoters",
        "passives",
        "detractors",
        title=f"NPS — {st.workspace}",
    )
    for g in groups:
        table.add_row(
            escape(str(g["key"] if g["key"] is not None else "—")),
            fmt_nps(g["nps"]),
            fmt_ci(g["ci95"]),
            f"{g['responses']:,}",
            f"{g['promoters']:,}",
            f"{g['passives']:,}",
            f"{g['detractors']:,}",
        )
    console.print(table)


@cli_errors
def cases(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help=f"One of: {', '.join(CASE_STATUSES)}.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 100,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Cases of unhappy customers, newest first."""
    st = state(ctx)
    if status is not None and status not in CASE_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(CASE_STATUSES)}", field="--status")
    db = open_database(st)
    with db.read() as session:
        workspace = workspace_for(session, st)
        page = list_cases(session=session, workspace=workspace, status=status, limit=limit)
    if json_out:
        print_json({"cases": page.cases, "total": page.total})
        return
    table = Table(
        "id",
        "delivery",
        "score",
        "status",
        "priority",
        "owner",
        "contact due",
        "resolve due",
        title=f"Cases — {st.workspace} ({page.total:,} in all)",
    )
    for c in page.cases:
        table.add_row(
            str(c["id"]),
            escape(c["delivery_external_id"]),
            str(c["score"]),
            c["status"],
            c["priority"],
            escape(c["owner"] or "—"),
            c["first_contact_due"][:16],
            c["resolution_due"][:16],
        )
    console.print(table)
