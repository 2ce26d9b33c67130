"""`doorstep demo`: a living system in a minute — two businesses, 180 days, then serve."""

from __future__ import annotations

from typing import Annotated

import typer

from doorstep.cli.common import cli_errors, console, err, open_database, state


def register(app: typer.Typer) -> None:
    app.command()(demo)


@cli_errors
def demo(
    ctx: typer.Context,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")] = 7,
    deliveries: Annotated[int, typer.Option(help="How many deliveries in all.")] = 20_000,
    reset: Annotated[bool, typer.Option(help="Rebuild the demo workspaces if they exist.")] = False,
    serve: Annotated[bool, typer.Option(help="Serve after loading.")] = True,
    host: Annotated[str | None, typer.Option(help="Address to serve on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to serve on (when 8000 is taken).")] = None,
) -> None:
    """Load a realistic bilingual demo (food delivery and B2B SaaS) and serve it."""
    from doorstep.cli.setup import run_server
    from doorstep.demo.loader import load_demo

    st = state(ctx)
    settings = st.settings
    if (host or port) and settings.base_url == type(settings).model_fields["base_url"].default:
        # The survey links printed below must point where we actually serve.
        settings = settings.model_copy(update={"base_url": f"http://{host or settings.host}:{port or settings.port}"})
    db = open_database(st)
    report = load_demo(db, seed=seed, total_deliveries=deliveries, reset=reset, console=err, base_url=settings.base_url)
    for line in report:
        console.print(line, highlight=False, soft_wrap=True)
    db.dispose()
    if serve:
        run_server(settings, host=host, port=port, worker=True)
