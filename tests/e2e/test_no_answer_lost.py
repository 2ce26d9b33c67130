"""Nothing acknowledged is lost (issue 7, reliability 5).

`doorstep serve` runs as a real process. 20,000 survey answers arrive from concurrent
keep-alive clients (one POST /s/{token} each, the customer's form post); in the middle,
the server is killed with SIGKILL, then started again. A client whose request got no
2xx — refused, cut off, or a 5xx — sends the same answer again once the server is back,
as a browser's retry would. At the end every one of the 20,000 answers is stored exactly
once, with the score that was sent: those acknowledged before the kill, and those whose
first try was cut off (some of which the dead server had already committed: their retry
must find the stored answer, "we already have your answer", and not store it twice).

The server's rate limits are off: 48 clients on one loopback address are not abuse.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import func, select
from tests.e2e.test_reach_flow import _healthy, free_port, wait_for
from tests.e2e.test_survey_browser import doorstep_cli

from doorstep.accounts.models import Workspace
from doorstep.accounts.services import create_workspace, update_settings
from doorstep.db import Database
from doorstep.deliveries.records import DeliveryRecord
from doorstep.deliveries.services import ingest_deliveries
from doorstep.surveys.models import Invitation, Response

# The figure; DOORSTEP_DURABILITY_ANSWERS=2000 for a quick local run.
ANSWERS = int(os.environ.get("DOORSTEP_DURABILITY_ANSWERS", "20000"))
CLIENTS = 48
KILL_AFTER = ANSWERS // 3  # acknowledged answers before the SIGKILL
RESENT = 500  # acknowledged answers sent again (twice at once, another score) at the end
CHUNK = 5_000  # deliveries per ingest transaction
ALREADY = "We already have your answer"  # the page of an answer stored earlier (answered.title)
THANKS = "Thank you!"  # the page of an answer stored by this request (thanks.title)


def score_of(i: int) -> int:
    return i % 11


def comment_of(i: int) -> str | None:
    # Some answers say why, so the analysis path runs too; most are a bare score.
    return "送得太慢了，饭都凉了" if i % 20 == 0 else ("Great, fast delivery" if i % 20 == 10 else None)


def load(url: str) -> list[str]:
    """One workspace with ANSWERS delivered hand-overs, each with an open invitation; their tokens."""
    db = Database(url)
    try:
        now = dt.datetime.now(dt.UTC)
        with db.write() as session:
            shop = create_workspace(session=session, slug="shop", name="Shop", timezone="UTC")
            update_settings(session=session, workspace=shop, invitation_delay_minutes=0, quiet_period_days=0)
            shop_id = shop.id
        for start in range(0, ANSWERS, CHUNK):
            records = [
                DeliveryRecord(external_id=f"O-{i:05d}", customer_id=f"c-{i}", delivered_at=now - dt.timedelta(hours=1))
                for i in range(start, min(start + CHUNK, ANSWERS))
            ]
            with db.write() as session:
                ingest_deliveries(session=session, workspace=session.get_one(Workspace, shop_id), records=records,
                                  now=now)
        with db.read() as session:
            tokens = list(session.scalars(select(Invitation.token).order_by(Invitation.id)))
    finally:
        db.dispose()
    assert len(tokens) == ANSWERS
    return tokens


class CutOff(Exception):
    """The request got no reply: refused, reset, or cut off mid-reply."""


class Connection:
    """One keep-alive HTTP/1.1 connection posting forms, as a browser would.

    Not httpx: its connection pool cost the test process more CPU per request than the
    server spent storing the answer (55 answers/s against 260/s from this client on the
    same server), and 20,000 answers per engine have to fit in `make test`.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, fields: dict[str, str]) -> tuple[int, str]:
        body = urlencode(fields).encode()
        request = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nAccept-Language: en\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        try:
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            assert self.reader is not None
            self.writer.write(request)
            await self.writer.drain()
            head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), 30)
            lines = head.decode("latin-1").split("\r\n")
            fields_ = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
            page = await asyncio.wait_for(self.reader.readexactly(int(fields_.get("content-length", "0"))), 30)
            if fields_.get("connection", "").lower() == "close":
                self.close()
            return int(lines[0].split()[1]), page.decode()
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError) as exc:
            self.close()
            raise CutOff(type(exc).__name__) from exc

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Tally:
    acked: dict[int, str] = field(default_factory=dict)  # answer index → page kind of its 2xx
    retried: set[int] = field(default_factory=set)  # answers whose first try got no 2xx
    failures: Counter[str] = field(default_factory=Counter)  # why a try got no 2xx
    server_errors: list[str] = field(default_factory=list)  # 5xx bodies (a bug, whatever the retry does)
    acked_at_kill: int = 0
    resent: int = 0  # answers sent again after their 2xx, all answered "already have it"


