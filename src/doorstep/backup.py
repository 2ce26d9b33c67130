"""Online backup and restore of the embedded SQLite database.

SQLite's backup API copies a consistent snapshot while the server keeps serving: the
copy is made in one step, inside one read transaction, and in WAL mode (ours, see
doorstep.db) a reader never blocks the writer, so answers keep landing while the
snapshot is taken and none of them is half in it.

PostgreSQL has its own, better tools, consistent while Doorstep runs (pg_dump takes
one snapshot) and matched to the server's version: ``doorstep backup`` on PostgreSQL
says how to use them and exits non-zero rather than run a pg_dump of whatever version
happens to be on PATH with credentials we would have to pass on.

Both acts are written to the audit log (actions ``backup`` and ``restore``).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, create_engine, func, inspect, select, table
from sqlalchemy.engine import make_url

from doorstep.accounts.audit import record
from doorstep.db import Database
from doorstep.errors import Conflict, InvalidInput, NotReady
from doorstep.migrations import alembic_config, current_revision, head_revision, upgrade

PG_GUIDANCE = (
    "PostgreSQL databases are backed up with PostgreSQL's own tools, which are consistent "
    "while Doorstep runs: pg_dump --format=custom --file=doorstep.dump DBNAME, and "
    "pg_restore --clean --if-exists --dbname=DBNAME doorstep.dump"
)
SCHEMA_ONLY = {"alembic_version"}  # tables a freshly migrated, empty database already has rows in


@dataclass(frozen=True)
class BackupReport:
    path: str
    tables: dict[str, int]  # rows per table, so a restore can be checked against it
    revision: str | None = None  # the schema's migration revision

    def as_dict(self) -> dict[str, object]:
        return {"path": self.path, "revision": self.revision, "tables": self.tables}


@dataclass(frozen=True)
class RestoreReport:
    path: str
    tables: dict[str, int]  # rows per table after the restore (and its upgrade)
    from_revision: str  # the backup's schema
    revision: str | None  # the schema now (the upgrade brought it to this version's head)
    replaced_rows: int  # rows the database held before (0 unless --force)

    def as_dict(self) -> dict[str, object]:
        return {"path": self.path, "from_revision": self.from_revision, "revision": self.revision,
                "replaced_rows": self.replaced_rows, "tables": self.tables}


def _sqlite_path(db: Database) -> Path:
    if not db.is_sqlite:
        raise InvalidInput(PG_GUIDANCE, field="--db")
    database = make_url(db.url).database
    if not database or database == ":memory:":
        raise InvalidInput("an in-memory database cannot be backed up", field="--db")
    return Path(database)


def _read_only(path: Path) -> str:
    """A read-only SQLite URI for ``path`` (percent-encoded: a '?' or '#' in a name is a name)."""
    return path.resolve().as_uri() + "?mode=ro"


def _counts(conn: Connection) -> dict[str, int]:
    names = sorted(inspect(conn).get_table_names())
    return {n: int(conn.execute(select(func.count()).select_from(table(n))).scalar_one()) for n in names}


def row_counts(db: Database) -> dict[str, int]:
    """Rows in every table: the check that a backup and its restore hold the same data."""
    with db.engine.connect() as conn:
        return _counts(conn)


def _file_counts(path: Path) -> dict[str, int]:
    """Rows per table of a SQLite file, opened read-only (no WAL file or pool left behind)."""
    engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(_read_only(path), uri=True))
    try:
        with engine.connect() as conn:
            return _counts(conn)
    finally:
        engine.dispose()


def backup(db: Database, target: Path, *, actor_kind: str = "cli", actor: str | None = None) -> BackupReport:
    """Write a consistent snapshot of the database to ``target`` (refusing to overwrite)."""
    source = _sqlite_path(db)
    if target.exists():
        raise InvalidInput(f"{target} exists; choose a new file name", field="FILE")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".partial")
    tmp.unlink(missing_ok=True)  # left by a backup that was killed
    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(tmp)
        try:
            # All pages in one step: one read transaction, so one snapshot. Copying in
            # steps would let a write between two steps restart the copy, again and
            # again on a busy server; a WAL reader does not hold the writer up.
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        finally:
            dst.close()
    finally:
        src.close()
    tmp.replace(target)  # a backup file exists only once it is complete
    tables = _file_counts(target)
    revision = _revision_of(target)
    with db.write() as session:
        record(session, action="backup", actor_kind=actor_kind, actor=actor, workspace_id=None,
               target=f"file:{target.name}", details={"revision": revision, "rows": sum(tables.values())})
    return BackupReport(str(target), tables, revision)


def _revision_of(path: Path) -> str | None:
    conn = sqlite3.connect(_read_only(path), uri=True)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return str(row[0]) if row else None
    finally:
        conn.close()


def check_backup(source: Path) -> str:
    """The migration revision of a Doorstep backup file, after checking that it is one:
    an undamaged SQLite file with Doorstep's tables, at a revision this version knows.
    Raises InvalidInput otherwise, before anything is overwritten."""
    if not source.is_file():
        raise InvalidInput(f"no such file: {source}", field="FILE")
    try:
        check = sqlite3.connect(_read_only(source), uri=True)
        try:
            ok = check.execute("PRAGMA integrity_check").fetchone()
            tables = {r[0] for r in check.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            revision = None
            if "alembic_version" in tables:
                row = check.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = str(row[0]) if row else None
        finally:
            check.close()
    except sqlite3.DatabaseError as exc:
        raise InvalidInput(f"{source} is not a SQLite database ({exc})", field="FILE") from None
    if not ok or ok[0] != "ok":
        raise InvalidInput(f"{source} is damaged: {ok[0] if ok else 'no answer'}", field="FILE")
    if "workspaces" not in tables or revision is None:
        raise InvalidInput(f"{source} is not a Doorstep backup", field="FILE")
    try:
        known = ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision(revision)
    except CommandError:
        known = None
    if known is None:
        raise InvalidInput(
            f"{source} is at schema revision {revision!r}, which this Doorstep does not know "
            f"(its newest is {head_revision()!r}): restore it with the version that wrote it, or a newer one",
            field="FILE",
        )
    return revision


def restore(
    db: Database, source: Path, *, force: bool = False, actor_kind: str = "cli", actor: str | None = None
) -> RestoreReport:
    """Replace the database's contents with a backup made by :func:`backup`, then migrate
    it to this version's schema.

    The backup is checked first (SQLite integrity, a Doorstep database, a known revision),
    and a database that holds data is replaced only with ``force``, so a wrong file or a
    slip of the keyboard never overwrites good data. Stop the server first: a restore
    under a running server fails (the database is locked) or pulls the data from under it.
    """
    target = _sqlite_path(db)
    from_revision = check_backup(source)
    if source.resolve() == target.resolve():
        raise InvalidInput(f"{source} is the database itself", field="FILE")
    replaced = 0
    if target.exists() and current_revision(db.engine) is not None:
        replaced = sum(n for name, n in row_counts(db).items() if name not in SCHEMA_ONLY)
        if replaced and not force:
            raise Conflict(f"{target} holds {replaced:,} rows; restoring would replace them all (use --force)")
    db.dispose()
    src = sqlite3.connect(_read_only(source), uri=True)
    try:
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")  # the copy brought the backup's DELETE mode along
        except sqlite3.OperationalError as exc:
            raise NotReady(f"could not write {target}: {exc} (stop the server first)") from None
        finally:
            dst.close()
    finally:
        src.close()
    upgrade(db.engine)
    revision = current_revision(db.engine)
    tables = row_counts(db)
    with db.write() as session:
        record(session, action="restore", actor_kind=actor_kind, actor=actor, workspace_id=None,
               target=f"file:{source.name}",
               details={"from_revision": from_revision, "revision": revision, "rows": sum(tables.values()),
                        "replaced_rows": replaced})
    return RestoreReport(str(target), tables, from_revision, revision, replaced)
