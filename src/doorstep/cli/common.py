"""What every command shares: global options, the database, errors, JSON output, the language.

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
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from doorstep.cli import messages
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
    lang: str | None = None  # --lang, already checked ("en" or "zh-CN")

    @functools.cached_property
    def settings(self) -> Settings:
        from doorstep.config import Settings

        return Settings(database_url=self.db_url) if self.db_url else Settings()

    @functools.cached_property
    def language(self) -> str:
        """--lang, else DOORSTEP_LANG, else the locale (LC_ALL, LC_MESSAGES, LANG), else English.
        Decided on the first message, not at start-up: --help and a typo never read the settings."""
        if self.lang:
            return self.lang
        from doorstep.config import locale_language

        return self.settings.lang or locale_language()

    def say(self, key: str, /, **kwargs: object) -> str:
        """The message ``key`` (doorstep.cli.messages) in this command's language."""
        return messages.t(self.language, key, **kwargs)

    def local_name(self, entry: dict[str, Any]) -> str:
        """A stage's or theme's display name in this command's language: its ``name_zh`` in
        Chinese when it has one, else its ``name``."""
        if self.language == "zh-CN" and entry.get("name_zh"):
            return str(entry["name_zh"])
        return str(entry["name"])


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    assert isinstance(obj, State), "the root callback sets the state"
    return obj


# The running command's State, for the helpers handed no context (a table, an error message).
_running: ContextVar[State | None] = ContextVar("doorstep_cli_state", default=None)


def begin(st: State) -> State:
    """Make ``st`` the running command's State (the root callback, once per command)."""
    _running.set(st)
    return st


def say(key: str, /, **kwargs: object) -> str:
    """:meth:`State.say` of the running command; English outside a command (a function called directly)."""
    st = _running.get()
    return st.say(key, **kwargs) if st is not None else messages.t(messages.DEFAULT_LANGUAGE, key, **kwargs)


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
            err.print(say("error", message=escape(str(exc))), highlight=False, soft_wrap=True)
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
