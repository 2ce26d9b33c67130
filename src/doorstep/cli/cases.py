"""`doorstep cases`, `doorstep case …`, `doorstep loop`: the closed loop from a terminal.

As thin as the API: parse, one unit of work, one service call, print (a table, or
the same JSON the API returns with --json).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from doorstep.cases.priority import PRIORITIES
from doorstep.cases.workflow import STATES
from doorstep.cli.common import cli_errors, console, open_database, print_json, say, state, workspace_for
from doorstep.errors import InvalidInput
from doorstep.timeutil import parse_period

# The services are imported inside each command: loading the CLI stays cheap (cli/common.py).

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
ActorOpt = Annotated[str, typer.Option("--actor", help="Who is acting, for the case's timeline.")]

cases_app = typer.Typer(help="Cases of unhappy customers: list them, or run the escalation pass.",
                        invoke_without_command=True)
case_app = typer.Typer(help="One case: show it, move it, annotate it, reassign it.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(cases_app, name="cases")
    app.add_typer(case_app, name="case")
    app.command()(loop)


@cases_app.callback()
@cli_errors
def cases(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help=f"One of: {', '.join(STATES)}.")] = None,
    owner: Annotated[str | None, typer.Option(help="An owner's handle; '-' for unassigned.")] = None,
    priority: Annotated[str | None, typer.Option(help=f"One of: {', '.join(PRIORITIES)}.")] = None,
    breached: Annotated[
        bool | None, typer.Option("--breached/--not-breached", help="Only cases with (or without) a clock run out.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 100,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many.")] = 0,
    json_out: JsonOpt = False,
) -> None:
    """Cases of unhappy customers, newest first (DESIGN.md `cases` shape with --json)."""
    if ctx.invoked_subcommand is not None:
        return
    st = state(ctx)
    if status is not None and status not in STATES:
        raise InvalidInput(f"status must be one of {', '.join(STATES)}", field="--status")
    from doorstep.cases.services import list_cases
    from doorstep.db import utcnow

    db = open_database(st)
    with db.read() as session:
        workspace = workspace_for(session, st)
        page = list_cases(session=session, workspace=workspace, status=status, owner=owner, priority=priority,
                          breached=breached, now=utcnow(), limit=limit, offset=offset)
    if json_out:
        print_json({"cases": page.cases, "total": page.total})
        return
    table = Table(say("col.id"), say("col.delivery"), say("cases.col_score"), say("col.status"),
                  say("cases.col_priority"), say("col.owner"), say("cases.col_contact_due"),
                  say("cases.col_resolve_due"), say("cases.col_breached"),
                  title=say("cases.title", workspace=st.workspace, count=f"{page.total:,}"))
    for c in page.cases:
        table.add_row(str(c["id"]), escape(c["delivery_external_id"]), str(c["score"]), c["status"], c["priority"],
                      escape(c["owner"] or "—"), c["first_contact_due"][:16], c["resolution_due"][:16],
                      ", ".join(c["breached"]) or "")
    console.print(table)


@cases_app.command("escalate")
@cli_errors
def escalate(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """Run one scheduler pass over every workspace: escalate breached clocks (once each),
    close cases whose re-survey expired unanswered. Safe to run at any time, and twice."""
    from doorstep.cases.escalation import scheduler_pass
    from doorstep.db import utcnow

    db = open_database(state(ctx))
    with db.write() as session:
        summary = scheduler_pass(session, utcnow())
    if json_out:
        print_json(summary)
        return
    console.print(say("cases.escalated", escalated=summary["escalated"], closed=summary["closed_unverified"],
                      breached=summary["breached_now"]))


def _show(detail: dict[str, Any]) -> None:
    console.print(say("case.heading", id=detail["id"], delivery=escape(detail["delivery_external_id"]),
                      score=detail["score"], status=detail["status"], version=detail["version"],
                      priority=detail["priority"], owner=escape(detail["owner"] or "—")), highlight=False)
    if detail["comment"]:
        console.print(f"  “{escape(detail['comment'])}”", highlight=False)
    console.print(say("case.due", contact=detail["first_contact_due"][:16], resolve=detail["resolution_due"][:16])
                  + (say("case.breached", clocks=", ".join(detail["breached"])) if detail["breached"] else ""),
                  highlight=False)
    table = Table(say("col.at"), say("case.col_who"), say("case.col_what"), say("case.col_note"),
                  title=say("case.timeline"))
    for e in detail["timeline"]:
        what = f"{e['kind']} {e['from'] or ''}→{e['to']}" if e["to"] else e["kind"]
        table.add_row(e["at"][:16], escape(e["actor"]), what, escape(e["note"] or ""))
    console.print(table)
    if detail["resurvey_url"]:
        console.print(say("case.resurvey", url=detail["resurvey_url"],
                          send_after=(detail["resurvey"]["send_after"] or "")[:16]), highlight=False)
    console.print(say("case.can_move_to", states=", ".join(detail["allowed"]) or say("case.nothing")), highlight=False)


@case_app.command("show")
@cli_errors
def show(ctx: typer.Context, case_id: Annotated[int, typer.Argument(help="The case id.")],
         json_out: JsonOpt = False) -> None:
    """A case with its answer, the delivery's stages, its timeline and re-survey."""
    from doorstep.cases.services import case_detail
    from doorstep.db import utcnow

    st = state(ctx)
    db = open_database(st)
    with db.read() as session:
        workspace = workspace_for(session, st)
        detail = case_detail(session=session, workspace=workspace, case_id=case_id, now=utcnow(),
                             base_url=st.settings.base_url)
    print_json(detail) if json_out else _show(detail)


