"""`doorstep alerts …`: the workspace's alerts, an evaluation now, an acknowledgement."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from doorstep.cli.common import cli_errors, console, open_database, print_json, say, state, workspace_for

# The services are imported inside each command: loading the CLI stays cheap (cli/common.py).

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]

alerts_app = typer.Typer(help="Alerts: NPS drops and theme surges found between briefs.", invoke_without_command=True)


def register(app: typer.Typer) -> None:
    app.add_typer(alerts_app, name="alerts")


def _figure(alert: dict[str, Any]) -> str:
    """The one line of evidence: NPS before → after, or a theme's share before → after."""
    ev = alert["evidence"]
    if alert["kind"] == "theme_surge":
        share = ev.get("share") or {}
        return say("alerts.share", before=share.get("before"), after=share.get("after"),
                   mentions=ev["current"].get("mentions"))
    b, c = ev["baseline"], ev["current"]
    return say("alerts.nps", before=b.get("nps"), before_ci=b.get("ci95"), after=c.get("nps"), after_ci=c.get("ci95"),
               before_n=b.get("responses"), after_n=c.get("responses"))


def _p(alert: dict[str, Any]) -> str:
    ev = alert["evidence"]
    return str((ev.get("change") or ev.get("share") or {}).get("p_value"))


def _table(rows: list[dict[str, Any]], title: str) -> Table:
    table = Table(title=title)
    for column in (say("col.id"), say("alerts.col_raised"), say("col.kind"), say("alerts.col_subject"),
                   say("alerts.col_evidence"), "p", say("alerts.col_acknowledged")):
        table.add_column(column)
    kinds = {"nps_drop": say("alerts.kind_nps_drop"), "theme_surge": say("alerts.kind_theme_surge")}
    for a in rows:
        table.add_row(str(a["id"]), a["raised_at"][:16], kinds.get(a["kind"], a["kind"]),
                      escape(f"{a['subject_kind']} {a['subject']}"), escape(_figure(a)), _p(a),
                      (a["acknowledged_at"] or "")[:16])
    return table


@alerts_app.callback()
@cli_errors
def list_(
    ctx: typer.Context,
    open_only: Annotated[bool, typer.Option("--open", help="Only those not acknowledged yet.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many, newest first.")] = 50,
    json_out: JsonOpt = False,
) -> None:
    """The workspace's alerts, newest first (with no sub-command)."""
    if ctx.invoked_subcommand is not None:
        return
    from doorstep.briefs import alert_services as alerts

    st = state(ctx)
    db = open_database(st)
    with db.read() as session:
        rows, total = alerts.list_alerts(session=session, workspace=workspace_for(session, st), open_only=open_only,
                                         limit=limit)
        shown = [alerts.alert_public(a) for a in rows]
    if json_out:
        print_json({"alerts": shown, "total": total})
        return
    if not shown:
        console.print(say("alerts.none"))
        return
    console.print(_table(shown, say("alerts.title", count=total)))


@alerts_app.command("check")
@cli_errors
def check(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """Look for NPS drops and theme surges now (what the worker's pass does every 15 minutes)."""
    from doorstep.briefs import alert_services as alerts
    from doorstep.db import utcnow

    st = state(ctx)
    db = open_database(st)
    with db.write() as session:
        raised = alerts.evaluate(session=session, workspace=workspace_for(session, st), now=utcnow(),
                                 base_url=st.settings.base_url)
        shown = [alerts.alert_public(a) for a in raised]
    if json_out:
        print_json({"raised": shown})
        return
    if not shown:
        console.print(say("alerts.none_new"))
        return
    console.print(_table(shown, say("alerts.title_new", count=len(shown))))


@alerts_app.command("ack")
@cli_errors
def ack(ctx: typer.Context, alert_id: Annotated[int, typer.Argument(help="The alert id.")],
        json_out: JsonOpt = False) -> None:
    """Mark an alert as seen (it leaves the open list; the same subject stays quiet anyway)."""
    from doorstep.briefs import alert_services as alerts
    from doorstep.db import utcnow

    st = state(ctx)
    db = open_database(st)
    with db.write() as session:
        alert = alerts.acknowledge(session=session, workspace=workspace_for(session, st), alert_id=alert_id,
                                   now=utcnow())
        shown = alerts.alert_public(alert)
    if json_out:
        print_json(shown)
        return
    console.print(say("alerts.acknowledged", id=shown["id"], at=shown["acknowledged_at"][:16]))
