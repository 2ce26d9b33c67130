"""The worker: real scheduled passes, and the retry mechanics with a handler of the test's own.

Retries back off exponentially with jitter, a job dies after its attempts with the last
error, a Permanent failure dies at once, a dead worker's lease runs out and another
worker finishes the job, and a scheduled pass is enqueued once per slot however many
workers there are. Time is the FakeClock: nothing sleeps.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, select
from tests.cases.helpers import answer

from doorstep.cases.models import Case
from doorstep.jobs.models import Job
from doorstep.jobs.services import enqueue
from doorstep.jobs.worker import (
    BACKOFF_BASE,
    BACKOFF_CAP,
    Handler,
    JobContext,
    JobView,
    Permanent,
    ScheduledPass,
    Worker,
    backoff,
    default_handlers,
    default_passes,
)
from doorstep.surveys.models import Invitation


def make(database, settings, clock, name: str, handlers: dict[str, Handler], *, passes=(), seed: int = 1,
         lease: dt.timedelta = dt.timedelta(minutes=5)) -> Worker:
    ctx = JobContext(db=database, settings=settings, clock=clock, worker=name)
    return Worker(ctx, handlers=handlers, passes=list(passes), rng=random.Random(seed), lease=lease)


def job_row(database, job_id: int) -> Job:
    with database.read() as s:
        job = s.get_one(Job, job_id)
        s.expunge(job)
    return job


def add(database, clock, kind: str, **kwargs) -> int:
    with database.write() as s:
        return enqueue(s, kind=kind, payload={}, run_at=clock.now, **kwargs)[0]


def passes_only() -> dict[str, Handler]:
    """The product's scheduled passes, without the channels (their handlers are tested with them)."""
    return {kind: h for kind, h in default_handlers().items() if kind.startswith("pass.")}


# --- retries, dead letters, leases ------------------------------------------------------


def test_backoff_is_exponential_with_equal_jitter() -> None:
    rng = random.Random(11)
    for attempt in range(1, 8):
        step = BACKOFF_BASE * 2 ** (attempt - 1)
        draws = [backoff(attempt, rng) for _ in range(200)]
        assert all(step / 2 <= d <= step for d in draws)
        assert max(draws) - min(draws) > step / 4  # spread out, not one value
    assert backoff(40, rng) <= BACKOFF_CAP  # capped: never days between tries


def test_retries_back_off_then_the_job_dies_with_its_last_error(database, settings, clock) -> None:
    attempts: list[int] = []

    def flaky(ctx: JobContext, job: JobView) -> None:
        attempts.append(job.attempts)
        raise ConnectionRefusedError(f"smtp down (try {job.attempts})")

    job_id = add(database, clock, "test.flaky", max_attempts=5)
    worker = make(database, settings, clock, "w1", {"test.flaky": flaky}, seed=4)
    delays = []
    for attempt in range(1, 5):
        assert worker.run_once() == 1
        job = job_row(database, job_id)
        assert (job.status, job.attempts, job.locked_by) == ("queued", attempt, None)
        assert job.last_error == f"ConnectionRefusedError: smtp down (try {attempt})"
        delay = job.run_at - clock.now
        step = BACKOFF_BASE * 2 ** (attempt - 1)
        assert step / 2 <= delay <= step
        delays.append(delay / step)
        assert worker.run_once() == 0  # not due before its backoff
        clock.now = job.run_at
    assert len(set(delays)) == len(delays)  # jittered: each wait a different share of its step
    assert worker.run_once() == 1
    dead = job_row(database, job_id)
    assert (dead.status, dead.attempts, dead.finished_at) == ("dead", 5, clock.now)
    assert dead.last_error == "ConnectionRefusedError: smtp down (try 5)"
    assert attempts == [1, 2, 3, 4, 5]
    clock.advance(days=1)
    assert worker.run_once() == 0  # a dead letter waits for a person


def test_two_workers_jitter_differently(database, settings, clock) -> None:
    def fails(ctx: JobContext, job: JobView) -> None:
        raise TimeoutError("webhook target hangs")

    first, second = add(database, clock, "test.fails"), add(database, clock, "test.fails")
    for name, seed in (("a", 1), ("b", 2)):
        worker = make(database, settings, clock, name, {"test.fails": fails}, seed=seed)
        worker.batch_size = 1
        assert worker.run_once() == 1
    # The same attempt, the same moment, two different waits: they do not retry in step.
    assert job_row(database, first).run_at != job_row(database, second).run_at


def test_permanent_failure_dies_at_once(database, settings, clock) -> None:
    def gone(ctx: JobContext, job: JobView) -> None:
        raise Permanent("invitation 42 does not exist")

    job_id = add(database, clock, "test.gone")
    assert make(database, settings, clock, "w1", {"test.gone": gone}).run_once() == 1
    job = job_row(database, job_id)
    assert (job.status, job.attempts, job.last_error) == ("dead", 1, "invitation 42 does not exist")