class Server:
    """`doorstep serve` in its own process; `up` is set while it accepts answers."""

    def __init__(self, env: dict[str, str], port: int, logs: Path) -> None:
        self.env, self.port, self.logs = env, port, logs
        self.base = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        with (self.logs / f"serve-{self.starts}.log").open("wb") as log:
            self.proc = subprocess.Popen([doorstep_cli(), "serve", "--port", str(self.port)], env=self.env,
                                         stdout=log, stderr=subprocess.STDOUT)
        wait_for(lambda: self.proc.poll() is not None or _healthy(self.base), 60, "the server to start")
        assert self.proc.poll() is None, self.log_text()

    def log_text(self) -> str:
        return (self.logs / f"serve-{self.starts}.log").read_text(errors="replace")[-4000:]

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


async def answer_all(server: Server, tokens: list[str], tally: Tally) -> None:
    pending: asyncio.Queue[int] = asyncio.Queue()
    for i in range(len(tokens)):
        pending.put_nowait(i)
    up = asyncio.Event()
    up.set()
    killed = asyncio.Event()

    async def client() -> None:
        connection = Connection(server.port)
        try:
            while True:
                try:
                    i = pending.get_nowait()
                except asyncio.QueueEmpty:
                    return
                form = {"score": str(score_of(i))}
                if (comment := comment_of(i)) is not None:
                    form["comment"] = comment
                while True:
                    await up.wait()
                    try:
                        status, page = await connection.post(f"/s/{tokens[i]}", form)
                    except CutOff as exc:
                        tally.failures[str(exc)] += 1
                    else:
                        if 200 <= status < 300:
                            assert THANKS in page or ALREADY in page, page[:2000]
                            tally.acked[i] = "stored" if THANKS in page else "already"
                            if len(tally.acked) >= KILL_AFTER and not killed.is_set():
                                killed.set()
                            break
                        tally.failures[f"HTTP {status}"] += 1
                        if status >= 500:
                            tally.server_errors.append(page[:500])
                    tally.retried.add(i)
                    await asyncio.sleep(0.05)
        finally:
            connection.close()

    async def killer() -> None:
        await killed.wait()
        up.clear()  # clients that fail from now on wait for the restart
        tally.acked_at_kill = len(tally.acked)
        await asyncio.to_thread(server.kill)
        await asyncio.to_thread(server.start)
        up.set()

    kill_task = asyncio.create_task(killer())
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    assert kill_task.done(), "every answer was acknowledged before the kill"
    await kill_task

    # A retry whose answer was stored but whose reply was lost (a timeout, a dropped
    # connection) must find the first answer and keep it: sent twice at once, with
    # another score, to answers stored before the kill.
    again = sorted(i for i, kind in tally.acked.items() if kind == "stored")[:RESENT]
    connections = asyncio.Queue[Connection]()
    for _ in range(CLIENTS):
        connections.put_nowait(Connection(server.port))

    async def resend(i: int) -> None:
        connection = await connections.get()
        try:
            for _attempt in range(5):
                try:
                    status, page = await connection.post(f"/s/{tokens[i]}", {"score": str((score_of(i) + 1) % 11)})
                    break
                except CutOff as exc:  # a keep-alive connection the server had just closed
                    tally.failures[f"resend {exc}"] += 1
                    await asyncio.sleep(0.05)
            else:
                raise AssertionError(f"answer {i} could not be sent again")
        finally:
            connections.put_nowait(connection)
        assert 200 <= status < 300 and ALREADY in page, (status, page[:2000])
        tally.resent += 1

    await asyncio.gather(*(resend(i) for i in again for _twice in range(2)))
    while not connections.empty():
        connections.get_nowait().close()


