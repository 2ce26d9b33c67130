"""The outbox: idempotent enqueue, leased claims (SKIP LOCKED on PostgreSQL), done, retry, dead."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from doorstep.errors import Conflict
from doorstep.jobs.models import Job
from doorstep.jobs.services import claim, complete, enqueue, fail, requeue_expired

T0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def test_enqueue_is_idempotent_by_key(database) -> None:
    with database.write() as s:
        first = enqueue(s, kind="notify", payload={"a": 1}, run_at=T0, dedupe_key="k1")
        again = enqueue(s, kind="notify", payload={"a": 2}, run_at=T0, dedupe_key="k1")
        free = enqueue(s, kind="notify", payload={}, run_at=T0)
    assert first[1] is True and again == (first[0], False) and free[1] is True
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(Job)) == 2
        assert s.scalar(select(Job.payload).where(Job.dedupe_key == "k1")) == {"a": 1}


def test_claim_complete_retry_and_dead(database) -> None:
    with database.write() as s:
        enqueue(s, kind="a", payload={}, run_at=T0, max_attempts=2)
        enqueue(s, kind="b", payload={}, run_at=T0 + dt.timedelta(hours=1))
    with database.write() as s:
        jobs = claim(s, worker="w1", now=T0)
        assert [j.kind for j in jobs] == ["a"]  # b is not due yet
        job_id = jobs[0].id
        assert claim(s, worker="w2", now=T0) == []  # leased
    with database.write() as s, pytest.raises(Conflict):
        complete(s, job_id=job_id, worker="w2", now=T0)
    with database.write() as s:
        retried = fail(s, job_id=job_id, worker="w1", now=T0, error="smtp down", retry_at=T0 + dt.timedelta(minutes=1))
        assert (retried.status, retried.attempts) == ("queued", 1)
    with database.write() as s:
        assert claim(s, worker="w1", now=T0) == []
        [job] = claim(s, worker="w1", now=T0 + dt.timedelta(minutes=1), kinds=["a"])
        dead = fail(s, job_id=job.id, worker="w1", now=T0, error="still down", retry_at=T0)
        assert (dead.status, dead.last_error) == ("dead", "still down")
    # A worker that dies loses its lease; the job is claimed again after it expires.
    later = T0 + dt.timedelta(hours=1)
    with database.write() as s:
        [b] = claim(s, worker="w1", now=later, lease=dt.timedelta(minutes=5))
        b_id = b.id
    with database.write() as s:
        assert claim(s, worker="w2", now=later + dt.timedelta(minutes=1)) == []
        assert requeue_expired(s, now=later + dt.timedelta(minutes=1)) == 0
        assert requeue_expired(s, now=later + dt.timedelta(minutes=6)) == 1
    with database.write() as s:
        [again] = claim(s, worker="w2", now=later + dt.timedelta(minutes=6))
        assert (again.id, again.attempts) == (b_id, 2)
        assert complete(s, job_id=b_id, worker="w2", now=later).status == "done"


def test_concurrent_workers_never_claim_the_same_job(database) -> None:
    with database.write() as s:
        for i in range(40):
            enqueue(s, kind="n", payload={"i": i}, run_at=T0)
    claimed: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def worker(name: str) -> None:
        try:
            barrier.wait()
            while True:
                with database.write() as s:
                    jobs = claim(s, worker=name, now=T0, limit=3)
                    ids = [j.id for j in jobs]
                    for j in ids:
                        complete(s, job_id=j, worker=name, now=T0)
                if not ids:
                    return
                claimed.extend(ids)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(claimed) == sorted(set(claimed)) and len(claimed) == 40
