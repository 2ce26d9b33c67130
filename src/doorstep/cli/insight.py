"""Insight commands: stages, drivers, trend, lateness, reanalyze, taxonomy (DESIGN.md shapes with --json)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from doorstep.cli.common import cli_errors, console, fmt_ci, fmt_nps, open_database, print_json, state, workspace_for
from doorstep.errors import InvalidInput
from doorstep.timeutil import parse_period

# The services are imported inside each command: loading the CLI stays cheap (cli/common.py).

Since = Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD, workspace timezone).")]
Until = Annotated[str | None, typer.Option(help="Last day, inclusive.")]
JsonOut = Annotated[bool, typer.Option("--json", help="Print JSON.")]
METHODS = ("picked", "text", "timing")


def register(app: typer.Typer) -> None:
    app.command()(stages)
    app.command()(drivers)
    app.command()(trend)
    app.command()(lateness)
    app.command()(reanalyze)
    tax = typer.Typer(help="The workspace's themes: zh/en cues and the stage each belongs to.", no_args_is_help=True)
    tax.command("show")(taxonomy_show)
    tax.command("set")(taxonomy_set)
    app.add_typer(tax, name="taxonomy")
    journey = typer.Typer(help="The journey's stages: order, names and target durations.", no_args_is_help=True)
    journey.command("show")(journey_show)
    journey.command("set")(journey_set)
    app.add_typer(journey, name="journey")


def _mark(entry: dict[str, Any]) -> str:
    """How much to trust a row: * significant, ~ small sample."""
    return ("*" if entry.get("significant") else "") + ("~" if entry.get("small_sample") else "")


def _minutes(value: float | None) -> str:
    return "—" if value is None else f"{value:+,.1f}"


def _bucket(key: str, say: Callable[..., str]) -> str:
    """A lateness bucket's label ("on_time", "5–15 min", "2+ d") in the command's language."""
    if key == "on_time":
        return say("lateness.on_time")
    span, _, unit = key.rpartition(" ")
    if unit == "min":
        return say("lateness.minutes", range=span)
    if unit == "d":
        return say("lateness.days", range=span)
    return key.replace("_", " ")


@cli_errors
def stages(
    ctx: typer.Context,
    since: Since = None,
    until: Until = None,
    attribution: Annotated[
        str | None, typer.Option(help="Count only answers attributed this way: picked, text or timing.")
    ] = None,
    json_out: JsonOut = False,
) -> None:
    """Per stage: deliveries, late, overrun (median, p90), attributed answers, their NPS and its impact."""
    if attribution is not None and attribution not in METHODS:
        raise InvalidInput(f"must be one of {', '.join(METHODS)}", field="--attribution")
    from doorstep.insight.ops import stage_table

    st = state(ctx)
    db = open_database(st)
    with db.read() as session:
        workspace = workspace_for(session, st)
        start, end = parse_period(since, until, workspace.timezone)
        result = stage_table(session=session, workspace=workspace, since=start, until=end, attribution=attribution)
    if json_out:
        print_json(result)
        return
    say = st.say
    table = Table(
        say("col.stage"), say("stages.col_deliveries"), say("stages.col_late"), say("stages.col_late_rate"),
        say("stages.col_median_overrun"), say("stages.col_p90_overrun"), say("col.answers"), "NPS", say("col.ci95"),
        say("col.impact"), "", title=say("stages.title", workspace=st.workspace),
    )  # fmt: skip
    for s in result["stages"]:
        rate = "—" if s["late_rate"] is None else f"{100 * s['late_rate']:.1f}%"
        table.add_row(
            escape(st.local_name(s)), f"{s['deliveries']:,}", f"{s['late']:,}", rate,
            _minutes(s["median_overrun_minutes"]), _minutes(s["p90_overrun_minutes"]),
            f"{s['attributed_responses']:,}", fmt_nps(s["nps"]), fmt_ci(s["ci95"]), fmt_nps(s["nps_impact"]), _mark(s),
        )  # fmt: skip
    console.print(table)


@cli_errors
def drivers(
    ctx: typer.Context,
    since: Since = None,
    until: Until = None,
    kind: Annotated[str | None, typer.Option(help="Only 'theme' or only 'stage'.")] = None,
    top: Annotated[int | None, typer.Option(min=1, help="Show only the N most harmful.")] = None,
    where: Annotated[
        list[str] | None,
        typer.Option(help="Only answers of a segment, ATTRIBUTE=VALUE (e.g. team=north); repeatable."),
    ] = None,
    json_out: JsonOut = False,
) -> None:
    """Themes and stages by what they cost in NPS (impact with its 95% interval), most harmful first."""
    if kind is not None and kind not in ("theme", "stage"):
        raise InvalidInput("must be 'theme' or 'stage'", field="--kind")
    from doorstep.insight.drivers import parse_segment
    from doorstep.insight.services import driver_report

    st = state(ctx)
    db = open_database(st)
    with db.read() as session:
        workspace = workspace_for(session, st)
        start, end = parse_period(since, until, workspace.timezone)
        result = driver_report(
            session=session, workspace=workspace, since=start, until=end, kind=kind, segment=parse_segment(where)
        )
    if top is not None:
        result["drivers"] = result["drivers"][:top]
    if json_out:
        print_json(result)
        return
    say = st.say
    scope = say("drivers.scope_where", workspace=st.workspace, segments=", ".join(where)) if where else st.workspace
    table = Table(
        say("col.kind"), say("drivers.col_driver"), say("drivers.col_mentions"), "NPS", say("col.ci95"),
        say("col.impact"), say("drivers.col_impact_ci95"), "",
        title=say("drivers.title", scope=scope, nps=fmt_nps(result["nps"]), ci=fmt_ci(result["ci95"]),
                  count=f"{result['responses']:,}"),
    )  # fmt: skip
    kinds = {"theme": say("col.theme"), "stage": say("col.stage")}
    for d in result["drivers"]:
        table.add_row(
            kinds.get(d["kind"], d["kind"]), escape(st.local_name(d)), f"{d['mentions']:,}", fmt_nps(d["nps"]),
            fmt_ci(d["ci95"]), fmt_nps(d["nps_impact"]), fmt_ci(d["impact_ci95"]), _mark(d),
        )  # fmt: skip
    console.print(table)


@cli_errors
def trend(
    ctx: typer.Context,
    every: Annotated[str, typer.Option(help="week (from Monday) or month, in the workspace timezone.")] = "week",
    since: Since = None,
    until: Until = None,
    json_out: JsonOut = False,
) -> None:
    """NPS over time with its 95% interval, and whether each point moved significantly from the last."""
    from doorstep.db import utcnow
    from doorstep.surveys.metrics import EVERY
    from doorstep.surveys.metrics import trend as trend_report

    if every not in EVERY:
        raise InvalidInput(f"must be one of {', '.join(EVERY)}", field="--every")
    st = state(ctx)
    db = open_database(st)
    with db.read() as session:
        workspace = workspace_for(session, st)
        start, end = parse_period(since, until, workspace.timezone)
        result = trend_report(session=session, workspace=workspace, every=every, since=start, until=end, now=utcnow())
    if json_out:
        print_json(result)
        return
    say = st.say
    title = say("trend.title_month", workspace=st.workspace) if every == "month" else \
        say("trend.title_week", workspace=st.workspace)
    table = Table(say("col.from"), "NPS", say("col.ci95"), say("col.answers"), say("col.change"), "", title=title)
    for p in result["points"]:
        change = p["change"]
        table.add_row(
            say("trend.partial", start=p["start"]) if p["partial"] else p["start"],
            fmt_nps(p["nps"]),
            fmt_ci(p["ci95"]),
            f"{p['responses']:,}",
            "—" if change is None else fmt_nps(change["delta"]),
            ("*" if change and change["significant"] else "") + ("~" if p["small_sample"] else ""),
        )
    console.print(table)


@cli_errors
def lateness(ctx: typer.Context, since: Since = None, until: Until = None, json_out: JsonOut = False) -> None:
    """NPS of on-time against late deliveries, and the points lost per lateness bucket."""
    from doorstep.insight.ops import lateness_effect

    st = state(ctx)
    db = open_database(st)
    with db.read() as session:
        workspace = workspace_for(session, st)
        start, end = parse_period(since, until, workspace.timezone)
        result = lateness_effect(session=session, workspace=workspace, since=start, until=end)
    if json_out:
        print_json(result)
        return
    say = st.say
    table = Table(say("lateness.col_late_by"), say("col.answers"), "NPS", say("col.ci95"),
                  say("lateness.col_points_lost"), say("col.ci95"), "", title=say("lateness.title"))
    for b in result["buckets"]:
        table.add_row(
            _bucket(b["key"], say), f"{b['responses']:,}", fmt_nps(b["nps"]), fmt_ci(b["ci95"]),
            fmt_nps(b.get("points_lost")), fmt_ci(b.get("points_lost_ci95")), _mark(b),
        )  # fmt: skip
    console.print(table)
    if result["unknown"]:
        measured = result["on_time"]["responses"] + result["late"]["responses"]
        count = f"{result['unknown']:,}"
        console.print(
            say("lateness.unknown", count=count) if measured else say("lateness.unknown_all", count=count),
            highlight=False,
        )


@cli_errors
def reanalyze(ctx: typer.Context, json_out: JsonOut = False) -> None:
    """Recompute stage timings, comment analysis and stage attribution of every answer (after a taxonomy change)."""
    from doorstep.insight.services import reanalyze as reanalyze_all

    st = state(ctx)
    db = open_database(st)
    with db.write() as session:
        workspace = workspace_for(session, st)
        result = reanalyze_all(session=session, workspace=workspace)
    if json_out:
        print_json(result)
        return
    say = st.say
    names = {"picked": say("reanalyze.method_picked"), "text": say("reanalyze.method_text"),
             "timing": say("reanalyze.method_timing")}
    methods = say("list.sep").join(say("reanalyze.by_method", count=f"{n:,}", method=names.get(m, m))
                                   for m, n in result["attributed"].items())
    console.print(
        say("reanalyze.done", analysed=f"{result['analysed']:,}", commented=f"{result['commented']:,}",
            themed=f"{result['themed']:,}", methods=methods or say("reanalyze.none"),
            retimed=f"{result['deliveries_retimed']:,}"),
        highlight=False,
    )


@cli_errors
def taxonomy_show(ctx: typer.Context, json_out: JsonOut = False) -> None:
    """The workspace's themes (its own, else the default), with cues and stage."""
    from doorstep.insight.services import taxonomy_document

    st = state(ctx)
    db = open_database(st)
    with db.read() as session:
        workspace = workspace_for(session, st)
        document = taxonomy_document(workspace)
    if json_out:
        print_json(document)
        return
    say = st.say
    table = Table(say("col.theme"), say("taxonomy.col_name_en"), say("taxonomy.col_name_zh"),
                  say("taxonomy.col_stages"), say("taxonomy.col_cues"),
                  title=say("taxonomy.title", workspace=st.workspace, source=document["source"]))
    for theme in document["themes"]:
        words = [*theme["cues_zh"], *theme["cues_en"]]
        table.add_row(
            escape(theme["key"]),
            escape(theme["name_en"]),
            escape(theme["name_zh"]),
            escape(", ".join(theme["stages"]) or "—"),
            escape(", ".join(words[:8]) + (" …" if len(words) > 8 else "")),
        )
    console.print(table)


