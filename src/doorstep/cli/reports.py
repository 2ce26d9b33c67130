"""Reports: `doorstep nps`, as a table or --json (DESIGN.md shapes). Cases: cli/cases.py."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from doorstep.cli.common import cli_errors, console, fmt_ci, fmt_nps, open_database, print_json, state, workspace_for
from doorstep.errors import InvalidInput
from doorstep.stats import SMALL_SAMPLE
from doorstep.timeutil import parse_period

# The services are imported inside the command: loading the CLI stays cheap (cli/common.py).


def register(app: typer.Typer) -> None:
    app.command()(nps)


@cli_errors
def nps(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD, workspace timezone).")] = None,
    until: Annotated[str | None, typer.Option(help="Last day, inclusive.")] = None,
    by: Annotated[
        str | None, typer.Option(help="Segment: an attribute (team, region…), owner, stage, language.")
    ] = None,
    compare: Annotated[
        str | None,
        typer.Option(
            help="'previous': against the period of equal length just before, with a significance test "
            "(the period defaults to the last 30 days)."
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Net Promoter Score with its 95% interval, overall or by segment (the groups that cost most first)."""
    if compare not in (None, "previous"):
        raise InvalidInput("the only comparison is 'previous'", field="--compare")
    from doorstep.db import utcnow
    from doorstep.surveys.metrics import nps_by, nps_compare, nps_summary

    st = state(ctx)
    db = open_database(st)
    with db.read() as session:
        workspace = workspace_for(session, st)
        start, end = parse_period(since, until, workspace.timezone)
        if compare:
            result = nps_compare(session=session, workspace=workspace, since=start, until=end, now=utcnow(), by=by)
        elif by:
            result = nps_by(session=session, workspace=workspace, by=by, since=start, until=end)
        else:
            result = nps_summary(session=session, workspace=workspace, since=start, until=end)
    if json_out:
        print_json(result)
        return
    groups = result["groups"] if by else [{"key": st.workspace, **result}]
    say = st.say
    table = Table(
        by or say("col.workspace"),
        "NPS",
        say("col.ci95"),
        say("nps.col_responses"),
        say("nps.col_promoters"),
        say("nps.col_passives"),
        say("nps.col_detractors"),
        *([say("col.impact")] if by else []),
        *([say("nps.col_previous"), say("col.change"), say("col.ci95")] if compare else []),
        "",
        title=say("nps.title", workspace=st.workspace),
    )
    for g in groups:
        change = g.get("change")
        small = g["responses"] < SMALL_SAMPLE
        table.add_row(
            escape(str(g["key"] if g["key"] is not None else "—")),
            fmt_nps(g["nps"]),
            fmt_ci(g["ci95"]),
            f"{g['responses']:,}",
            f"{g['promoters']:,}",
            f"{g['passives']:,}",
            f"{g['detractors']:,}",
            *([fmt_nps(g["nps_impact"])] if by else []),
            *([fmt_nps(g["previous"]["nps"]), fmt_nps(change["delta"]), fmt_ci(change["ci95"])] if change else []),
            ("*" if (change or g).get("significant") else "") + ("~" if small else ""),
        )
    console.print(table)
