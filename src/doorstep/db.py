"""Engine, sessions, SQLite pragmas and the declarative base.

One :class:`Database` per process. Entry points (a request, a CLI command, a
job) open exactly one unit of work with :meth:`Database.write` or
:meth:`Database.read`; services only ``flush()``.

On SQLite a write transaction starts with ``BEGIN IMMEDIATE`` so that two
writers queue on the lock instead of one failing half-way with "database is
locked" when it upgrades its read lock; reads start a plain deferred ``BEGIN``
and, thanks to WAL, never wait for a writer.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import operator
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import Any, ClassVar, Generic, TypeVar

import anyio.to_thread
from sqlalchemy import JSON, DateTime, Engine, MetaData, Table, create_engine, event, text
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from doorstep.errors import DoorstepError, InvalidInput

T = TypeVar("T")
Item = TypeVar("Item")
Result = TypeVar("Result")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware datetimes on both engines, stored as UTC.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones, so we store
    naive UTC and hand back aware UTC. A naive datetime coming *in* is a bug in
    the caller (whose clock is it?), so it is refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; attach a timezone first")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UTCDateTime(), dict[str, Any]: JSON()}


def table_of(model: type[Base]) -> Table:
    """The Core table of a model, for bulk executemany paths (typed as a Table, which it is)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the pragmas and transaction behaviour we rely on."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, json_serializer=to_json, **kwargs
        )
        _configure_sqlite(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True, json_serializer=to_json, **kwargs)
    event.listen(engine, "before_cursor_execute", _refuse_nul)
    return engine


