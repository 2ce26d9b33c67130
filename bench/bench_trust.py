"""Trust and speed (issue 7): the four figures of the speed table, each against the raw engine.

    .venv/bin/python -m bench.bench_trust [--rows 1000000] [--repeat 3]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench]

Every figure is a ratio (or a latency) measured in this run on this machine:

1. ``doorstep import responses FILE.csv`` (the real command, in its own process) of --rows
   answers, against a bare ``executemany`` of the same rows into the same tables with the
   same indexes (raw ``sqlite3``, or raw ``psycopg`` on PostgreSQL), each on its own fresh
   copy of the same database (deliveries, stage events, customers already there).
2. ``POST /s/{token}`` — the whole product path (rate limiting off, see below) — under 32
   concurrent keep-alive clients, against a bare FastAPI ``async def`` endpoint inserting
   the same one row with the raw driver, served by the same uvicorn in the same run.
3. ``nps_by(by="team")`` — what ``doorstep nps --by team`` runs — against the hand-written
   SQL (the same join and GROUP BY on the raw connection), on the imported database.
4. ``GET /`` (the dashboard, signed in) on that database: time to the first byte.

The rate limits of ``/s/*`` are turned off in the benchmark server (``rate_limit_per_token``
and ``rate_limit_per_address`` = "0"): 32 clients on one loopback address are not abuse.
The databases are built once and cached (SQLite under $TMPDIR/doorstep-bench/, PostgreSQL
as template databases ``<name>_base_<rows>``); ``--rebuild`` builds them again.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import json
import os
import random
import resource
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import FastAPI, Form
from fastapi.responses import HTMLResponse
from sqlalchemy import insert, make_url

from bench.machine import describe
from doorstep.accounts.services import create_workspace
from doorstep.db import Database, table_of
from doorstep.deliveries.models import Customer, Delivery, StageEvent
from doorstep.deliveries.services import add_stage, ensure_journey, list_stages
from doorstep.migrations import upgrade

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
STAGES = [  # key, target minutes, median minutes, spread
    ("ordered", 2.0, 1.5, 0.4),
    ("prepared", 15.0, 14.0, 0.3),
    ("dispatched", 5.0, 4.0, 0.5),
    ("picked_up", 8.0, 7.0, 0.35),
    ("delivered", 20.0, 17.0, 0.3),
]
COMMENTS = [
    "送得太慢了，等了一个多小时",
    "饭都凉了，汤也洒了",
    "骑手态度很差",
    "少了一份饺子",
    "包装破了",
    "很好吃，送得也快",
    "出餐太慢",
    "Arrived late and cold",
    "The soup spilled everywhere",
    "Great dumplings, fast delivery",
    "Missing one item",
]
TEAMS = 8
INVITATIONS = 100_000  # extra delivered hand-overs with an open invitation, for the answer endpoint
CHUNK = 50_000
WORKSPACE = "bench"

TARGET_IMPORT = 0.40
TARGET_ANSWER = 0.60
TARGET_ANSWER_P99_MS = 100.0
TARGET_NPS = 2.0
TARGET_TTFB_MS = 300.0


# --- the databases ---------------------------------------------------------------------


@dataclass
class Engine:
    """Where the benchmark databases live: a folder of SQLite files or a PostgreSQL server."""

    url: str  # the URL given (PostgreSQL: its database name is the prefix of ours)
    folder: Path

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    def name(self, label: str) -> str:
        if self.is_sqlite:
            return str(self.folder / f"{label}.db")
        return f"{make_url(self.url).database}_{label}"

    def sa_url(self, label: str) -> str:
        if self.is_sqlite:
            return f"sqlite:///{self.name(label)}"
        return make_url(self.url).set(database=self.name(label)).render_as_string(hide_password=False)

    def exists(self, label: str) -> bool:
        if self.is_sqlite:
            return Path(self.name(label)).exists()
        with self._admin() as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.name(label),)).fetchone()
            return found is not None

    def drop(self, label: str) -> None:
        if self.is_sqlite:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.name(label)}{suffix}").unlink(missing_ok=True)
            return
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name(label)}" WITH (FORCE)')

    def create_empty(self, label: str) -> None:
        self.drop(label)
        if not self.is_sqlite:
            with self._admin() as conn:
                conn.execute(f'CREATE DATABASE "{self.name(label)}"')

    def copy(self, source: str, label: str) -> None:
        """A fresh copy of a built database (a file copy; a PostgreSQL template)."""
        self.drop(label)
        if self.is_sqlite:
            shutil.copyfile(self.name(source), self.name(label))
            return
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{self.name(label)}" TEMPLATE "{self.name(source)}"')

    def raw(self, label: str) -> Any:
        """A raw DBAPI connection (sqlite3 with the product's pragmas, or psycopg)."""
        if self.is_sqlite:
            conn = sqlite3.connect(self.name(label), isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            return conn
        import psycopg

        return psycopg.connect(self._dsn(self.name(label)))

    def _dsn(self, database: str) -> str:
        u = make_url(self.url)
        auth = u.username or "postgres"
        if u.password:
            auth += f":{u.password}"
        return f"postgresql://{auth}@{u.host or '127.0.0.1'}:{u.port or 5432}/{database}"

    def _admin(self) -> Any:
        import psycopg

        return psycopg.connect(self._dsn("postgres"), autocommit=True)

    def version(self) -> str:
        if self.is_sqlite:
            return f"SQLite {sqlite3.sqlite_version}"
        with self._admin() as conn:
            return "PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0].split()[0]


def build_base(engine: Engine, label: str, rows: int, seed: int = 7) -> None:
    """One food workspace: rows + INVITATIONS delivered hand-overs with their 5 stage events
    and a team each; the last INVITATIONS of them have an open invitation."""
    engine.create_empty(label)
    db = Database(engine.sa_url(label))
    upgrade(db.engine)
    rng = random.Random(seed)  # benchmark data, not secrets
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    start = now - dt.timedelta(days=365)
    total = rows + INVITATIONS
    step = dt.timedelta(days=364) / total
    with db.write() as session:
        ws = create_workspace(session=session, slug=WORKSPACE, name="Bench", timezone="Asia/Shanghai", locale="zh-CN")
        for key, target, _, _ in STAGES:
            add_stage(session=session, workspace=ws, key=key, target_minutes=target)
        stages = {s.key: s.id for s in list_stages(session=session, workspace=ws)}
        journey_id = ensure_journey(session=session, workspace=ws).id
        workspace_id = ws.id
    customers = max(1, total // 10)
    t0 = time.perf_counter()
    with db.engine.begin() as conn:
        for first in range(0, customers, CHUNK):
            conn.execute(
                insert(table_of(Customer)),
                [
                    {"workspace_id": workspace_id, "external_id": f"c{i}", "locale": "zh-CN", "attributes": {},
                     "created_at": now}
                    for i in range(first, min(first + CHUNK, customers))
                ],
            )
        for first in range(0, total, CHUNK):
            deliveries, events = [], []
            for i in range(first, min(first + CHUNK, total)):
                ordered = start + step * i
                moment = ordered
                for position, (key, _target, median, spread) in enumerate(STAGES):
                    minutes = max(0.5, median * rng.lognormvariate(0.0, spread))
                    moment += dt.timedelta(minutes=minutes)
                    events.append({"delivery_id": i + 1, "stage_id": stages[key], "completed_at": moment,
                                   "duration_minutes": None if position == 0 else round(minutes, 2)})
                promised = ordered + dt.timedelta(minutes=55)
                deliveries.append({
                    "workspace_id": workspace_id, "journey_id": journey_id, "external_id": f"F{i + 1}",
                    "customer_id": 1 + i % customers, "status": "delivered", "promised_at": promised,
                    "delivered_at": moment, "lateness_minutes": (moment - promised).total_seconds() / 60,
                    "attributes": {"team": f"team-{i % TEAMS}"}, "created_at": now, "updated_at": now,
                })
            conn.execute(insert(table_of(Delivery)), deliveries)
            conn.execute(insert(table_of(StageEvent)), events)
            print(f"  built {first + len(deliveries):,} / {total:,} deliveries ({time.perf_counter() - t0:.0f}s)",
                  flush=True)
        # Open invitations (link channel) for the last INVITATIONS hand-overs: the answer endpoint's work.
        from doorstep.surveys.models import Invitation

        conn.execute(
            insert(table_of(Invitation)),
            [
                {"workspace_id": workspace_id, "delivery_id": i + 1, "customer_id": 1 + i % customers,
                 "token": f"bench{i + 1:012d}xxxxxxxx", "kind": "nps", "channel": "link", "status": "sent",
                 "created_at": now, "sent_at": now, "expires_at": now + dt.timedelta(days=30)}
                for i in range(rows, total)
            ],
        )
    db.dispose()
    if engine.is_sqlite:
        raw = sqlite3.connect(engine.name(label), isolation_level=None)
        raw.execute("ANALYZE")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw.close()
    else:
        with engine.raw(label) as raw:
            raw.autocommit = True
            raw.execute("VACUUM ANALYZE")


def demo_comments() -> list[str]:
    """Comments as the demo writes them (Chinese, English, mixed; thousands of distinct ones)."""
    from doorstep.demo.generator import generate

    workspaces = generate(7, now=dt.datetime(2026, 3, 1, tzinfo=dt.UTC), total_deliveries=60_000)
    return [r["comment"] for w in workspaces for r in w.responses if r.get("comment")]


def write_csv(path: Path, rows: int, seed: int = 11) -> None:
    """The answers to the first `rows` hand-overs: 30% with a demo comment, a few with a stage."""
    rng = random.Random(seed)
    comments = demo_comments()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    start = now - dt.timedelta(days=365)
    step = dt.timedelta(days=364) / (rows + INVITATIONS)
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["delivery_external_id", "score", "comment", "stage", "responded_at"])
        for i in range(rows):
            score = min(10, max(0, round(rng.gauss(8.6, 1.8))))
            comment = rng.choice(comments) if rng.random() < 0.3 else ""
            stage = rng.choice(("prepared", "delivered")) if score <= 6 and rng.random() < 0.3 else ""
            responded = start + step * i + dt.timedelta(hours=2)
            out.writerow([f"F{i + 1}", score, comment, stage, responded.isoformat()])


# --- 1. import ---------------------------------------------------------------------------


def raw_rows(engine: Engine, label: str, path: Path) -> list[tuple[Any, ...]]:
    """The rows the import stores, as the raw driver takes them (not timed)."""
    from doorstep.surveys.services import source_key

    conn = engine.raw(label)
    cur = conn.cursor()
    cur.execute("SELECT id FROM workspaces WHERE slug = 'bench'")
    ws = cur.fetchone()[0]
    cur.execute("SELECT s.key, s.id FROM stages s JOIN journeys j ON j.id = s.journey_id WHERE j.workspace_id = "
                + str(ws))
    stages = dict(cur.fetchall())
    cur.execute("SELECT external_id, id, customer_id FROM deliveries WHERE workspace_id = " + str(ws))
    deliveries = {e: (i, c) for e, i, c in cur.fetchall()}
    conn.close()
    now = dt.datetime.now(dt.UTC)
    out = []
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        for external_id, score, comment, stage, responded in reader:
            at = dt.datetime.fromisoformat(responded)
            delivery_id, customer_id = deliveries[external_id]
            out.append((
                ws, delivery_id, customer_id, source_key(external_id, at), "nps", int(score), comment or None,
                stages[stage] if stage else None, "{}", _stamp(engine, at), _stamp(engine, now),
            ))
    return out


def _stamp(engine: Engine, moment: dt.datetime) -> Any:
    """A UTC instant as the product stores it: SQLAlchemy's SQLite text, or timestamptz."""
    utc = moment.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%d %H:%M:%S.%f") if engine.is_sqlite else utc


RAW_INSERT = (
    "INSERT INTO responses (workspace_id, delivery_id, customer_id, source_key, kind, score, comment, stage_id,"
    " attributes, responded_at, created_at) VALUES ({0})"
)


def raw_import(engine: Engine, label: str, rows: list[tuple[Any, ...]]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) for one bare executemany of the rows and its commit.
    On PostgreSQL the server's CPU is not counted (nor is it for the product's import)."""
    conn = engine.raw(label)
    cpu = time.process_time()
    if engine.is_sqlite:
        sql = RAW_INSERT.format(", ".join("?" * 11))
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, rows)
        conn.execute("COMMIT")
    else:
        sql = RAW_INSERT.format(", ".join(["%s"] * 11))
        started = time.perf_counter()
        with conn.cursor() as cur:
            cur.executemany(sql, rows)
        conn.commit()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    conn.close()
    return elapsed, cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def product_import(engine: Engine, label: str, path: Path) -> tuple[float, float, dict[str, Any]]:
    """(wall seconds, CPU seconds) of the real `doorstep import responses` command, in its own process."""
    env = {**os.environ, "DOORSTEP_DATABASE_URL": engine.sa_url(label)}
    cpu = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(
        [str(Path(PYTHON).with_name("doorstep")), "--workspace", WORKSPACE, "import", "responses", str(path), "--json"],
        env=env, capture_output=True, text=True, check=False,
    )
    elapsed, cpu = time.perf_counter() - started, _children_cpu() - cpu
    if done.returncode != 0:
        raise RuntimeError(f"doorstep import failed:\n{done.stdout}\n{done.stderr}")
    return elapsed, cpu, json.loads(done.stdout)


def product_follow_up(engine: Engine, label: str) -> tuple[float, int]:
    """(wall seconds, jobs) of one worker running what a bulk import queued (analysis, stage
    attribution, cases, events): `doorstep worker --once --kind responses.follow_up`.
    Not a target of the table (a bare insert does none of it); reported next to it."""
    env = {**os.environ, "DOORSTEP_DATABASE_URL": engine.sa_url(label)}
    started = time.perf_counter()
    done = subprocess.run(
        [str(Path(PYTHON).with_name("doorstep")), "worker", "--once", "--kind", "responses.follow_up", "--json"],
        env=env, capture_output=True, text=True, check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"doorstep worker failed:\n{done.stdout}\n{done.stderr[-4000:]}")
    return elapsed, int(json.loads(done.stdout)["ran"])


# --- 2. the answer endpoint ------------------------------------------------------------

ANSWER_CLIENTS = 32
PASSWORD = "bench-password-2026"  # a throwaway login on a throwaway database


def serve(kind: str, url: str, port: int) -> None:
    """Run one benchmark server in this process (``--serve product|bare``)."""
    if kind == "product":
        from doorstep.api.app import create_app
        from doorstep.config import Settings

        settings = Settings(
            database_url=url, base_url=f"http://127.0.0.1:{port}", rate_limit_per_token="0",
            rate_limit_per_address="0", scheduler_interval_seconds=0,
        )
        app = create_app(settings)
    else:
        app = bare_app(url)
    # As `doorstep serve` runs it: one process, uvicorn's defaults (the bare app too).
    from doorstep.api.app import serve as run

    run(app, host="127.0.0.1", port=port)


def bare_app(url: str) -> Any:
    """A bare FastAPI endpoint: parse the same form, insert the one row with the raw driver.

    FastAPI, Form and HTMLResponse are module names here: this module's annotations are
    strings (``from __future__ import annotations``), and FastAPI resolves them in the
    endpoint's module. Imported in this function, ``Annotated[str, Form()]`` did not
    resolve, ``score`` became a required query parameter, and every bare request was a
    422 that inserted nothing (the figures before 2026-11-28 measured that)."""
    engine = Engine(url, Path(tempfile.gettempdir()))
    app = FastAPI()
    if engine.is_sqlite:
        conn = sqlite3.connect(make_url(url).database or "", isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=30000")
        sql = RAW_INSERT.format(", ".join("?" * 11))
    else:
        import psycopg

        conn = psycopg.connect(engine._dsn(make_url(url).database or ""), autocommit=True)
        sql = RAW_INSERT.format(", ".join(["%s"] * 11))
    ws = conn.execute("SELECT id FROM workspaces WHERE slug = 'bench'").fetchone()[0]

    @app.post("/s/{token}", response_class=HTMLResponse)
    async def answer(token: str, score: Annotated[str, Form()], comment: Annotated[str | None, Form()] = None) -> str:
        now = dt.datetime.now(dt.UTC)
        stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f") if engine.is_sqlite else now
        conn.execute(sql, (ws, 1, 1, f"bare:{token}", "nps", int(score), comment or None, None, "{}", stamp, stamp))
        return "<!doctype html><p>Thank you</p>"

    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A benchmark server in its own process."""

    def __init__(self, kind: str, url: str) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [PYTHON, "-m", "bench.bench_trust", "--serve", kind, "--database-url", url, "--port", str(self.port)],
            cwd=ROOT, stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the {kind} server exited with {self.process.returncode}") from None
                time.sleep(0.2)
        raise RuntimeError(f"the {kind} server did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> tuple[int, float]:
    """Send one request on a keep-alive connection; (status, seconds to the last byte)."""
    started = time.perf_counter()
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return status, time.perf_counter() - started


def _post(port: int, path: str, fields: dict[str, str]) -> bytes:
    body = urlencode(fields).encode()
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Accept-Language: zh-CN\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def _load(port: int, tokens: list[str], seconds: float, clients: int, seed: int) -> tuple[int, list[float], int]:
    """`clients` keep-alive connections posting answers, each to its own token, for `seconds`.
    Returns (answers, latencies, failures)."""
    rng = random.Random(seed)
    queue = iter(tokens)
    latencies: list[float] = []
    failures = 0
    stop_at = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < stop_at:
                token = next(queue, None)
                if token is None:
                    break  # the warm-up's few tokens are used up
                score = min(10, max(0, round(rng.gauss(8.6, 1.8))))
                fields = {"score": str(score), "lang": "zh-CN"}
                if rng.random() < 0.3:
                    fields["comment"] = rng.choice(COMMENTS)
                status, took = await _exchange(reader, writer, _post(port, f"/s/{token}", fields))
                if status != 200:
                    failures += 1
                latencies.append(took)
        finally:
            writer.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    return len(latencies), latencies, failures


def open_tokens(engine: Engine, label: str) -> list[str]:
    """The benchmark invitations still open on this database, in order."""
    conn = engine.raw(label)
    try:
        rows = conn.execute(
            "SELECT token FROM invitations WHERE status = 'sent' AND token LIKE 'bench%' ORDER BY id"
        ).fetchall()
    finally:
        conn.close()
    return [row[0] for row in rows]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class LoadRound:
    rps: float
    p50_ms: float
    p99_ms: float
    failures: int
    sent: int  # requests made, each with a token of its own: the tokens used up


def load_round(port: int, tokens: list[str], seconds: float, seed: int) -> LoadRound:
    started = time.perf_counter()
    count, latencies, failures = asyncio.run(_load(port, tokens, seconds, ANSWER_CLIENTS, seed))
    elapsed = time.perf_counter() - started
    return LoadRound(count / elapsed, percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000, failures,
                     count)


# --- 3. nps --by team ------------------------------------------------------------------


def nps_round(engine: Engine, label: str, repeat: int) -> tuple[float, float]:
    """(median seconds of nps_by(team) in a read unit of work, median of the hand SQL), alternating."""
    from sqlalchemy import select

    from doorstep.accounts.models import Workspace
    from doorstep.surveys.metrics import nps_by

    db = Database(engine.sa_url(label))
    with db.read() as session:
        ws = session.scalars(select(Workspace).where(Workspace.slug == WORKSPACE)).one()
        session.expunge_all()
    raw = engine.raw(label)
    team = "json_extract({0}.attributes, '$.team')" if engine.is_sqlite else "({0}.attributes ->> 'team')"
    sql = (
        f"SELECT coalesce({team.format('r')}, {team.format('d')}) AS team, count(*),"
        " sum(CASE WHEN r.score >= 9 THEN 1 ELSE 0 END), sum(CASE WHEN r.score <= 6 THEN 1 ELSE 0 END)"
        " FROM responses r JOIN deliveries d ON d.id = r.delivery_id"
        f" WHERE r.workspace_id = {ws.id} AND r.kind = 'nps' GROUP BY 1"
    )

    def ours() -> Any:
        with db.read() as session:
            return nps_by(session=session, workspace=ws, by="team")

    def hand() -> Any:
        cur = raw.cursor()
        cur.execute(sql)
        rows = cur.fetchall()
        if not engine.is_sqlite:
            raw.rollback()
        return rows

    ours(), hand()  # warm the caches for both
    ours_times: list[float] = []
    hand_times: list[float] = []
    for _ in range(repeat):
        for fn, times in ((ours, ours_times), (hand, hand_times)):
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
    raw.close()
    db.dispose()
    return statistics.median(ours_times), statistics.median(hand_times)


# --- 4. the dashboard ------------------------------------------------------------------


def add_login(engine: Engine, label: str) -> None:
    from sqlalchemy import select

    from doorstep.accounts import people
    from doorstep.accounts.models import Workspace
    from doorstep.errors import Conflict

    db = Database(engine.sa_url(label))
    with db.write() as session:
        ws = session.scalars(select(Workspace).where(Workspace.slug == WORKSPACE)).one()
        try:
            with session.begin_nested():
                people.add_user(session, workspace=ws, handle="boss", role="admin", password=PASSWORD)
        except Conflict:
            pass  # signed up by an earlier run on this database
    db.dispose()


def login_cookie(port: int) -> str:
    import httpx

    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base, follow_redirects=False) as client:
        answer = client.post(
            "/login", data={"workspace": WORKSPACE, "login": "boss", "password": PASSWORD, "next": "/"},
            headers={"Origin": base},
        )
        if answer.status_code != 303:
            raise RuntimeError(f"login failed: {answer.status_code}")
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def first_byte(port: int, cookie: str) -> float:
    """Seconds from sending GET / to its first byte (then the rest is read)."""
    with socket.create_connection(("127.0.0.1", port)) as s:
        request = (f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\nAccept-Language: zh-CN\r\n"
                   "Connection: close\r\n\r\n").encode()
        started = time.perf_counter()
        s.sendall(request)
        first = s.recv(1)
        took = time.perf_counter() - started
        head = first + s.recv(65536)
        while s.recv(65536):
            pass
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"GET / answered {head[:40]!r}")
    return took


