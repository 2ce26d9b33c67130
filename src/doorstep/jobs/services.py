"""The outbox: enqueue durable work in the caller's transaction; claim, finish, retry it.

A job is enqueued in the same transaction as the change that needs it, so it exists
if and only if that change committed. ``dedupe_key`` makes enqueueing idempotent
(an escalation enqueues ``escalate:<case>:<clock>`` once however often it is retried).

Claiming takes a lease: a worker that dies keeps its jobs only until ``locked_until``,
then another worker may take them again (at-least-once; effects must be idempotent,
see :class:`doorstep.jobs.models.SentKey`). On PostgreSQL concurrent workers claim
with ``FOR UPDATE SKIP LOCKED`` and never wait for each other; SQLite has one writer
at a time (``BEGIN IMMEDIATE``), so its claims are serialised anyway. The worker loop,
retry policy and channels build on these functions (issue 5).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from doorstep.db import table_of
from doorstep.errors import Conflict, NotFound
from doorstep.jobs.models import Job

DEFAULT_LEASE = dt.timedelta(minutes=5)
MAX_ERROR = 4000


def _insert(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    return insert(table_of(Job))


def enqueue(
    session: Session,
    *,
    kind: str,
    payload: dict[str, Any],
    run_at: dt.datetime,
    dedupe_key: str | None = None,
    workspace_id: int | None = None,
    max_attempts: int = 8,
) -> tuple[int, bool]:
    """Add a job; returns (job id, created). With a ``dedupe_key`` already taken, the
    existing job's id and ``created=False`` (insert-or-ignore: safe under concurrency)."""
    values = {
        "workspace_id": workspace_id,
        "kind": kind,
        "payload": payload,
        "status": "queued",
        "run_at": run_at,
        "attempts": 0,
        "max_attempts": max_attempts,
        "dedupe_key": dedupe_key,
    }
    stmt = _insert(session).values(**values)
    if dedupe_key is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=["dedupe_key"])
    new_id = session.execute(stmt.returning(table_of(Job).c.id)).scalar()
    if new_id is not None:
        return int(new_id), True
    existing = session.scalar(select(Job.id).where(Job.dedupe_key == dedupe_key))
    assert existing is not None  # the conflict was on this key
    return existing, False


def claim(
    session: Session,
    *,
    worker: str,
    now: dt.datetime,
    kinds: Sequence[str] | None = None,
    limit: int = 10,
    lease: dt.timedelta = DEFAULT_LEASE,
) -> list[Job]:
    """Take up to ``limit`` due jobs (queued, or running with an expired lease), oldest
    first, and lease them to ``worker``. Each claim counts as an attempt."""
    where = [
        Job.run_at <= now,
        or_(Job.status == "queued", (Job.status == "running") & (Job.locked_until <= now)),
    ]
    if kinds:
        where.append(Job.kind.in_(list(kinds)))
    stmt = select(Job).where(*where).order_by(Job.run_at, Job.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    jobs = list(session.scalars(stmt))
    for job in jobs:
        job.status = "running"
        job.locked_by = worker
        job.locked_until = now + lease
        job.attempts += 1
    session.flush()
    return jobs


def _leased(session: Session, job_id: int, worker: str) -> Job:
    job = session.get(Job, job_id, with_for_update=True)
    if job is None:
        raise NotFound(f"job {job_id} does not exist")
    if job.status != "running" or job.locked_by != worker:
        raise Conflict(f"job {job_id} is not leased to {worker} (status {job.status}, held by {job.locked_by})")
    return job


def complete(session: Session, *, job_id: int, worker: str, now: dt.datetime) -> Job:
    """Mark a leased job done. A worker whose lease was taken over gets a Conflict."""
    job = _leased(session, job_id, worker)
    job.status = "done"
    job.finished_at = now
    job.locked_by = None
    job.locked_until = None
    session.flush()
    return job


def fail(session: Session, *, job_id: int, worker: str, now: dt.datetime, error: str, retry_at: dt.datetime) -> Job:
    """Record a failed attempt: back to the queue at ``retry_at`` (the caller's backoff),
    or ``dead`` with the last error once its attempts are used up."""
    job = _leased(session, job_id, worker)
    job.last_error = error[:MAX_ERROR]
    job.locked_by = None
    job.locked_until = None
    if job.attempts >= job.max_attempts:
        job.status = "dead"
        job.finished_at = now
    else:
        job.status = "queued"
        job.run_at = retry_at
    session.flush()
    return job


def requeue_expired(session: Session, *, now: dt.datetime) -> int:
    """Give jobs whose worker died (lease expired) back to the queue; returns how many."""
    result = session.execute(
        update(table_of(Job))
        .where(Job.status == "running", Job.locked_until <= now)
        .values(status="queued", locked_by=None, locked_until=None)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
