"""Real databases for every test: SQLite always, PostgreSQL when DOORSTEP_TEST_DATABASE_URL is set.

Every database-backed test runs once per engine. The schema is migrated once
per session with Alembic (the same migrations users run); each test then gets a
fresh copy (SQLite: a copy of the migrated file; PostgreSQL: emptied tables, see _truncate_all).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from doorstep.accounts import passwords
from doorstep.accounts import sessions as login_sessions
from doorstep.accounts.models import User, Workspace
from doorstep.accounts.services import create_api_key, create_workspace
from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.db import Database
from doorstep.migrations import upgrade

PG_URL = os.environ.get("DOORSTEP_TEST_DATABASE_URL")
ON_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(autouse=True)
def _cli_speaks_english(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI speaks the language of --lang, DOORSTEP_LANG or the locale (LC_ALL, LC_MESSAGES,
    LANG): the tests that read its English must not turn Chinese on a developer's zh_CN shell.
    A test that wants Chinese asks for it (--lang zh-CN, or LANG=zh_CN.UTF-8 in its env)."""
    for name in ("DOORSTEP_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")  # English, and still UTF-8 for the tests' subprocesses


class FakeClock:
    """The seam for time: tests move it instead of sleeping."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs: float) -> dt.datetime:
        self.now += dt.timedelta(**kwargs)
        return self.now


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db.engine)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path


def require_postgres() -> None:
    """Skip with the reason when no PostgreSQL is configured — locally only: on CI it fails."""
    if not PG_URL:
        if ON_CI:
            pytest.fail("CI=true but DOORSTEP_TEST_DATABASE_URL is not set: the PostgreSQL run must not be skipped")
        pytest.skip("PostgreSQL run skipped: set DOORSTEP_TEST_DATABASE_URL=postgresql+psycopg://… to run it")


@pytest.fixture(scope="session")
def pg_ready() -> Iterator[str]:
    """A schema of its own for this test run, so two runs on one server never collide."""
    require_postgres()
    schema = f"doorstep_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = Database(PG_URL)
    with admin.engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    # libpq's options= reaches every connection, the CLI subprocesses' included.
    separator = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{separator}options=-csearch_path%3D{schema}"
    db = Database(url)
    upgrade(db.engine)
    db.dispose()
    yield url
    with admin.engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database with nothing in it: no tables, no alembic_version."""
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'empty.db'}")
        yield db
        db.dispose()
        return
    require_postgres()
    schema = f"doorstep_empty_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = Database(PG_URL)
    try:
        with admin.engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        admin.dispose()
        if ON_CI:
            raise
        pytest.skip(f"PostgreSQL at DOORSTEP_TEST_DATABASE_URL is not reachable: {exc}")
    separator = "&" if "?" in PG_URL else "?"
    db = Database(f"{PG_URL}{separator}options=-csearch_path%3D{schema}")
    try:
        yield db
    finally:
        db.dispose()
        with admin.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_cleaner(pg_ready: str) -> Iterator[Database]:
    """One engine for emptying the tables between tests (a connection each time costs ~10 ms)."""
    db = Database(pg_ready)
    yield db
    db.dispose()


def _truncate_all(db: Database) -> None:
    """Empty every table and restart every sequence, as ``TRUNCATE <all> RESTART IDENTITY`` did.

    That TRUNCATE cost 0.5 s a test here (new files for each table it names, synced at commit)
    while most tests leave a few small tables behind. So: find the tables that hold rows (one
    query), DELETE them with the foreign-key triggers off for this transaction (every table that
    holds a row is emptied in it, so no reference dangles), and restart the sequences that were
    used at their start value. ~10 ms. Without the superuser's session_replication_role, it falls
    back to TRUNCATE … CASCADE of the tables that hold rows."""
    with db.engine.begin() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                text(
                    "SELECT tablename FROM pg_tables"
                    " WHERE schemaname = current_schema() AND tablename <> 'alembic_version'"
                )
            )
        ]
        if not tables:
            return
        probe = " UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables)
        full = [r[0] for r in conn.execute(text(probe))]
        # Only the next test reads these rows, on this server: a crash losing the commit loses nothing.
        conn.execute(text("SET LOCAL synchronous_commit = off"))
        if full and _superuser(conn):
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for table in full:
                conn.execute(text(f'DELETE FROM "{table}"'))
        elif full:
            names = ", ".join(f'"{t}"' for t in full)
            conn.execute(text(f"TRUNCATE {names} CASCADE"))
        conn.execute(
            text(
                "SELECT setval(format('%I.%I', schemaname, sequencename), start_value, false) FROM pg_sequences"
                " WHERE schemaname = current_schema() AND last_value IS NOT NULL"
            )
        )


_superusers: dict[str, bool] = {}


