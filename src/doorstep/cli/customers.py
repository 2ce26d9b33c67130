"""`doorstep customer export|erase`: a customer's data rights from a terminal (both audited)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from doorstep.cli.audit import cli_actor
from doorstep.cli.common import cli_errors, console, err, open_database, print_json, say, state, workspace_for

# The services are imported inside each command: loading the CLI stays cheap (cli/common.py).

customer_app = typer.Typer(help="A customer's data: export everything held about them, or erase it.",
                           no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(customer_app, name="customer")


@customer_app.command("export")
@cli_errors
def export(
    ctx: typer.Context,
    external_id: Annotated[str, typer.Argument(help="The customer's external id (customer_id in imports).")],
    out: Annotated[Path | None, typer.Option("--out", help="Write the JSON to this file (else print it).")] = None,
) -> None:
    """Everything held about one customer, as JSON (for a data subject's access request)."""
    from doorstep.accounts import audit
    from doorstep.deliveries.privacy import export_customer

    st = state(ctx)
    db = open_database(st)
    with db.write() as session:
        workspace = workspace_for(session, st)
        data = export_customer(session=session, workspace=workspace, external_id=external_id)
        audit.record(session, action="customer_exported", actor_kind="cli", actor=cli_actor(),
                     workspace_id=workspace.id, target=f"customer:{external_id}",
                     details={"file": out.name if out else None})
    if out is None:
        print_json(data)
        return
    out.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    err.print(say("customer.exported", path=escape(str(out)), deliveries=len(data["deliveries"]),
                  answers=len(data["responses"]), cases=len(data["cases"])), highlight=False)


@customer_app.command("erase")
@cli_errors
def erase(
    ctx: typer.Context,
    external_id: Annotated[str, typer.Argument(help="The customer's external id.")],
    yes: Annotated[bool, typer.Option("--yes", help="Really erase: it cannot be undone.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Erase a customer's name, e-mail, attributes, comments, case notes and the texts of
    notifications about them. Scores, times, stages and themes stay, so NPS and case counts
    do not change. Cannot be undone: needs --yes."""
    if not yes:
        err.print(say("error", message=say("customer.erase_needs_yes")), highlight=False)
        raise typer.Exit(2)
    from doorstep.accounts import audit
    from doorstep.db import utcnow
    from doorstep.deliveries.privacy import erase_customer

    st = state(ctx)
    db = open_database(st)
    with db.write() as session:
        workspace = workspace_for(session, st)
        result = erase_customer(session=session, workspace=workspace, external_id=external_id, now=utcnow())
        audit.record(session, action="customer_erased", actor_kind="cli", actor=cli_actor(),
                     workspace_id=workspace.id, target=f"customer:{external_id}",
                     details={k: v for k, v in result.as_dict().items() if k != "customer"})
    if json_out:
        print_json(result.as_dict())
        return
    console.print(say("customer.erased", id=escape(external_id), comments=result.comments_removed,
                      notes=result.notes_removed, jobs=result.jobs_scrubbed, answers=result.responses,
                      cases=result.cases), highlight=False)
