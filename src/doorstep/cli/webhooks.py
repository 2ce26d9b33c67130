"""`doorstep webhooks …`: outbound subscriptions, their delivery log, the inbound secret.

As thin as the API. Secrets are write-only: a subscription's secret is shown as its
last four characters; the inbound secret is printed whole only when it is created
or rotated (the sender needs it once, like an API key).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from doorstep.channels.webhook_kinds import EVENTS, FORMATS
from doorstep.cli.audit import cli_actor
from doorstep.cli.common import cli_errors, console, err, open_database, print_json, say, state, workspace_for

# The services are imported inside each command: loading the CLI stays cheap (cli/common.py).

STDIN = "-"  # the "read it from standard input" marker
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
IdArg = Annotated[int, typer.Argument(help="The subscription id (see `doorstep webhooks list`).")]

webhooks_app = typer.Typer(help="Webhooks: events out to your endpoints and group chats, deliveries in.",
                           no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(webhooks_app, name="webhooks")


@webhooks_app.command("add")
@cli_errors
def add(
    ctx: typer.Context,
    url: Annotated[str, typer.Option(help="Where to POST: your endpoint, or the chat bot's webhook URL.")],
    events: Annotated[str, typer.Option(help=f"Comma-separated: {', '.join(EVENTS)}.")],
    format: Annotated[str, typer.Option("--format", help=f"One of: {', '.join(FORMATS)}.")] = "json",
    secret: Annotated[
        str | None,
        typer.Option(help="json: the key Doorstep signs with; feishu/dingtalk: the bot's signing secret. "
                          "'-' reads it from standard input (keeps it out of the shell history)."),
    ] = None,
    name: Annotated[str | None, typer.Option(help="A label for the list.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Send the workspace's events to a URL (signed JSON) or a Feishu, DingTalk, WeCom or Slack group."""
    if secret == STDIN:
        secret = sys.stdin.readline().strip()
    from doorstep.channels import webhooks
    from doorstep.db import utcnow

    st = state(ctx)
    db = open_database(st)
    with db.write() as session:
        workspace = workspace_for(session, st)
        sub = webhooks.create_subscription(session=session, workspace=workspace, url=url, format=format,
                                           events=events.split(","), secret=secret, name=name, now=utcnow())
        shown = webhooks.subscription_public(sub)
    if json_out:
        print_json(shown)
        return
    added = {"id": shown["id"], "format": shown["format"], "url": escape(shown["url"]),
             "events": ", ".join(shown["events"])}
    console.print(say("webhook.added_secret", **added, last4=shown["secret_last4"]) if shown["secret_last4"]
                  else say("webhook.added", **added), highlight=False)


