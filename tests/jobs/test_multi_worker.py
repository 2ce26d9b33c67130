"""Several workers at once: every job runs exactly once.

PostgreSQL: four worker threads claim 400 jobs concurrently (FOR UPDATE SKIP LOCKED, so
they never wait for each other). SQLite: two workers, its one writer at a time. A test
handler records each run in a table of its own, in its own transaction, as a real
handler records its effect; the table is the witness.
"""

from __future__ import annotations

import random
import threading
from collections import Counter

from sqlalchemy import Column, Integer, MetaData, String, Table, func, select

from doorstep.jobs.models import Job
from doorstep.jobs.services import NewJob, enqueue_many
from doorstep.jobs.worker import JobContext, JobView, Worker

RUNS = Table(
    "test_job_runs", MetaData(),
    Column("job_id", Integer, nullable=False),
    Column("worker", String(120), nullable=False),
)
JOBS = 400


def record(ctx: JobContext, job: JobView) -> None:
    with ctx.db.write() as s:
        s.execute(RUNS.insert().values(job_id=job.id, worker=ctx.worker))


def test_every_job_runs_exactly_once(database, settings, clock) -> None:
    RUNS.create(database.engine, checkfirst=True)
    with database.write() as s:
        enqueue_many(s, [NewJob("test.record", {"n": i}, clock.now, dedupe_key=f"record:{i}") for i in range(JOBS)])
        # Enqueueing the same batch again changes nothing (insert-or-ignore on the key).
        enqueue_many(s, [NewJob("test.record", {"n": i}, clock.now, dedupe_key=f"record:{i}") for i in range(JOBS)])
    threads_wanted = 2 if database.is_sqlite else 4
    barrier = threading.Barrier(threads_wanted)
    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            ctx = JobContext(db=database, settings=settings, clock=clock, worker=name)
            worker = Worker(ctx, handlers={"test.record": record}, passes=[], batch_size=5,
                            rng=random.Random(name))
            barrier.wait()
            worker.run_until_idle(max_rounds=10_000)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(f"w{i}",)) for i in range(threads_wanted)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert not any(t.is_alive() for t in threads)
    with database.read() as s:
        runs = Counter(s.execute(select(RUNS.c.job_id)).scalars())
        by_worker = Counter(s.execute(select(RUNS.c.worker)).scalars())
        statuses = dict(s.execute(select(Job.status, func.count()).group_by(Job.status)).all())
        attempts = set(s.scalars(select(Job.attempts)))
        ids = set(s.scalars(select(Job.id)))
    assert len(ids) == JOBS
    assert set(runs) == ids and set(runs.values()) == {1}  # each job ran, and ran once
    assert statuses == {"done": JOBS}
    assert attempts == {1}  # never claimed twice
    assert sum(by_worker.values()) == JOBS
    if not database.is_sqlite:
        assert len(by_worker) >= 2, by_worker  # the work really was shared