def test_an_expired_lease_lets_another_worker_finish(database, settings, clock) -> None:
    ran: list[str] = []

    def effect(ctx: JobContext, job: JobView) -> None:
        ran.append(ctx.worker)

    job_id = add(database, clock, "test.effect")
    a = make(database, settings, clock, "a", {"test.effect": effect})
    b = make(database, settings, clock, "b", {"test.effect": effect})
    [held] = a.claim()  # … and worker a dies before running it
    assert b.run_once() == 0  # leased to a
    clock.advance(minutes=4)
    assert b.run_once() == 0
    clock.advance(minutes=2)  # the 5-minute lease has run out
    assert b.run_once() == 1
    job = job_row(database, job_id)
    assert (job.status, job.attempts, ran) == ("done", 2, ["b"])
    # Worker a wakes up and runs its stale copy: at-least-once (the effect ran twice, which is
    # why handlers keep send keys), but its completion is refused and nothing changes.
    assert a.run(held) is True
    assert ran == ["b", "a"]
    assert job_row(database, job_id).status == "done"


def test_a_pass_is_enqueued_once_per_slot_by_any_number_of_workers(database, settings, clock) -> None:
    ran: list[tuple[str, int]] = []

    def record(kind: str) -> Handler:
        def run(ctx: JobContext, job: JobView) -> None:
            ran.append((kind, job.payload["slot"]))
        return run

    passes = [ScheduledPass("test.minutely", lambda s: 60.0), ScheduledPass("test.five", lambda s: 300.0),
              ScheduledPass("test.off", lambda s: 0.0)]
    handlers = {p.kind: record(p.kind) for p in passes}
    clock.now = dt.datetime(2026, 3, 2, 9, 0, 10, tzinfo=dt.UTC)
    a = make(database, settings, clock, "a", handlers, passes=passes)
    b = make(database, settings, clock, "b", handlers, passes=passes)
    assert (a.schedule_passes(), b.schedule_passes()) == (2, 0)
    clock.advance(seconds=30)  # same slots
    assert (a.schedule_passes(), b.schedule_passes()) == (0, 0)
    clock.advance(seconds=30)  # 09:01:10: a new minute, the same five minutes
    assert (b.schedule_passes(), a.schedule_passes()) == (1, 0)
    late = make(database, settings, clock, "c", handlers, passes=passes)  # a worker started just now
    assert late.schedule_passes() == 0
    assert a.run_until_idle() + b.run_until_idle() == 3
    assert sorted(k for k, _ in ran) == ["test.five", "test.minutely", "test.minutely"]
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(Job).where(Job.kind == "test.off")) == 0


# --- the product's own passes --------------------------------------------------------------


def test_the_invitation_pass_is_wired_in(settings) -> None:
    assert "pass.invitations" in default_handlers()
    [expiry] = [p for p in default_passes() if p.kind == "pass.invitations"]
    assert expiry.interval(settings) == 300


def test_invitation_pass_expires_what_ran_out(client, workspace, database, settings, clock) -> None:
    body = {"deliveries": [
        {"external_id": f"D-{i}", "customer_id": f"c-{i}", "delivered_at": clock.now.isoformat()} for i in range(3)]}
    assert client.post("/api/v1/deliveries", headers=workspace.headers, json=body).status_code == 200
    with database.write() as s:
        answered = s.scalars(select(Invitation).order_by(Invitation.id)).first()
        assert answered is not None
        answered.status = "responded"
        opened = s.scalars(select(Invitation).order_by(Invitation.id.desc())).first()
        assert opened is not None
        opened.status = "opened"
    worker = make(database, settings, clock, "w1", passes_only(), passes=default_passes())
    clock.advance(days=14)  # 30 minutes short of the end (the send was due 30 minutes after delivery)
    worker.run_until_idle()
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(Invitation).where(Invitation.status == "expired")) == 0
    clock.advance(minutes=31)
    worker.run_until_idle()
    with database.read() as s:
        statuses = list(s.scalars(select(Invitation.status).order_by(Invitation.id)))
        runs = s.scalar(select(func.count()).select_from(Job).where(Job.kind == "pass.invitations",
                                                                     Job.status == "done"))
    assert statuses == ["responded", "expired", "expired"]
    assert runs == 2  # one per five-minute slot the worker saw


def test_a_resolved_cases_resurvey_is_left_to_the_case_pass(client, workspace, database, settings, clock) -> None:
    """Expiring a resolved case's re-survey is what closes the case unverified: the invitation
    pass must not take it first, or the case would stay resolved for ever."""
    case_id = answer(client, workspace, clock, "D-1", 2)
    for to in ("contacted", "resolved"):
        assert client.post(f"/api/v1/cases/{case_id}/transitions", headers=workspace.headers,
                           json={"to": to}).status_code == 200
    clock.advance(days=10)  # 48 h + 7 days: the re-survey ran out unanswered
    invitations_only = [p for p in default_passes() if p.kind == "pass.invitations"]
    make(database, settings, clock, "w1", passes_only(), passes=invitations_only).run_until_idle()
    with database.read() as s:
        assert s.scalar(select(Invitation.status).where(Invitation.kind == "resurvey")) == "pending"
        assert s.scalar(select(Invitation.status).where(Invitation.kind == "nps")) == "responded"
    make(database, settings, clock, "w2", passes_only(), passes=default_passes()).run_until_idle()
    with database.read() as s:
        assert s.get_one(Case, case_id).status == "closed_unverified"
        assert s.scalar(select(Invitation.status).where(Invitation.kind == "resurvey")) == "expired"