def to_json(value: Any) -> str:
    """What a JSON column stores. Refused, on both engines, as InvalidInput: NaN and the
    infinities (not JSON: PostgreSQL rejects them, SQLite would hand back null) and the NUL
    character (PostgreSQL's json cannot take it out again: every later query of the column
    would fail).

    Non-ASCII text is stored as itself, not as "\\u" escapes: SQLite before 3.45 matches a
    JSON path against a key's raw text, so an attribute named "区域" stored escaped could not
    be found by ``json_extract`` (a segment by it came out as one group of "—"). A lone
    surrogate, which UTF-8 cannot hold, keeps its escape."""
    try:
        text = json.dumps(value, allow_nan=False, ensure_ascii=False)
    except ValueError:
        raise InvalidInput("numbers must be finite (no NaN or Infinity)") from None
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = json.dumps(value, allow_nan=False)
    if "\\u0000" in text and _has_nul(value):
        raise InvalidInput("text may not contain the NUL character (\\u0000)")
    return text


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def _refuse_nul(
    _conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any, executemany: bool
) -> None:
    """PostgreSQL cannot store the NUL character in text (psycopg refuses to send it), and
    text reaches the database from every edge: an API field, a query filter, a CSV cell, a
    form. Refusing it here, on both engines, makes it one 422 everywhere instead of a 500
    on PostgreSQL and a stored NUL on SQLite."""
    # The common case first, at C speed: a NUL shows as "\x00" in the parameters' repr (so
    # does a backslash followed by "x00" in a text: then the exact look below decides).
    if "\\x00" not in repr(parameters):
        return
    # ``executemany`` is not a reliable shape hint: SQLAlchemy's insertmanyvalues hands one
    # flat row with executemany=True. Look at the shape instead.
    if isinstance(parameters, Mapping):
        rows: Any = (parameters,)
    elif parameters and all(isinstance(row, Mapping | tuple | list) for row in parameters):
        rows = parameters
    else:
        rows = (parameters or (),)
    for row in rows:
        values = row.values() if isinstance(row, Mapping) else row
        if any(isinstance(value, str) and "\x00" in value for value in values):
            raise InvalidInput("text may not contain the NUL character (\\u0000)")


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below own transaction start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL is durable against process crashes (the case we test with SIGKILL);
            # only an OS crash can lose the last transactions.
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("doorstep_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


@contextmanager
def _our_errors() -> Iterator[None]:
    """SQLAlchemy wraps an error raised while it binds a value (to_json's InvalidInput) in a
    StatementError; the caller gets ours back, so that it answers 422 and not 500."""
    try:
        yield
    except StatementError as exc:
        if isinstance(exc.orig, DoorstepError):
            raise exc.orig from None
        raise


_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")  # our own table names; never user text


class Database:
    """The process's engine and its two kinds of unit of work."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self._write_engine = self.engine.execution_options(doorstep_write=True)
        self._read = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._write = sessionmaker(bind=self._write_engine, expire_on_commit=False)
        # SQLite has one writer at a time. This process's threads (a server's thread pool)
        # take turns here rather than in SQLite's busy handler, which polls with sleeps of
        # up to 100 ms: under 32 concurrent survey answers that starved some requests for
        # seconds (bench/bench_trust.py). Re-entrant: a write may call code that writes.
        self._writer = threading.RLock() if self.is_sqlite else None
        self._writer_thread: ThreadPoolExecutor | None = None
        self._groups: dict[Callable[..., Any], _Group[Any, Any]] = {}

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: commits when the block ends, rolls back on any error."""
        if self._writer is None:
            with _our_errors(), self._write.begin() as session:
                yield session
            return
        with self._writer, _our_errors(), self._write.begin() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """One read-only unit of work; anything written in it is rolled back."""
        with _our_errors(), self._read() as session:
            try:
                yield session
            finally:
                session.rollback()

    async def call_writer(self, work: Callable[[], T]) -> T:
        """Run ``work`` (which opens its own :meth:`write`) off the event loop and await it.

        On SQLite, on this process's one writer thread, in arrival order: the requests of a
        busy survey take turns there instead of 32 pool threads fighting over the GIL and
        the write lock (p99 of seconds at 32 clients, bench/bench_trust.py). On PostgreSQL,
        which writes concurrently, on the usual thread pool.
        """
        if self._writer is None:
            return await anyio.to_thread.run_sync(work)
        if self._writer_thread is None:
            self._writer_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="doorstep-writer")
        return await asyncio.get_running_loop().run_in_executor(self._writer_thread, work)

    async def call_grouped(
        self, work: Callable[[Database, list[Item]], Sequence[Result | BaseException]], item: Item
    ) -> Result:
        """Hand ``item`` to ``work`` together with whatever else is waiting for it: group commit.

        ``work`` (a module-level function: it names the group) takes this database and a
        list of items, does them in one unit of work of its own (one transaction, one
        commit) on the writer (:meth:`call_writer`) and returns one result
        per item, in order. While a batch runs, the next requests queue; when it ends they
        all go together — no timer, so a lone request waits for nothing, and 32 at once pay
        for one transaction and one pass of the follow-up work instead of 32. If a batch
        fails as a whole (a bug in one item, a race with another process), its items are
        done again one by one, so one bad item fails only its own request.
        """
        group = self._groups.get(work)
        if group is None:
            group = self._groups[work] = _Group(self, work)
        result: Result = await group.submit(item)
        return result

    def refresh_statistics(self, tables: Sequence[str]) -> None:
        """Bring the planner's statistics up to date after a bulk load, as both engines' manuals
        advise: PostgreSQL ``VACUUM (ANALYZE)`` (also sets the visibility map, so index-only
        scans need not visit the heap), SQLite ``ANALYZE`` with a sampling limit.

        Measured at 1,000,000 imported answers on PostgreSQL with autovacuum not yet round
        (bench/README.md): the dashboard's first byte 852 → 202 ms, ``nps --by team`` 4.3 → 0.9 s;
        the VACUUM took 6 s. On SQLite, without statistics, queries chose the wrong index.
        Outside any transaction (VACUUM cannot run in one); the data are already committed,
        so a failure here (a role that does not own the tables) is the caller's to log.
        """
        names = [t for t in tables if _IDENTIFIER.fullmatch(t)]
        if not names:
            return
        if self.is_sqlite:
            with self.write() as session:
                # A sample per index (SQLite's advice for ANALYZE on large tables): milliseconds, not seconds.
                session.execute(text("PRAGMA analysis_limit = 1000"))
                for name in names:
                    session.execute(text(f'ANALYZE "{name}"'))
            return
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE) " + ", ".join(f'"{n}"' for n in names)))

    def refresh_stale_statistics(self, tables: Sequence[str]) -> list[str]:
        """On PostgreSQL, ``ANALYZE`` those of ``tables`` whose rows changed by more than
        autovacuum's default threshold (50 rows + 10%) since their statistics were taken;
        returns them. For bursts of writes on a server whose autovacuum is off or has not
        come round: a foreign-key check is planned once per connection, and one planned
        while ``cases`` was empty scanned the whole table for every case opened after it
        (130,000 scans of up to 130,000 rows in the follow-up of a million imported
        answers). New statistics make every connection plan it again. SQLite: nothing."""
        names = [t for t in tables if _IDENTIFIER.fullmatch(t)]
        if self.is_sqlite or not names:
            return []
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            stale = [
                str(name)
                for name in conn.execute(
                    text(
                        "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema()"
                        " AND relname = ANY(:names) AND n_mod_since_analyze > 50 + 0.1 * n_live_tup"
                    ),
                    {"names": names},
                ).scalars()
            ]
            if stale:
                conn.execute(text("ANALYZE " + ", ".join(f'"{n}"' for n in stale)))
        return stale

    def dispose(self) -> None:
        if self._writer_thread is not None:
            self._writer_thread.shutdown(wait=True)
            self._writer_thread = None
        self.engine.dispose()