@cli_errors
def taxonomy_set(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A taxonomy in YAML or JSON (see `doorstep taxonomy show --json`).")],
    reanalyze_after: Annotated[
        bool, typer.Option("--reanalyze/--no-reanalyze", help="Re-analyse every answer with it now.")
    ] = True,
    json_out: JsonOut = False,
) -> None:
    """Replace the workspace's taxonomy with FILE (checked first), then re-analyse the answers."""
    from doorstep.insight.services import reanalyze as reanalyze_all
    from doorstep.insight.services import set_taxonomy

    st = state(ctx)
    if not file.is_file():
        raise InvalidInput(f"no such file: {file}", field="FILE")
    text = file.read_text(encoding="utf-8-sig")
    db = open_database(st)
    with db.write() as session:
        workspace = workspace_for(session, st)
        themes = set_taxonomy(session=session, workspace=workspace, text=text, source=file.name)
        result = reanalyze_all(session=session, workspace=workspace) if reanalyze_after else None
    summary = {"workspace": st.workspace, "themes": themes, "reanalysis": result}
    if json_out:
        print_json(summary)
        return
    console.print(st.say("taxonomy.saved", workspace=st.workspace, count=themes), highlight=False)
    if result is not None:
        console.print(st.say("taxonomy.reanalysed", count=f"{result['analysed']:,}"), highlight=False)
    else:
        console.print(st.say("taxonomy.run_reanalyze"), highlight=False)


