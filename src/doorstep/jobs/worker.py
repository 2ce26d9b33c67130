"""The worker: claims due jobs, runs their handler, records the outcome.

One loop per worker process (``doorstep worker``) or thread (``serve --with-worker``).
Each job runs *between* two short transactions: the claim (a lease) commits first,
the handler does its external effect with no transaction open, and the outcome
(done, retry later, dead) commits after. A worker that dies in between loses only
its lease; the job is claimed again when the lease runs out (at-least-once), so
handlers make their effects idempotent (see :class:`doorstep.jobs.models.SentKey`).

A handler that raises :class:`Deferred` is put back without counting the attempt (its
channel is paused: nothing was tried), and a :class:`Gate` keeps a paused channel's
kinds from being claimed at all (e-mail after a refused login:
doorstep.channels.email_pause).

Handlers live with the feature they serve and are listed in :func:`default_handlers`;
scheduled passes (the case scheduler, clean-up) are ordinary jobs enqueued once per
time slot with a dedupe key, so any number of workers run each pass once per slot.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session

from doorstep.config import Settings
from doorstep.db import Database
from doorstep.errors import Conflict
from doorstep.jobs import services as jobs

log = logging.getLogger("doorstep.worker")

BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_CAP = dt.timedelta(hours=6)


class Permanent(Exception):
    """A failure no retry can fix (the invitation is gone, the address is malformed):
    the job goes to the dead letters at once, with this message as its last error."""


class Deferred(Exception):
    """Not now, and not the job's fault: its channel is paused (e-mail after a refused
    login, see doorstep.channels.email_pause). The job goes back to the queue ``delay``
    later without using up an attempt, so a pause of a day kills no job."""

    def __init__(self, message: str, *, delay: dt.timedelta) -> None:
        super().__init__(message)
        self.delay = delay


@dataclass(frozen=True)
class JobView:
    """What a handler gets: a detached copy of the claimed job."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int
    workspace_id: int | None


@dataclass
class JobContext:
    db: Database
    settings: Settings
    clock: Callable[[], dt.datetime]
    worker: str


Handler = Callable[[JobContext, JobView], None]


@dataclass(frozen=True)
class ScheduledPass:
    """A job kind enqueued once per ``interval`` (by whichever worker gets there first)."""

    kind: str
    interval: Callable[[Settings], float]  # seconds; 0 or less: off


class Gate(Protocol):
    """Job kinds held back while a channel is paused: the worker does not claim them at
    all (no attempt, no connection, no row touched), so a long pause costs nothing."""

    kinds: frozenset[str]

    def closed(self, session: Session, ctx: JobContext) -> bool:
        """True while these kinds must wait (in the claim's transaction)."""
        ...


def default_gates() -> list[Gate]:
    from doorstep.channels.email_pause import EmailGate

    return [EmailGate()]


def default_handlers() -> dict[str, Handler]:
    """Every job kind the product knows, from the modules that own them."""
    from doorstep.briefs import alert_jobs
    from doorstep.briefs import jobs as brief_jobs
    from doorstep.cases import jobs as case_jobs
    from doorstep.jobs import statistics
    from doorstep.surveys import jobs as survey_jobs

    handlers: dict[str, Handler] = {}
    modules: list[Any] = [case_jobs, survey_jobs, brief_jobs, alert_jobs, statistics]
    for name in ("doorstep.channels.email", "doorstep.channels.note_mail", "doorstep.channels.events",
                 "doorstep.channels.webhooks"):
        try:
            modules.append(__import__(name, fromlist=["HANDLERS"]))
        except ModuleNotFoundError as exc:  # a channel not built yet; its jobs wait in the queue
            if exc.name != name:
                raise
    for module in modules:
        handlers.update(getattr(module, "HANDLERS", {}))
    return handlers


def default_passes() -> list[ScheduledPass]:
    from doorstep.briefs import alert_jobs
    from doorstep.briefs import jobs as brief_jobs
    from doorstep.cases import jobs as case_jobs
    from doorstep.jobs import statistics
    from doorstep.surveys import jobs as survey_jobs

    return [*case_jobs.PASSES, *survey_jobs.PASSES, *brief_jobs.PASSES, *alert_jobs.PASSES, *statistics.PASSES]


def backoff(attempt: int, rng: random.Random | None = None) -> dt.timedelta:
    """Exponential backoff with "equal jitter": half the step is fixed, half random, so
    retries spread out instead of hitting a recovering server together."""
    step: dt.timedelta = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(attempt - 1, 0)))
    share: float = (rng or random).random()
    return step / 2 + step / 2 * share


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 100_000}"