class _Group(Generic[Item, Result]):
    """The queue and the one running batch of :meth:`Database.call_grouped` for one ``work``."""

    MAX_BATCH = 256  # bounds one transaction's length (and the IN lists of its queries)
    # Under load the clients answered by one batch send their next requests while it is
    # being drawn: wait up to this long for them to gather, instead of starting a batch of
    # one that then makes the other 31 wait (batches alternated 1, 31, 1, 31 under 32 clients).
    LINGER_SECONDS = 0.005

    def __init__(self, db: Database, work: Callable[[Database, list[Item]], Sequence[Result | BaseException]]) -> None:
        self.db = db
        self.work = work
        self.waiting: list[tuple[Item, asyncio.Future[Result]]] = []
        self.running = False
        self.last_size = 1

    async def submit(self, item: Item) -> Result:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self.waiting.append((item, future))
        if not self.running:
            self.running = True
            asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self.waiting:
                waited = 0.0
                while len(self.waiting) < self.last_size and waited < self.LINGER_SECONDS:
                    await asyncio.sleep(0.001)
                    waited += 0.001
                self.last_size = min(len(self.waiting), self.MAX_BATCH)
                batch, self.waiting = self.waiting[: self.MAX_BATCH], self.waiting[self.MAX_BATCH :]
                items = [item for item, _ in batch]
                try:
                    results = await self.db.call_writer(partial(self.work, self.db, items))
                except Exception as exc:
                    if len(batch) == 1:
                        _settle(batch[0][1], exc)
                        continue
                    for item, future in batch:  # one by one: the failure stays with its item
                        try:
                            _settle(future, (await self.db.call_writer(partial(self.work, self.db, [item])))[0])
                        except Exception as single:
                            _settle(future, single)
                    continue
                for (_, future), result in zip(batch, results, strict=True):
                    _settle(future, result)
        finally:
            self.running = False


def _settle(future: asyncio.Future[Any], outcome: Any) -> None:
    if future.done():  # the client went away and the request was cancelled
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


def insert_ignore_or_update(
    session: Session, table: Any, rows: list[dict[str, Any]], *, keys: list[str], update: list[str]
) -> None:
    """INSERT … ON CONFLICT (keys) DO UPDATE on either engine, in one executemany."""
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    stmt = insert(table)
    if update:
        stmt = stmt.on_conflict_do_update(index_elements=keys, set_={c: getattr(stmt.excluded, c) for c in update})
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=keys)
    session.execute(stmt, rows)


def within(column: Any, since: dt.datetime | None, until: dt.datetime | None) -> list[Any]:
    """WHERE terms for a half-open period [since, until); a missing bound is open."""
    where: list[Any] = []
    if since is not None:
        where.append(column >= since)
    if until is not None:
        where.append(column < until)
    return where