@webhooks_app.command("list")
@cli_errors
def list_(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """The workspace's subscriptions (URLs and secrets shortened to their last four characters)."""
    from doorstep.channels import webhooks

    st = state(ctx)
    db = open_database(st)
    with db.read() as session:
        subs = [webhooks.subscription_public(s)
                for s in webhooks.list_subscriptions(session=session, workspace=workspace_for(session, st))]
    if json_out:
        print_json({"subscriptions": subs})
        return
    table = Table(say("col.id"), say("col.name"), say("webhooks.col_format"), say("webhooks.col_url"),
                  say("webhooks.col_events"), say("webhooks.col_active"), say("webhooks.col_secret"),
                  title=say("webhooks.title", workspace=st.workspace))
    for s in subs:
        table.add_row(str(s["id"]), escape(s["name"]), s["format"], escape(s["url"]), ", ".join(s["events"]),
                      say("yes") if s["active"] else say("webhooks.paused"), s["secret_last4"] or "—")
    console.print(table)


@webhooks_app.command("remove")
@cli_errors
def remove(ctx: typer.Context, subscription_id: IdArg) -> None:
    """Delete a subscription and its delivery log; queued deliveries to it are dropped."""
    from doorstep.accounts import audit
    from doorstep.channels import webhooks

    st = state(ctx)
    db = open_database(st)
    with db.write() as session:
        workspace = workspace_for(session, st)
        webhooks.delete_subscription(session=session, workspace=workspace, subscription_id=subscription_id)
        audit.record(session, action="deleted", actor_kind="cli", actor=cli_actor(), workspace_id=workspace.id,
                     target=f"webhook_subscription:{subscription_id}")
    console.print(say("webhook.removed", id=subscription_id))


def _set_active(ctx: typer.Context, subscription_id: int, active: bool) -> None:
    from doorstep.channels import webhooks

    st = state(ctx)
    db = open_database(st)
    with db.write() as session:
        webhooks.update_subscription(session=session, workspace=workspace_for(session, st),
                                     subscription_id=subscription_id, active=active)
    console.print(say("webhook.resumed" if active else "webhook.paused", id=subscription_id))


@webhooks_app.command("pause")
@cli_errors
def pause(ctx: typer.Context, subscription_id: IdArg) -> None:
    """Stop sending to a subscription (events meanwhile are not sent later)."""
    _set_active(ctx, subscription_id, False)


@webhooks_app.command("resume")
@cli_errors
def resume(ctx: typer.Context, subscription_id: IdArg) -> None:
    """Send to a paused subscription again."""
    _set_active(ctx, subscription_id, True)


@webhooks_app.command("log")
@cli_errors
def log(
    ctx: typer.Context,
    subscription_id: IdArg,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many attempts.")] = 50,
    json_out: JsonOpt = False,
) -> None:
    """The delivery log of a subscription: every attempt, its response code and error, newest first."""
    from doorstep.channels import webhooks

    st = state(ctx)
    db = open_database(st)
    with db.read() as session:
        calls = [webhooks.call_public(c) for c in webhooks.list_calls(
            session=session, workspace=workspace_for(session, st), subscription_id=subscription_id, limit=limit)]
    if json_out:
        print_json({"calls": calls})
        return
    table = Table(say("col.at"), say("webhook.col_event"), say("webhook.col_event_id"), say("webhook.col_attempt"),
                  say("webhook.col_status"), say("webhook.col_ms"), say("col.error"),
                  title=say("webhook.log_title", id=subscription_id))
    for c in calls:
        table.add_row(c["created_at"][:19], c["event"], escape(c["event_id"]), str(c["attempt"]),
                      str(c["status_code"] or "—"), str(c["duration_ms"] or "—"),
                      escape(c["error"]) if c["error"] else say("webhook.ok"))
    console.print(table)


@webhooks_app.command("test")
@cli_errors
def test(ctx: typer.Context, subscription_id: IdArg, json_out: JsonOpt = False) -> None:
    """Queue a test event (webhook.test) to one subscription; the worker sends it (see `log`)."""
    from doorstep.channels import webhooks
    from doorstep.db import utcnow

    st = state(ctx)
    db = open_database(st)
    with db.write() as session:
        event_id = webhooks.send_test(session=session, workspace=workspace_for(session, st),
                                      subscription_id=subscription_id, now=utcnow())
    if json_out:
        print_json({"event_id": event_id})
        return
    console.print(say("webhook.test_queued", event_id=escape(event_id), id=subscription_id), highlight=False)


@webhooks_app.command("inbound-secret")
@cli_errors
def inbound_secret(
    ctx: typer.Context,
    rotate: Annotated[bool, typer.Option("--rotate", help="Replace it (the old one works 24 more hours).")] = False,
    json_out: JsonOpt = False,
) -> None:
    """The secret that signs POST /api/v1/webhooks/deliveries. Printed whole only when it is
    created or rotated; otherwise only its last four characters."""
    from doorstep.channels.secrets import ensure_inbound_secret
    from doorstep.db import utcnow

    st = state(ctx)
    db = open_database(st)
    with db.write() as session:
        current = ensure_inbound_secret(session=session, workspace=workspace_for(session, st), now=utcnow(),
                                        rotate=rotate)
    if json_out:
        print_json({"workspace": st.workspace, **current.as_dict()})
        return
    if current.shown:
        err.print(say("webhook.new_inbound_secret", workspace=st.workspace))
        console.print(current.value, highlight=False, soft_wrap=True)
    else:
        console.print(say("webhook.inbound_secret", workspace=st.workspace, last4=current.value[-4:]), highlight=False)