# --- the table -------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "**MISS**"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="Answers imported (and on the dashboard).")
    parser.add_argument("--repeat", type=int, default=3, help="Rounds of each measurement; medians are reported.")
    parser.add_argument("--import-repeat", type=int, default=None, help="Rounds of the import (default: --repeat).")
    parser.add_argument("--seconds", type=float, default=8.0, help="Length of one load round of the answer endpoint.")
    parser.add_argument("--database-url", default=os.environ.get("DOORSTEP_BENCH_DATABASE_URL", ""),
                        help="postgresql+psycopg://…/NAME: run on PostgreSQL (databases NAME_*); default SQLite.")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "doorstep-bench")
    parser.add_argument("--rebuild", action="store_true", help="Build the cached base database again.")
    parser.add_argument("--only", default="import,answer,nps,dashboard", help="Comma-separated parts to run.")
    parser.add_argument("--serve", choices=("product", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.database_url, args.port)
        return
    args.dir.mkdir(parents=True, exist_ok=True)
    engine = Engine(args.database_url or f"sqlite:///{args.dir}/x.db", args.dir)
    only = set(args.only.split(","))
    base = f"trust_base_{args.rows}"
    print(f"machine: {describe(engine.version())}", flush=True)
    if args.rebuild or not engine.exists(base):
        print(f"building {engine.name(base)} …", flush=True)
        started = time.perf_counter()
        build_base(engine, base, args.rows)
        print(f"built in {time.perf_counter() - started:.0f}s", flush=True)
    base_db = Database(engine.sa_url(base))
    upgrade(base_db.engine)  # the latest schema (and indexes) for both sides of every comparison
    base_db.dispose()
    path = args.dir / f"trust-answers-{args.rows}.csv"
    if args.rebuild or not path.exists():
        write_csv(path, args.rows)
    if only == {"build"}:
        return
    table: list[tuple[str, str, str, str]] = []
    served = f"trust_served_{args.rows}"

    # 1. import, alternating raw and product on fresh copies.
    if "import" in only or not engine.exists(served):
        rows = raw_rows(engine, base, path)
        raw_times, ours_times, cpu_ratios, follow_times = [], [], [], []
        for round_ in range(args.import_repeat or args.repeat):
            engine.copy(base, "trust_raw")
            raw_wall, raw_cpu = raw_import(engine, "trust_raw", rows)
            engine.drop("trust_raw")
            engine.copy(base, served)
            took, took_cpu, summary = product_import(engine, served, path)
            follow_s, follow_jobs = product_follow_up(engine, served)
            raw_times.append(raw_wall)
            ours_times.append(took)
            follow_times.append(follow_s)
            cpu_ratios.append(raw_cpu / took_cpu)
            print(f"  import round {round_ + 1}: raw {len(rows) / raw_wall:,.0f} rows/s ({raw_cpu:,.1f} s CPU), "
                  f"doorstep {len(rows) / took:,.0f} rows/s ({took_cpu:,.1f} s CPU; {summary['created']:,} created, "
                  f"{summary['queued']:,} queued for follow-up); the follow-up by one worker "
                  f"{len(rows) / follow_s:,.0f} rows/s ({follow_jobs:,} jobs)", flush=True)
        raw_rate, ours_rate = len(rows) / statistics.median(raw_times), len(rows) / statistics.median(ours_times)
        ratio = ours_rate / raw_rate
        table.append((f"`doorstep import responses` of {len(rows):,} rows",
                      f"≥ {TARGET_IMPORT:.0%} of raw executemany",
                      f"{ratio:.0%} ({ours_rate:,.0f} vs {raw_rate:,.0f} rows/s; by client CPU time "
                      f"{statistics.median(cpu_ratios):.0%})", verdict(ratio >= TARGET_IMPORT)))
        follow_rate = len(rows) / statistics.median(follow_times)
        table.append(("… then its follow-up (analysis, stage attribution, cases) by one worker", "(no target)",
                      f"{follow_rate:,.0f} rows/s ({follow_rate / raw_rate:.0%} of raw executemany)", "—"))
    if "dashboard" in only:
        add_login(engine, served)

    # 3. nps --by team on the imported database (before the load adds rows to it).
    if "nps" in only:
        ours_s, hand_s = nps_round(engine, served, max(3, args.repeat))
        ratio = ours_s / hand_s
        table.append((f"`doorstep nps --by team` over {args.rows:,} responses", f"≤ {TARGET_NPS:.0f}× hand SQL",
                      f"{ratio:.2f}× ({ours_s * 1000:,.0f} vs {hand_s * 1000:,.0f} ms)", verdict(ratio <= TARGET_NPS)))

    servers: dict[str, Server] = {}
    try:
        if "answer" in only or "dashboard" in only:
            url = engine.sa_url(served)
            servers = {"product": Server("product", url), "bare": Server("bare", url)}
        # 4. dashboard: signed in, first byte of GET /.
        if "dashboard" in only:
            port = servers["product"].port
            cookie = login_cookie(port)
            first_byte(port, cookie)  # warm-up
            times = [first_byte(port, cookie) * 1000 for _ in range(max(10, 3 * args.repeat))]
            ttfb = statistics.median(times)
            table.append((f"dashboard `GET /` with {args.rows:,} responses", f"first byte < {TARGET_TTFB_MS:.0f} ms",
                          f"{ttfb:,.0f} ms median (max {max(times):,.0f} ms)", verdict(ttfb < TARGET_TTFB_MS)))
        # 2. the answer endpoint, alternating bare and product rounds.
        if "answer" in only:
            tokens = open_tokens(engine, served)  # a re-run with --only answer must not re-answer
            bare_tokens = [f"t{i}-{time.time_ns()}" for i in range(10 * INVITATIONS)]
            warm = 300
            load_round(servers["bare"].port, bare_tokens[:warm], 0.5, 0)
            load_round(servers["product"].port, tokens[:warm], 0.5, 0)
            tokens, bare_tokens = tokens[warm:], bare_tokens[warm:]
            bare_rounds, ours_rounds = [], []
            for round_ in range(args.repeat):
                b = load_round(servers["bare"].port, bare_tokens, args.seconds, round_)
                bare_tokens = bare_tokens[b.sent:]
                if len(tokens) < b.rps * args.seconds:  # a round that ran out would end early and read fast
                    raise SystemExit(f"only {len(tokens):,} open invitations are left on {served} for the "
                                     f"answer rounds: build it again with --rebuild")
                o = load_round(servers["product"].port, tokens, args.seconds, round_)
                tokens = tokens[o.sent:]
                bare_rounds.append(b)
                ours_rounds.append(o)
                if b.failures:  # a baseline that answers errors is no baseline
                    raise SystemExit(f"the bare endpoint failed {b.failures} requests: its figure would be wrong")
                print(f"  answer round {round_ + 1}: bare {b.rps:,.0f}/s p99 {b.p99_ms:,.0f} ms; doorstep "
                      f"{o.rps:,.0f}/s p50 {o.p50_ms:,.0f} ms p99 {o.p99_ms:,.0f} ms ({o.failures} failed)", flush=True)
            bare_rps = statistics.median(r.rps for r in bare_rounds)
            ours_rps = statistics.median(r.rps for r in ours_rounds)
            p99 = statistics.median(r.p99_ms for r in ours_rounds)
            failures = sum(r.failures for r in ours_rounds)
            ratio = ours_rps / bare_rps
            table.append((f"survey answer `POST /s/{{token}}`, {ANSWER_CLIENTS} clients",
                          f"≥ {TARGET_ANSWER:.0%} of bare FastAPI",
                          f"{ratio:.0%} ({ours_rps:,.0f} vs {bare_rps:,.0f} req/s)",
                          verdict(ratio >= TARGET_ANSWER and failures == 0)))
            table.append(("… its p99 latency", f"< {TARGET_ANSWER_P99_MS:.0f} ms", f"{p99:,.0f} ms",
                          verdict(p99 < TARGET_ANSWER_P99_MS)))
    finally:
        for server in servers.values():
            server.stop()

    print(f"\nengine: {engine.version()}; rows: {args.rows:,}; medians of {args.repeat} rounds\n")
    print("| what | target | measured | |")
    print("|---|---|---|---|")
    for row in table:
        print("| " + " | ".join(row) + " |")
    missed = [row[0] for row in table if "MISS" in row[3]]
    if missed:
        targets = sum(row[3] != "—" for row in table)
        print(f"\nMISSED {len(missed)} of {targets} targets: " + "; ".join(missed))
        sys.exit(1)


if __name__ == "__main__":
    main()