def one_of(session: Session, column: Any, values: Iterable[Any]) -> Any:
    """``column IN (values)`` as each engine runs it fastest.

    On PostgreSQL ``column = ANY(:array)``: one parameter, so the statement's text is the same
    whatever the number of values. An ``IN`` list of 2,000 parameters made a new text each
    time, which psycopg re-parsed (it caches only short statements) and the server planned
    anew: 2-2.5x the time of the ``ANY`` form per statement, measured on 2,000 ids or keys,
    and a sixth of a large import's time. SQLite has no arrays: the plain ``IN``."""
    values = list(values)
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import any_, bindparam
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def one_of_param(dialect: str, column: Any, name: str) -> Any:
    """:func:`one_of` with the values bound when the statement runs (``{name: values}``), for
    a statement built once and kept: building a select with its joins and aliases took as
    long as running it, on every batch of survey answers."""
    from sqlalchemy import any_, bindparam

    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


def _refuse_nul_flat(params: Sequence[Any]) -> None:
    """What ``_refuse_nul`` checks, for flat parameters run on the driver's own cursor (which
    the engine's event does not see)."""
    if "\x00" in "".join([v for v in params if type(v) is str]):
        raise InvalidInput("text may not contain the NUL character (\\u0000)")


# SQLite takes at most 32,766 bound parameters in one statement (since 3.32), psycopg 65,535.
_MAX_PARAMETERS = 32_000