@case_app.command("move")
@cli_errors
def move(
    ctx: typer.Context,
    case_id: Annotated[int, typer.Argument(help="The case id.")],
    to: Annotated[str, typer.Option("--to", help=f"The next state: {', '.join(STATES)}.")],
    note: Annotated[str | None, typer.Option(help="Why, for the timeline.")] = None,
    expected_version: Annotated[int | None, typer.Option(help="Refuse if the case changed since.")] = None,
    resolution: Annotated[str | None, typer.Option(help="What was done (free text).")] = None,
    root_cause_stage: Annotated[str | None, typer.Option(help="Stage key the problem came from.")] = None,
    root_cause_theme: Annotated[str | None, typer.Option(help="Theme key of the problem.")] = None,
    actor: ActorOpt = "cli",
    json_out: JsonOpt = False,
) -> None:
    """Move a case to its next state; an illegal or stale move exits with code 4."""
    from doorstep.cases.services import case_detail, transition_case
    from doorstep.db import utcnow

    st = state(ctx)
    db = open_database(st)
    with db.write() as session:
        workspace = workspace_for(session, st)
        transition_case(session=session, workspace=workspace, case_id=case_id, to=to, actor=actor, now=utcnow(),
                        note=note, expected_version=expected_version, resolution=resolution,
                        root_cause_stage=root_cause_stage, root_cause_theme=root_cause_theme)
        detail = case_detail(session=session, workspace=workspace, case_id=case_id, now=utcnow(),
                             base_url=st.settings.base_url)
    print_json(detail) if json_out else _show(detail)


@case_app.command("note")
@cli_errors
def note(
    ctx: typer.Context,
    case_id: Annotated[int, typer.Argument(help="The case id.")],
    text: Annotated[str, typer.Argument(help="The note (plain text, at most 20,000 characters).")],
    actor: ActorOpt = "cli",
) -> None:
    """Add a note to a case's timeline."""
    from doorstep.cases.services import add_note
    from doorstep.db import utcnow

    st = state(ctx)
    db = open_database(st)
    with db.write() as session:
        add_note(session=session, workspace=workspace_for(session, st), case_id=case_id, actor=actor, note=text,
                 now=utcnow())
    console.print(say("case.noted", id=case_id))


@case_app.command("assign")
@cli_errors
def assign(
    ctx: typer.Context,
    case_id: Annotated[int, typer.Argument(help="The case id.")],
    owner: Annotated[str | None, typer.Option(help="A person's handle.")] = None,
    queue: Annotated[str | None, typer.Option(help="Or a queue: its next member gets the case.")] = None,
    note: Annotated[str | None, typer.Option(help="Why, for the timeline.")] = None,
    actor: ActorOpt = "cli",
) -> None:
    """Give a case to a person or a queue; the timeline keeps who had it."""
    from doorstep.cases.services import assign_case, case_detail
    from doorstep.db import utcnow

    st = state(ctx)
    db = open_database(st)
    with db.write() as session:
        workspace = workspace_for(session, st)
        case = assign_case(session=session, workspace=workspace, case_id=case_id, actor=actor, now=utcnow(),
                           owner=owner, queue=queue, note=note)
        handle = case_detail(session=session, workspace=workspace, case_id=case.id, now=utcnow(),
                             base_url=st.settings.base_url)["owner"]
    console.print(say("case.assigned", id=case_id, owner=escape(handle or "—")))


@cli_errors
def loop(
    ctx: typer.Context,
    since: Annotated[
        str | None, typer.Option(help="First day of case opening (YYYY-MM-DD, workspace timezone).")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Last day, inclusive.")] = None,
    by: Annotated[str | None, typer.Option(help="owner, priority, queue, status or an attribute (team …).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Closed-loop figures: contact and resolution within SLA, medians, breaches, recovery rate."""
    from doorstep.cases.metrics import loop_metrics
    from doorstep.db import utcnow

    st = state(ctx)
    db = open_database(st)
    with db.read() as session:
        workspace = workspace_for(session, st)
        start, end = parse_period(since, until, workspace.timezone)
        result = loop_metrics(session=session, workspace=workspace, now=utcnow(), since=start, until=end, by=by)
    if json_out:
        print_json(result)
        return
    groups = result["groups"] if by else [{"key": st.workspace, **result}]
    table = Table(by or say("col.workspace"), say("loop.col_opened"), say("loop.col_contact_in_sla"),
                  say("loop.col_resolve_in_sla"), say("loop.col_hours_to_contact"), say("loop.col_hours_to_resolve"),
                  say("loop.col_breached_now"), say("loop.col_recovered"), say("loop.col_recovery_ci"),
                  title=say("loop.title_business_hours" if result["business_hours"] else "loop.title",
                            workspace=st.workspace))

    def pct(v: float | None) -> str:
        return "—" if v is None else f"{v:.1f}%"

    def hours(v: float | None) -> str:
        return "—" if v is None else f"{v:.1f}"

    for g in groups:
        ci = g["recovery_ci95"]
        table.add_row(escape(str(g["key"] if g["key"] is not None else "—")), str(g["cases_opened"]),
                      pct(g["contacted_within_sla_pct"]), pct(g["resolved_within_sla_pct"]),
                      hours(g["median_hours_to_first_contact"]), hours(g["median_hours_to_resolution"]),
                      str(g["breached_now"]), f"{g['recovered']} / {g['verified']}",
                      "—" if ci is None else f"[{ci[0]:.1f}, {ci[1]:.1f}]")
    console.print(table)