@dataclass
class Worker:
    ctx: JobContext
    handlers: Mapping[str, Handler] = field(default_factory=default_handlers)
    passes: list[ScheduledPass] = field(default_factory=default_passes)
    batch_size: int = 10
    lease: dt.timedelta = jobs.DEFAULT_LEASE
    rng: random.Random = field(default_factory=random.Random)
    gates: list[Gate] = field(default_factory=default_gates)
    _slots: dict[str, int] = field(default_factory=dict)

    def schedule_passes(self) -> int:
        """Enqueue each pass whose slot has come (dedupe: once per slot across workers)."""
        now = self.ctx.clock()
        due: list[tuple[ScheduledPass, int]] = []
        for scheduled in self.passes:
            interval = scheduled.interval(self.ctx.settings)
            if interval <= 0:
                continue
            slot = int(now.timestamp() // interval)
            if self._slots.get(scheduled.kind) != slot:
                due.append((scheduled, slot))
        if not due:
            return 0
        created = 0
        with self.ctx.db.write() as session:
            for scheduled, slot in due:
                _, new = jobs.enqueue(
                    session, kind=scheduled.kind, payload={"slot": slot}, run_at=now,
                    dedupe_key=f"{scheduled.kind}:{slot}", max_attempts=1,
                )
                created += new
        for scheduled, slot in due:
            self._slots[scheduled.kind] = slot
        return created

    def claim(self) -> list[JobView]:
        kinds = list(self.handlers)
        with self.ctx.db.write() as session:
            for gate in self.gates:
                if gate.kinds.intersection(kinds) and gate.closed(session, self.ctx):
                    kinds = [k for k in kinds if k not in gate.kinds]
            if not kinds:  # everything this worker runs is paused (claim() would take any kind)
                return []
            claimed = jobs.claim(
                session, worker=self.ctx.worker, now=self.ctx.clock(), kinds=kinds,
                limit=self.batch_size, lease=self.lease,
            )
            return [
                JobView(j.id, j.kind, dict(j.payload), j.attempts, j.max_attempts, j.workspace_id) for j in claimed
            ]

    def run(self, job: JobView) -> bool:
        """Run one claimed job and record its outcome; True when it succeeded."""
        handler = self.handlers[job.kind]
        try:
            handler(self.ctx, job)
        except Deferred as exc:
            run_at = self.ctx.clock() + exc.delay
            try:
                with self.ctx.db.write() as session:
                    jobs.defer(session, job_id=job.id, worker=self.ctx.worker, run_at=run_at, note=str(exc))
            except Conflict:
                log.warning("job %s: lease lost while deferring; another worker has it", job.id)
                return False
            log.info("job %s (%s) deferred to %s, attempt not counted: %s", job.id, job.kind,
                     run_at.isoformat(timespec="seconds"), exc)
            return False
        except Exception as exc:
            permanent = isinstance(exc, Permanent)
            error = str(exc) if permanent else f"{type(exc).__name__}: {exc}"
            now = self.ctx.clock()
            retry_at = None if permanent else now + backoff(job.attempts, self.rng)
            try:
                with self.ctx.db.write() as session:
                    failed = jobs.fail(session, job_id=job.id, worker=self.ctx.worker, now=now,
                                       error=error, retry_at=retry_at)
                    status = failed.status
            except Conflict:
                log.warning("job %s: lease lost while failing; another worker has it", job.id)
                return False
            level = logging.ERROR if status == "dead" else logging.WARNING
            log.log(level, "job %s (%s) attempt %s failed (%s): %s", job.id, job.kind, job.attempts, status, error)
            return False
        try:
            with self.ctx.db.write() as session:
                jobs.complete(session, job_id=job.id, worker=self.ctx.worker, now=self.ctx.clock())
        except Conflict:
            log.warning("job %s: lease lost before completion; its effect is idempotent", job.id)
        return True

    def run_once(self) -> int:
        """Schedule due passes, claim one batch and run it. Returns how many jobs ran."""
        self.schedule_passes()
        batch = self.claim()
        for job in batch:
            self.run(job)
        return len(batch)

    def run_until_idle(self, max_rounds: int = 1000) -> int:
        """Run batches until none is due (tests, `doorstep worker --once`)."""
        total = 0
        for _ in range(max_rounds):
            ran = self.run_once()
            total += ran
            if ran == 0:
                break
        return total

    def run_forever(self, stop: threading.Event, poll_seconds: float) -> None:
        while not stop.is_set():
            try:
                ran = self.run_once()
            except Exception:  # the database went away for a moment: keep the worker alive
                log.exception("worker loop failed; retrying in %s s", poll_seconds)
                ran = 0
            if ran == 0:
                stop.wait(poll_seconds)


class WorkerThread:
    """A worker inside another process (``doorstep serve --with-worker``)."""

    def __init__(self, worker: Worker, poll_seconds: float) -> None:
        self.worker = worker
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="doorstep-worker", daemon=True)

    def _run(self) -> None:
        self.worker.run_forever(self._stop, self.poll_seconds)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the job in progress (a job is never cut in the middle)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)


def make_worker(db: Database, settings: Settings, clock: Callable[[], dt.datetime],
                name: str | None = None) -> Worker:
    ctx = JobContext(db=db, settings=settings, clock=clock, worker=name or worker_name())
    return Worker(ctx, batch_size=settings.worker_batch_size,
                  lease=dt.timedelta(seconds=settings.worker_lease_seconds))
