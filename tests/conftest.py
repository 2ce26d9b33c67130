"""Real databases for every test: SQLite always, PostgreSQL when DOORSTEP_TEST_DATABASE_URL is set.

Every database-backed test runs once per engine. The schema is migrated once
per session with Alembic (the same migrations users run); each test then gets a
fresh copy (SQLite: a copy of the migrated file; PostgreSQL: truncated tables).
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
from sqlalchemy import text

from doorstep.accounts.services import create_api_key, create_workspace
from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.db import Database
from doorstep.migrations import upgrade

PG_URL = os.environ.get("DOORSTEP_TEST_DATABASE_URL")
ON_CI = os.environ.get("CI", "").lower() == "true"


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


@pytest.fixture(scope="session")
def pg_ready() -> Iterator[str]:
    """A schema of its own for this test run, so two runs on one server never collide."""
    if not PG_URL:
        if ON_CI:
            pytest.fail("CI=true but DOORSTEP_TEST_DATABASE_URL is not set: the PostgreSQL run must not be skipped")
        pytest.skip("PostgreSQL run skipped: set DOORSTEP_TEST_DATABASE_URL=postgresql+psycopg://… to run it")
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


def _truncate_all(db: Database) -> None:
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
        if tables:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "doorstep.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_ready")
    db = Database(url)
    _truncate_all(db)
    db.dispose()
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
