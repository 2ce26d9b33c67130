"""The `doorstep` command: a thin layer over the services, one unit of work per command.

Each command imports its services inside its body, so loading this module (for --help,
completion, or any one command) stays cheap: see doorstep.cli.common.
"""

from __future__ import annotations

from typing import Annotated

import typer

from doorstep import __version__
from doorstep.cli import alerts as alerts_cmd
from doorstep.cli import analyze, imports, insight, links, maintenance, reports, setup, users, webhooks, worker
from doorstep.cli import audit as audit_cmd
from doorstep.cli import brief as brief_cmd
from doorstep.cli import cases as cases_cmd
from doorstep.cli import customers as customers_cmd
from doorstep.cli import demo as demo_cmd
from doorstep.cli import exports as exports_cmd
from doorstep.cli import mail as mail_cmd
from doorstep.cli.common import State, begin
from doorstep.cli.messages import language_tag

app = typer.Typer(
    name="doorstep",
    help="Doorstep: watch the last mile, ask the customer, count honestly, close the loop.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"doorstep {__version__}")
        raise typer.Exit()


def _language(value: str | None) -> str | None:
    if value is None:
        return None
    chosen = language_tag(value)
    if chosen is None:  # both languages: the person's own is exactly what we could not tell
        raise typer.BadParameter(f"{value!r} is not a language we speak: use en or zh-CN（请用 en 或 zh-CN）")
    return chosen


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database URL (else DOORSTEP_DATABASE_URL, else sqlite:///./doorstep.db)."),
    ] = None,
    workspace: Annotated[str, typer.Option("--workspace", "-w", help="Workspace slug.")] = "default",
    lang: Annotated[
        str | None,
        typer.Option("--lang", callback=_language, metavar="en|zh-CN",
                     help="Language of tables and messages (else DOORSTEP_LANG, else the locale: LC_ALL, "
                          "LC_MESSAGES, LANG). --json output is the same in every language."),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    ctx.obj = begin(State(db_url=db, workspace=workspace, lang=lang))


setup.register(app)
imports.register(app)
reports.register(app)
insight.register(app)
analyze.register(app)
cases_cmd.register(app)
demo_cmd.register(app)
maintenance.register(app)
worker.register(app)
webhooks.register(app)
links.register(app)
users.register(app)
brief_cmd.register(app)
audit_cmd.register(app)
customers_cmd.register(app)
exports_cmd.register(app)
alerts_cmd.register(app)
mail_cmd.register(app)

GLOBAL_OPTIONS = ("--db", "--workspace", "-w", "--lang")


def hoist_global_options(argv: list[str]) -> list[str]:
    """Let --db, --workspace and --lang stand anywhere (``doorstep nps --json --workspace food``),
    as people type them, by moving them before the sub-command where Click expects them."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest.extend(argv[i:])
            break
        if arg in GLOBAL_OPTIONS and i + 1 < len(argv):
            front.extend(argv[i : i + 2])
            i += 2
            continue
        if arg.split("=", 1)[0] in GLOBAL_OPTIONS and "=" in arg:
            front.append(arg)
        else:
            rest.append(arg)
        i += 1
    return front + rest


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    import sys

    app(args=hoist_global_options(list(sys.argv[1:] if argv is None else argv)), prog_name="doorstep")


if __name__ == "__main__":
    main()
