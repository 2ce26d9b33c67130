"""Setting up: init, workspaces, API keys, serving."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from doorstep.cli.common import cli_errors, console, err, open_database, print_json, say, state
from doorstep.errors import InvalidInput

# The services are imported inside each command: loading the CLI stays cheap (cli/common.py).


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(serve)
    ws = typer.Typer(help="Workspaces: one per business.", no_args_is_help=True)
    ws.command("create")(workspace_create)
    ws.command("list")(workspace_list)
    ws.command("settings")(workspace_settings_cmd)
    app.add_typer(ws, name="workspace")
    keys = typer.Typer(help="API keys of a workspace.", no_args_is_help=True)
    keys.command("create")(key_create)
    keys.command("revoke")(key_revoke)
    app.add_typer(keys, name="key")


@cli_errors
def init(
    ctx: typer.Context,
    timezone: Annotated[str, typer.Option(help="IANA timezone of the workspace.")] = "UTC",
    locale: Annotated[str, typer.Option(help="zh-CN or en: the language people of this business read.")] = "en",
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create the database and the workspace, and print a new API key (shown once)."""
    from sqlalchemy import select

    from doorstep.accounts.models import Workspace
    from doorstep.accounts.services import create_workspace, issue_api_key

    st = state(ctx)
    db = open_database(st)
    with db.write() as session:
        existing = session.scalar(select(Workspace).where(Workspace.slug == st.workspace))
        if existing is not None:
            if json_out:
                print_json({"workspace": st.workspace, "created": False, "api_key": None})
            else:
                console.print(say("init.exists", workspace=st.workspace))
            return
        workspace = create_workspace(
            session=session, slug=st.workspace, name=st.workspace.capitalize(), timezone=timezone, locale=locale
        )
        _key, secret = issue_api_key(session=session, workspace=workspace, name="init", role="admin")
    if json_out:
        print_json({"workspace": st.workspace, "created": True, "api_key": secret})
        return
    console.print(say("init.created", workspace=st.workspace, timezone=timezone, locale=locale))
    console.print(say("init.key"))
    console.print(secret, highlight=False, soft_wrap=True)


@cli_errors
def workspace_create(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="Short name, e.g. food.")],
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    timezone: Annotated[str, typer.Option(help="IANA timezone.")] = "UTC",
    locale: Annotated[str, typer.Option(help="zh-CN or en.")] = "en",
) -> None:
    """Create a workspace (one business) with an API key."""
    from doorstep.accounts.services import create_workspace, issue_api_key

    db = open_database(state(ctx))
    with db.write() as session:
        workspace = create_workspace(session=session, slug=slug, name=name, timezone=timezone, locale=locale)
        _key, secret = issue_api_key(session=session, workspace=workspace, name="created-with-workspace",
                                     role="admin")
    console.print(say("workspace.created", workspace=slug))
    console.print(secret, highlight=False, soft_wrap=True)


@cli_errors
def workspace_list(
    ctx: typer.Context, json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False
) -> None:
    """List workspaces."""
    from sqlalchemy import select

    from doorstep.accounts.models import Workspace

    db = open_database(state(ctx))
    with db.read() as session:
        rows = [
            {"slug": w.slug, "name": w.name, "timezone": w.timezone, "locale": w.locale}
            for w in session.scalars(select(Workspace).order_by(Workspace.slug))
        ]
    if json_out:
        print_json({"workspaces": rows})
        return
    table = Table(say("workspace.col_slug"), say("col.name"), say("workspace.col_timezone"),
                  say("workspace.col_locale"))
    for r in rows:
        table.add_row(r["slug"], r["name"], r["timezone"], r["locale"])
    console.print(table)


@cli_errors
def key_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="What the key is for.")] = "cli",
    role: Annotated[str, typer.Option(help="admin, cs, frontline or exec.")] = "admin",
) -> None:
    """Create an API key for the workspace; the secret is printed once."""
    from doorstep.accounts.services import get_workspace, issue_api_key

    st = state(ctx)
    db = open_database(st)
    with db.write() as session:
        workspace = get_workspace(session=session, slug=st.workspace)
        key, secret = issue_api_key(session=session, workspace=workspace, name=name, role=role)
    err.print(say("key.created", prefix=key.prefix, role=role, workspace=st.workspace))
    console.print(secret, highlight=False, soft_wrap=True)


@cli_errors
def key_revoke(ctx: typer.Context, prefix: Annotated[str, typer.Argument(help="The key's prefix.")]) -> None:
    """Revoke an API key by its prefix (the 12 characters after dsk_)."""
    from doorstep.accounts.services import get_workspace, revoke_api_key

    st = state(ctx)
    db = open_database(st)
    with db.write() as session:
        workspace = get_workspace(session=session, slug=st.workspace)
        revoke_api_key(session=session, workspace=workspace, prefix=prefix)
    console.print(say("key.revoked", prefix=prefix))


@cli_errors
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
    with_worker: Annotated[
        bool, typer.Option("--with-worker", help="Also run the jobs worker (e-mail, webhooks, passes) here.")
    ] = False,
) -> None:
    """Serve the API, the survey pages and the dashboard."""
    run_server(state(ctx).settings, host=host, port=port, worker=with_worker)


def run_server(settings: object, *, host: str | None = None, port: int | None = None, worker: bool = False) -> None:
    from doorstep.api.app import create_app, serve
    from doorstep.config import Settings

    assert isinstance(settings, Settings)
    host = host or settings.host
    port = port or settings.port
    if settings.base_url == Settings.model_fields["base_url"].default and (host, port) != ("127.0.0.1", 8000):
        settings = settings.model_copy(update={"base_url": f"http://{host}:{port}"})
    console.print(say("serve.serving_worker" if worker else "serve.serving", host=host, port=port), highlight=False)
    serve(create_app(settings, worker=worker), host=host, port=port)


@cli_errors
def workspace_settings_cmd(
    ctx: typer.Context,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="NAME=VALUE, e.g. quiet_period_days=14 (repeatable)."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the workspace's rules (quiet period, expiry, SLAs, default CS owner), or change them."""
    from doorstep.accounts.services import change_settings, get_workspace, workspace_settings
    from doorstep.accounts.settings import WorkspaceSettings
    from doorstep.cli.audit import cli_actor

    st = state(ctx)
    db = open_database(st)
    with db.write() as session:
        workspace = get_workspace(session=session, slug=st.workspace)
        if set_:
            changes: dict[str, object] = {}
            for item in set_:
                name, sep, value = item.partition("=")
                if not sep or name not in WorkspaceSettings.model_fields:
                    known = ", ".join(WorkspaceSettings.model_fields)
                    raise InvalidInput(f"'{item}' is not NAME=VALUE with NAME one of: {known}", field="--set")
                changes[name] = value if value != "" else None  # NAME= puts the rule back to its default
            current = change_settings(session=session, workspace_id=workspace.id, changes=changes,
                                      actor_kind="cli", actor=cli_actor())
        else:
            current = workspace_settings(workspace)
    if json_out:
        print_json(current.model_dump())
        return
    table = Table(say("settings.col_setting"), say("settings.col_value"), say("settings.col_meaning"),
                  title=say("settings.title", workspace=st.workspace))
    for name, field in WorkspaceSettings.model_fields.items():
        table.add_row(name, str(getattr(current, name)), field.description or "")
    console.print(table)