def _superuser(conn: Connection) -> bool:
    url = conn.engine.url.render_as_string(hide_password=False)
    if url not in _superusers:
        _superusers[url] = bool(
            conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar()
        )
    return _superusers[url]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "doorstep.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_ready")
    _truncate_all(request.getfixturevalue("pg_cleaner"))
    return url


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    yield db
    db.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, base_url="http://testserver")


@pytest.fixture
def app(settings: Settings, database: Database, clock: FakeClock):  # type: ignore[no-untyped-def]
    return create_app(settings, db=database, clock=clock)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as c:
        yield c


@dataclass
class WorkspaceHandle:
    id: int
    slug: str
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def make_workspace(database: Database, slug: str, **kwargs: object) -> WorkspaceHandle:
    with database.write() as session:
        ws = create_workspace(session=session, slug=slug, **kwargs)  # type: ignore[arg-type]
        _key, secret = create_api_key(session=session, workspace=ws)
        return WorkspaceHandle(ws.id, ws.slug, secret)


@pytest.fixture
def workspace(database: Database) -> WorkspaceHandle:
    """The 'default' workspace (UTC, English) with an admin API key."""
    return make_workspace(database, "default", timezone="UTC")


# --- people who sign in -------------------------------------------------------------

TEST_PASSWORD = "correct horse battery staple"
_hashes: dict[str, str] = {}


def password_hash(password: str = TEST_PASSWORD) -> str:
    """argon2 costs ~50 ms a hash: tests share one per password."""
    if password not in _hashes:
        _hashes[password] = passwords.hash_password(password)
    return _hashes[password]


@dataclass
class Person:
    """Someone signed in through a TestClient: the cookie is on the client."""

    id: int
    handle: str
    role: str
    workspace: str
    secret: str

    @property
    def csrf(self) -> str:
        return login_sessions.csrf_token(self.secret)


def make_person(database: Database, workspace: str, role: str = "admin", *, handle: str | None = None,
                email: str | None = None, password: str = TEST_PASSWORD) -> int:
    """A person with a login (and the test password), without going through the CLI."""
    with database.write() as session:
        ws = session.query(Workspace).filter_by(slug=workspace).one()
        name = handle or f"{role}-{workspace}"
        user = session.query(User).filter_by(workspace_id=ws.id, handle=name).one_or_none()
        if user is None:
            user = User(workspace_id=ws.id, handle=name)
            session.add(user)
        user.role, user.email, user.password_hash, user.active = role, email, password_hash(password), True
        session.flush()
        return user.id


def login(client: TestClient, database: Database, workspace: WorkspaceHandle | str, role: str = "admin", *,
          handle: str | None = None, user_id: int | None = None, now: dt.datetime | None = None) -> Person:
    """Sign ``client`` in as a new person of ``role`` (or as ``user_id``): a session row and its
    cookie, plus the CSRF token as the client's ``X-CSRF-Token`` header, so every form post
    and API call of the test carries it (tests of the refusal drop it)."""
    slug = workspace if isinstance(workspace, str) else workspace.slug
    uid = user_id if user_id is not None else make_person(database, slug, role, handle=handle)
    with database.write() as session:
        user = session.get_one(User, uid)
        started = now or client.app.state.clock()  # type: ignore[attr-defined]
        secret = login_sessions.create_session(session, user=user, now=started, lifetime=dt.timedelta(days=7))
        person = Person(uid, user.handle, user.role, slug, secret)
    client.cookies.set(login_sessions.COOKIE, secret)
    client.headers["X-CSRF-Token"] = person.csrf
    return person


# --- the `doorstep` command, in this process -----------------------------------------


@dataclass
class CliRun:
    """What a `doorstep` process would have left: its exit code and its two streams."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> CliRun:
    """`doorstep *args` through the real Typer app in this process, the argv handled as
    ``doorstep.cli.main.main`` handles it and the DOORSTEP_* environment cleared as the tests'
    subprocesses clear it (plus ``env``). A process start costs ~1.4 s of imports; the tests of
    the entry point, signals and exit on kill keep real processes. An exception that escaped
    the command would have been a traceback and exit code 1 in a process: it fails here."""
    from typer.testing import CliRunner

    from doorstep.cli.main import app, hoist_global_options

    cleared: dict[str, str | None] = {k: None for k in os.environ if k.startswith("DOORSTEP_")}
    result = CliRunner().invoke(app, hoist_global_options(list(args)), input=stdin, env=cleared | (env or {}),
                                prog_name="doorstep")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"`doorstep {' '.join(args)}` raised (a traceback in a process): {result.stderr}") \
            from result.exception
    return CliRun(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def signed_in(client: TestClient, database: Database, workspace: WorkspaceHandle) -> Person:
    """``client`` signed in as an admin of the default workspace."""
    return login(client, database, workspace, "admin")