def _stage_dict(stage: Any) -> dict[str, Any]:
    return {
        "key": stage.key,
        "name": stage.name,
        "name_zh": stage.name_zh,
        "position": stage.position,
        "target_minutes": stage.target_minutes,
    }


@cli_errors
def journey_show(ctx: typer.Context, json_out: JsonOut = False) -> None:
    """The stages in order, with their targets (minutes from the previous stage's completion)."""
    from doorstep.deliveries.services import list_stages

    st = state(ctx)
    db = open_database(st)
    with db.read() as session:
        workspace = workspace_for(session, st)
        stages_ = [_stage_dict(s) for s in list_stages(session=session, workspace=workspace)]
    if json_out:
        print_json({"stages": stages_})
        return
    say = st.say
    table = Table("#", say("col.stage"), say("taxonomy.col_name_en"), say("taxonomy.col_name_zh"),
                  say("journey.col_target"), title=say("journey.title", workspace=st.workspace))
    for s in stages_:
        target = say("journey.usual_duration") if s["target_minutes"] is None else f"{s['target_minutes']:g}"
        table.add_row(str(s["position"]), escape(s["key"]), escape(s["name"]), escape(s["name_zh"] or ""), target)
    console.print(table)


@cli_errors
def journey_set(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="The stage's key, e.g. delivered.")],
    target: Annotated[
        float | None, typer.Option(help="Target duration in minutes, from the previous stage's completion.")
    ] = None,
    no_target: Annotated[bool, typer.Option("--no-target", help="Measure it against its usual duration.")] = False,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    name_zh: Annotated[str | None, typer.Option("--name-zh", help="Chinese display name.")] = None,
    json_out: JsonOut = False,
) -> None:
    """Set a stage's target or names. Run `doorstep reanalyze` after changing targets: timing attribution uses them."""
    from doorstep.deliveries.services import update_stage

    st = state(ctx)
    db = open_database(st)
    with db.write() as session:
        workspace = workspace_for(session, st)
        stage = update_stage(
            session=session,
            workspace=workspace,
            key=key,
            target_minutes=target,
            clear_target=no_target,
            name=name,
            name_zh=name_zh,
        )
        result = _stage_dict(stage)
    if json_out:
        print_json(result)
    else:
        console.print(st.say("journey.saved", key=escape(key), target=result["target_minutes"] or "—"), highlight=False)