def stored(url: str) -> tuple[dict[str, int], Counter[int], Counter[str]]:
    """(token → stored score, answers per invitation, invitation statuses)."""
    db = Database(url)
    try:
        with db.read() as session:
            scores = dict(session.execute(
                select(Invitation.token, Response.score).join(Response, Response.invitation_id == Invitation.id)
            ).all())
            per_invitation = Counter(dict(session.execute(
                select(Response.invitation_id, func.count()).group_by(Response.invitation_id)
            ).all()))
            statuses = Counter(dict(session.execute(
                select(Invitation.status, func.count()).group_by(Invitation.status)
            ).all()))
            total = session.scalar(select(func.count()).select_from(Response))
    finally:
        db.dispose()
    assert total == sum(per_invitation.values())
    return scores, per_invitation, statuses


def test_sigkill_under_load_loses_no_acknowledged_answer(database_url: str, tmp_path: Path) -> None:
    started = time.monotonic()
    tokens = load(database_url)
    loaded = time.monotonic()
    env = {**os.environ, "DOORSTEP_DATABASE_URL": database_url, "DOORSTEP_SCHEDULER_INTERVAL_SECONDS": "0",
           "DOORSTEP_RATE_LIMIT_PER_TOKEN": "0", "DOORSTEP_RATE_LIMIT_PER_ADDRESS": "0"}
    env.pop("DOORSTEP_SMTP_HOST", None)
    server = Server(env, free_port(), tmp_path)
    tally = Tally()
    server.start()
    try:
        asyncio.run(answer_all(server, tokens, tally))
    finally:
        server.stop()
    answered = time.monotonic()

    assert not tally.server_errors, f"{len(tally.server_errors)} answers got a 5xx: {tally.server_errors[:3]}"
    assert server.starts == 2, "the server was not killed and restarted"
    assert KILL_AFTER <= tally.acked_at_kill < ANSWERS
    assert tally.retried, "the kill caught no answer in flight"
    assert len(tally.acked) == ANSWERS
    assert tally.resent == 2 * RESENT

    scores, per_invitation, statuses = stored(database_url)
    twice = {inv: n for inv, n in per_invitation.items() if n != 1}
    assert not twice, f"invitations with more than one answer: {list(twice.items())[:5]}"
    assert len(scores) == ANSWERS, f"{ANSWERS - len(scores)} acknowledged answers are missing"
    wrong = [i for i, token in enumerate(tokens) if scores[token] != score_of(i)]
    assert not wrong, f"answers stored with another score (a later one replaced the first?): {wrong[:5]}"
    assert statuses == Counter({"responded": ANSWERS})
    # Only answers cut off by the kill were retried; those the dead server had committed
    # say so on their retry, every other one of the 20,000 was stored by its own request.
    already = [i for i, kind in tally.acked.items() if kind == "already"]
    assert set(already) <= tally.retried
    print(
        f"\n{database_url.split(':')[0]}: {ANSWERS} answers, {len(tally.acked)} acknowledged "
        f"({tally.acked_at_kill} before the SIGKILL), {len(tally.retried)} retried "
        f"({len(already)} found already stored), {tally.resent} sent again after their 2xx, "
        f"{sum(per_invitation.values())} stored once each; "
        f"failures {dict(tally.failures)}; load {loaded - started:.1f} s, answers {answered - loaded:.1f} s"
    )
