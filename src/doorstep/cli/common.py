"""What every command shares: global options, the database, errors, JSON output.

Start-up stays cheap: the CLI modules import only typer, rich and the light parts of
doorstep at load time; the services (SQLAlchemy, the models, pydantic settings, the
analysis…) are imported inside the command that uses them, so `doorstep --help` and a
typo do not wait for all of them (tests/cli/test_startup.py holds the line).
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from doorstep.errors import DoorstepError, NotReady

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from doorstep.accounts.models import Workspace
    from doorstep.config import Settings
    from doorstep.db import Database

console = Console()
err = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class State:
    """The global options. The settings are read on first use: a sub-command's --help needs none."""

    db_url: str | None
    workspace: str

    @functools.cached_property
    def settings(self) -> Settings:
        from doorstep.config import Settings

        return Settings(database_url=self.db_url) if self.db_url else Settings()


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    assert isinstance(obj, State), "the root callback sets the state"
    return obj


def open_database(st: State) -> Database:
    """The database, migrated to the latest schema (a no-op when it already is)."""
    from doorstep.db import Database
    from doorstep.migrations import upgrade

    db = Database(st.settings.database_url)
    try:
        upgrade(db.engine)
    except Exception as exc:  # the driver's own errors vary; say what we tried to reach
        db.dispose()
        target = db.engine.url.render_as_string(hide_password=True)
        raise NotReady(
            f"cannot open the database at {target}: {exc.__class__.__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}"
        ) from exc
    return db


def workspace_for(session: Session, st: State) -> Workspace:
    """The --workspace; 'default' is created on first use so a fresh database just works."""
    from doorstep.accounts.services import ensure_workspace, get_workspace

    if st.workspace == "default":
        return ensure_workspace(session=session, slug="default", name="Default")
    return get_workspace(session=session, slug=st.workspace)


def cli_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn our errors into a readable message and an exit code, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except DoorstepError as exc:
            err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None

    return wrapper


def print_json(data: Any) -> None:
    # ensure_ascii=False: Chinese stays readable in a terminal and in files.
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def fmt_nps(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}"


def fmt_ci(ci: list[float] | None) -> str:
    return "—" if ci is None else f"[{ci[0]:+.1f}, {ci[1]:+.1f}]"