def insert_returning(session: Session, table: Table, rows: Sequence[Mapping[str, Any]],
                     returning: Sequence[str] = ("id",), *,
                     on_conflict_do_nothing: Sequence[str] | None = None) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (dicts with the same keys) and return the ``returning`` columns of each
    row inserted, in no particular order — the bulk path of an import. With
    ``on_conflict_do_nothing`` (the columns of a unique key; empty: any unique key) a row whose
    key is taken is skipped.

    Multi-row ``INSERT … VALUES (…), (…) RETURNING`` on the driver, with each value turned
    into what the driver takes once per column type here, instead of SQLAlchemy's per-row,
    per-parameter processing: that processing was twice the insert itself on a million-row
    import (bench/README.md, "Trust and speed"). The values stored are the ones the ORM
    stores (UTC datetimes, JSON as ``to_json`` writes it); NUL is refused as everywhere. The
    model's Python-side defaults are not applied: give every column that has no server default."""
    if not rows:
        return []
    columns = list(rows[0])
    dialect = session.get_bind().dialect
    sqlite = dialect.name == "sqlite"
    convert = [_driver_value(table.c[name].type, sqlite) for name in columns]  # an unknown column: KeyError
    quote = dialect.identifier_preparer.quote
    mark = "?" if sqlite else "%s"
    one = "(" + ", ".join([mark] * len(columns)) + ")"
    # Only the table's own column names go into the text (looked up above, and quoted); values are bound.
    head = f"INSERT INTO {quote(table.name)} ({', '.join(quote(table.c[n].name) for n in columns)}) VALUES "  # noqa: S608
    tail = f" RETURNING {', '.join(quote(table.c[n].name) for n in returning)}"
    if on_conflict_do_nothing is not None:  # () : whichever unique key a row would break
        target = ", ".join(quote(table.c[n].name) for n in on_conflict_do_nothing)
        tail = f" ON CONFLICT {f'({target}) ' if target else ''}DO NOTHING" + tail
    per_statement = max(1, _MAX_PARAMETERS // len(columns))
    connection = session.connection()
    values_of = operator.itemgetter(*columns) if len(columns) > 1 else (lambda row: (row[columns[0]],))
    converted = [(i, fn) for i, fn in enumerate(convert) if fn is not None]
    last_in: list[Any] = [None] * len(columns)
    last_out: list[Any] = [None] * len(columns)
    out: list[tuple[Any, ...]] = []
    for start in range(0, len(rows), per_statement):
        chunk = rows[start:start + per_statement]
        params: list[Any] = []
        for row in chunk:
            values = list(values_of(row))
            for i, fn in converted:
                value = values[i]
                if value is not None:
                    # A batch's rows often share a value (its created_at): convert it once.
                    if value is not last_in[i]:
                        last_in[i], last_out[i] = value, fn(value)
                    values[i] = last_out[i]
            params += values
        _refuse_nul_flat(params)
        if sqlite:
            out += _sqlite_rows(connection, head + ", ".join([one] * len(chunk)) + tail, params)
        else:
            out.extend(_pg_pipelined(connection, head + one + tail, params, len(columns)))
    return out


def _sqlite_rows(connection: Any, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run one statement on SQLite's own cursor, in the connection's transaction, and fetch
    every row in one call. Only for statements whose parameters were checked for NUL here
    (``_refuse_nul`` does not see them) and whose columns need no conversion: fetching a
    million rows through SQLAlchemy's result, one ``fetchone`` a row, was 15% of an import."""
    import sqlite3

    cursor = connection.connection.dbapi_connection.cursor()
    try:
        rows: list[tuple[Any, ...]] = cursor.execute(sql, params).fetchall()
        return rows
    except sqlite3.Error as exc:  # as SQLAlchemy would raise it (IntegrityError, OperationalError…)
        raise DBAPIError.instance(sql, params, exc, sqlite3.Error) from exc
    finally:
        cursor.close()


def _pg_pipelined(connection: Any, sql: str, params: list[Any], width: int) -> list[tuple[Any, ...]]:
    """One prepared single-row INSERT per row, pipelined by psycopg (``executemany`` with
    ``returning``). PostgreSQL parsed and planned a 24,000-parameter multi-row statement anew
    for every batch: 70% of an import's time went waiting for it (bench/README.md)."""
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.executemany(sql, [params[i:i + width] for i in range(0, len(params), width)], returning=True)
        out: list[tuple[Any, ...]] = []
        while True:
            out.extend(cursor.fetchall())
            if not cursor.nextset():
                return out
    finally:
        cursor.close()


def _sqlite_instant(value: dt.datetime) -> str:
    # What SQLAlchemy's SQLite DATETIME stores for UTCDateTime: naive UTC, always microseconds
    # ("%Y-%m-%d %H:%M:%S.%f"; isoformat writes the same, several times faster than strftime).
    if value.tzinfo is dt.UTC:  # most instants reach us in UTC already: one call, not three
        return value.isoformat(" ", "microseconds")[:26]
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the database; attach a timezone first")
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _pg_instant(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the database; attach a timezone first")
    return value


def _json_text(value: Any) -> str:
    # Most imported rows have no attributes and no themes yet: skip the encoder for those.
    if not value and type(value) in (dict, list):
        return "{}" if type(value) is dict else "[]"
    return to_json(value)


def _driver_value(type_: Any, sqlite: bool) -> Callable[[Any], Any] | None:
    if isinstance(type_, UTCDateTime):
        return _sqlite_instant if sqlite else _pg_instant
    if isinstance(type_, JSON):
        return _json_text
    return None


def select_where_in(session: Session, table: Table, columns: Sequence[str], key: str, values: Iterable[Any],
                    **equal: Any) -> list[tuple[Any, ...]]:
    """``SELECT columns FROM table WHERE <column = value for equal> AND key IN values`` on the
    driver: an import's look-up of thousands of keys per batch, where building SQLAlchemy's
    expanding ``IN`` and its Row objects cost more than the look-up (bench/README.md). Only
    for columns whose values need no conversion (ids, text). PostgreSQL: ``= ANY(array)``,
    one parameter, as :func:`one_of`."""
    values = list(values)
    if not values:
        return []
    dialect = session.get_bind().dialect
    quote = dialect.identifier_preparer.quote
    sqlite = dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    fixed = [f"{quote(table.c[name].name)} = {mark}" for name in equal]
    head = f"SELECT {', '.join(quote(table.c[n].name) for n in columns)} FROM {quote(table.name)} WHERE "  # noqa: S608
    connection = session.connection()
    column = quote(table.c[key].name)
    if not sqlite:
        sql = head + " AND ".join([*fixed, f"{column} = ANY({mark})"])
        return list(connection.exec_driver_sql(sql, (*equal.values(), values)))
    out: list[tuple[Any, ...]] = []
    per_statement = _MAX_PARAMETERS - len(equal)
    for start in range(0, len(values), per_statement):
        chunk = values[start:start + per_statement]
        sql = head + " AND ".join([*fixed, f"{column} IN ({', '.join([mark] * len(chunk))})"])
        params = (*equal.values(), *chunk)
        _refuse_nul_flat(params)
        out += _sqlite_rows(connection, sql, params)
    return out
