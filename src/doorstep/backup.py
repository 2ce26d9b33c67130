"""Online backup and restore of the embedded SQLite database.

SQLite's backup API copies a consistent snapshot while the server keeps
serving (readers and the writer are not stopped). PostgreSQL has its own,
better tools: we point to pg_dump/pg_restore instead of re-inventing them.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, inspect, select, table
from sqlalchemy.engine import make_url

from doorstep.db import Database
from doorstep.errors import InvalidInput, NotReady

PG_GUIDANCE = (
    "PostgreSQL databases are backed up with PostgreSQL's own tools, which are consistent "
    "while Doorstep runs: pg_dump --format=custom --file=doorstep.dump DBNAME, and "
    "pg_restore --clean --if-exists --dbname=DBNAME doorstep.dump"
)


@dataclass(frozen=True)
class BackupReport:
    path: str
    tables: dict[str, int]  # rows per table, so a restore can be checked against it

    def as_dict(self) -> dict[str, object]:
        return {"path": self.path, "tables": self.tables}


def _sqlite_path(db: Database) -> Path:
    if not db.is_sqlite:
        raise InvalidInput(PG_GUIDANCE, field="--db")
    database = make_url(db.url).database
    if not database or database == ":memory:":
        raise InvalidInput("an in-memory database cannot be backed up", field="--db")
    return Path(database)


def row_counts(db: Database) -> dict[str, int]:
    """Rows in every table: the check that a backup and its restore hold the same data."""
    with db.engine.connect() as conn:
        names = sorted(inspect(conn).get_table_names())
        return {n: int(conn.execute(select(func.count()).select_from(table(n))).scalar_one()) for n in names}


def backup(db: Database, target: Path) -> BackupReport:
    """Write a consistent snapshot of the database to ``target`` (refusing to overwrite)."""
    source = _sqlite_path(db)
    if target.exists():
        raise InvalidInput(f"{target} exists; choose a new file name", field="FILE")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".partial")
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst, pages=4096)  # in steps, so a busy writer is not starved
        finally:
            dst.close()
    finally:
        src.close()
    tmp.replace(target)  # a backup file exists only once it is complete
    return BackupReport(str(target), row_counts(Database(f"sqlite:///{target}")))


def restore(db: Database, source: Path) -> BackupReport:
    """Replace the database's contents with a backup made by :func:`backup`.

    The backup is checked first (SQLite integrity, and that it is a Doorstep database),
    so a wrong file never overwrites good data.
    """
    target = _sqlite_path(db)
    if not source.is_file():
        raise InvalidInput(f"no such file: {source}", field="FILE")
    try:
        check = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            ok = check.execute("PRAGMA integrity_check").fetchone()
            tables = {r[0] for r in check.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            check.close()
    except sqlite3.DatabaseError as exc:
        raise InvalidInput(f"{source} is not a SQLite database ({exc})", field="FILE") from None
    if not ok or ok[0] != "ok":
        raise InvalidInput(f"{source} is damaged: {ok[0] if ok else 'no answer'}", field="FILE")
    if "alembic_version" not in tables or "workspaces" not in tables:
        raise InvalidInput(f"{source} is not a Doorstep backup", field="FILE")
    db.dispose()
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)
        except sqlite3.OperationalError as exc:
            raise NotReady(f"could not write {target}: {exc} (stop the server first)") from None
        finally:
            dst.close()
    finally:
        src.close()
    return BackupReport(str(target), row_counts(db))
