"""`doorstep brief` (make one, write it as HTML, Markdown or JSON) and `doorstep briefs list`."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from doorstep.cli.common import cli_errors, console, err, fmt_nps, open_database, print_json, say, state, workspace_for
from doorstep.errors import InvalidInput

# The services are imported inside each command: loading the CLI stays cheap (cli/common.py).

FORMATS = ("html", "md", "json")

briefs_app = typer.Typer(help="Stored executive briefs.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command()(brief)
    app.add_typer(briefs_app, name="briefs")


def _date(value: str | None, field: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"'{value[:40]}' is not a date (YYYY-MM-DD)", field=field) from None


def _write(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot write {out}: {exc.strerror or exc}", field="--out") from None
    err.print(say("wrote", path=escape(str(out))), highlight=False)


@cli_errors
def brief(
    ctx: typer.Context,
    period: Annotated[
        str, typer.Option(help="week (Monday to Sunday) or month, in the workspace's timezone.")
    ] = "week",
    format: Annotated[str, typer.Option("--format", help="html (self-contained page), md or json.")] = "html",
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of standard output.")] = None,
    at: Annotated[
        str | None, typer.Option(help="The period that holds this date (YYYY-MM-DD); default: the last one ended.")
    ] = None,
    start: Annotated[str | None, typer.Option(help="The period that starts on this date (a Monday, a 1st).")] = None,
    publish: Annotated[
        bool, typer.Option(help="Store it and send it to the workspace's recipients and chat subscriptions.")
    ] = False,
) -> None:
    """The executive brief of one period: NPS, where points are lost (with customers' and the
    frontline's words), the closed loop, last-mile operations, what changed.

    A period's stored brief (published by the schedule or with --publish) is shown as it
    was made; otherwise the brief is made now from the current data and not stored.
    """
    if format not in FORMATS:
        raise InvalidInput(f"--format must be one of {', '.join(FORMATS)}", field="--format")
    from doorstep.briefs.render import render_markdown
    from doorstep.briefs.services import choose_period, find_brief, make_brief, preview, publish_brief
    from doorstep.db import utcnow

    st = state(ctx)
    db = open_database(st)
    now = utcnow()
    content: dict[str, Any]
    brief_id: int | None = None
    with err.status(say("brief.gathering")):
        if publish:
            with db.write() as session:
                workspace = workspace_for(session, st)
                chosen = choose_period(workspace, period, now=now, start=_date(start, "--start"),
                                       at=_date(at, "--at"))
                stored, made = make_brief(session=session, workspace=workspace, period=chosen, now=now,
                                          base_url=st.settings.base_url)
                sent = publish_brief(session=session, workspace=workspace, brief=stored, now=now,
                                     base_url=st.settings.base_url)
                content, html, brief_id = stored.content, stored.html, stored.id
            err.print(say("brief.outcome", id=brief_id, made=say("brief.made") if made else say("brief.already_stored"),
                          published=say("brief.published_now") if sent else say("brief.already_published")),
                      highlight=False)
        else:
            with db.read() as session:
                workspace = workspace_for(session, st)
                chosen = choose_period(workspace, period, now=now, start=_date(start, "--start"),
                                       at=_date(at, "--at"))
                found = find_brief(session=session, workspace=workspace, period=chosen)
                if found is not None:
                    content, html, brief_id = found.content, found.html, found.id
                else:
                    content, html = preview(session=session, workspace=workspace, period=chosen, now=now,
                                            base_url=st.settings.base_url)
    db.dispose()
    if format == "json":
        _write(json.dumps(content, ensure_ascii=False, indent=2, default=str), out)
    elif format == "md":
        _write(render_markdown(content, base_url=st.settings.base_url, brief_id=brief_id), out)
    else:
        _write(html, out)


@briefs_app.command("list")
@cli_errors
def list_command(
    ctx: typer.Context,
    period: Annotated[str | None, typer.Option(help="Only week or month briefs.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Stored briefs, newest first."""
    from doorstep.briefs.services import list_briefs

    st = state(ctx)
    db = open_database(st)
    with db.read() as session:
        workspace = workspace_for(session, st)
        result = list_briefs(session=session, workspace=workspace, period=period, limit=limit)
    db.dispose()
    if json_out:
        print_json(result)
        return
    table = Table(say("col.id"), say("briefs.col_period"), say("col.from"), say("briefs.col_to"), "NPS",
                  say("col.answers"), say("briefs.col_published"), title=say("briefs.title", workspace=st.workspace))
    periods = {"week": say("briefs.week"), "month": say("briefs.month")}
    for b in result["briefs"]:
        table.add_row(str(b["id"]), periods.get(b["period"], b["period"]), b["period_start"], b["period_end"],
                      fmt_nps(b["nps"]), f"{b['responses'] or 0:,}", escape(b["published_at"] or "—"))
    console.print(table)
    if not result["briefs"]:
        console.print(say("briefs.none"), highlight=False)
