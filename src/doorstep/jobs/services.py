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
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, String, Table, cast, func, literal, or_, select, update
from sqlalchemy.orm import Session

from doorstep.db import UTCDateTime, table_of, utcnow
from doorstep.errors import Conflict, NotFound
from doorstep.jobs.models import JOB_STATUSES, Job

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
    ids: Sequence[int] | None = None,
) -> list[Job]:
    """Take up to ``limit`` due jobs (queued, or running with an expired lease), oldest
    first, and lease them to ``worker``. Each claim counts as an attempt. ``ids``: only
    these (a command running the jobs it queued itself)."""
    where = [
        Job.run_at <= now,
        or_(Job.status == "queued", (Job.status == "running") & (Job.locked_until <= now)),
    ]
    if kinds:
        where.append(Job.kind.in_(list(kinds)))
    if ids is not None:
        where.append(Job.id.in_(list(ids)))
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


def fail(
    session: Session, *, job_id: int, worker: str, now: dt.datetime, error: str, retry_at: dt.datetime | None
) -> Job:
    """Record a failed attempt: back to the queue at ``retry_at`` (the caller's backoff),
    or ``dead`` with the last error once its attempts are used up (or at once when
    ``retry_at`` is None: a permanent failure that no retry can fix)."""
    job = _leased(session, job_id, worker)
    job.last_error = error[:MAX_ERROR]
    job.locked_by = None
    job.locked_until = None
    if retry_at is None or job.attempts >= job.max_attempts:
        job.status = "dead"
        job.finished_at = now
    else:
        job.status = "queued"
        job.run_at = retry_at
    session.flush()
    return job


def defer(
    session: Session, *, job_id: int, worker: str, run_at: dt.datetime, note: str
) -> Job:
    """Put a leased job back in the queue, due at ``run_at``, without counting this attempt:
    nothing about the job failed, its channel is paused (see
    :class:`doorstep.jobs.worker.Deferred`). ``note`` becomes its last error, so the page
    says why it waits."""
    job = _leased(session, job_id, worker)
    job.status = "queued"
    job.run_at = run_at
    job.attempts = max(job.attempts - 1, 0)
    job.last_error = note[:MAX_ERROR]
    job.locked_by = None
    job.locked_until = None
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


def purge_finished(session: Session, *, before: dt.datetime) -> int:
    """Forget done jobs finished before ``before`` (dead letters stay until a person acts)."""
    from sqlalchemy import delete

    result = session.execute(
        delete(table_of(Job)).where(Job.status == "done", Job.finished_at < before)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# --- many at once, and what a person sees and does (CLI, API, admin page) ----------


class NewJob(NamedTuple):
    """One job for :func:`enqueue_many` (a tuple: an import makes hundreds of thousands)."""

    kind: str
    payload: dict[str, Any]
    run_at: dt.datetime
    dedupe_key: str | None = None
    workspace_id: int | None = None
    max_attempts: int = 8


def enqueue_many(session: Session, new_jobs: Sequence[NewJob], *, now: dt.datetime | None = None) -> None:
    """Add many jobs in one executemany (an import enqueues thousands; one round trip each
    would cost more than the import itself). Insert-or-ignore on ``dedupe_key`` as in
    :func:`enqueue`. No RETURNING and no count: on PostgreSQL either makes the batch
    several times slower, and the drivers do not agree on an executemany's rowcount.
    ``now`` is their ``created_at`` (the caller's clock; default: the real time)."""
    if not new_jobs:
        return
    created_at = now or utcnow()  # one value for the batch, not a default called per row
    rows = [
        {
            "workspace_id": j.workspace_id,
            "kind": j.kind,
            "payload": j.payload,
            "status": "queued",
            "run_at": j.run_at,
            "attempts": 0,
            "max_attempts": j.max_attempts,
            "dedupe_key": j.dedupe_key,
            "created_at": created_at,
        }
        for j in new_jobs
    ]
    session.execute(_insert(session).on_conflict_do_nothing(index_elements=["dedupe_key"]), rows)


def enqueue_per_row(
    session: Session,
    *,
    kind: str,
    table: Table,
    where: Sequence[ColumnElement[bool]],
    payload_key: str,
    dedupe_prefix: str,
    run_at: ColumnElement[dt.datetime],
    now: dt.datetime,
    max_attempts: int = 8,
) -> None:
    """One ``kind`` job for each row of ``table`` that matches ``where``, made by the database
    in a single INSERT … SELECT: payload ``{payload_key: row id}``, due at the row's
    ``run_at``, dedupe key ``<dedupe_prefix>:<row id>`` (insert-or-ignore, as :func:`enqueue`).

    For the rows a bulk write just made (an import's invitations): no ids travel back to
    Python and no parameters are processed per row, so a batch of thousands costs about
    what one more index look-up per row costs.
    """
    row_id = table.c.id
    dialect = session.get_bind().dialect.name
    build = func.json_build_object if dialect == "postgresql" else func.json_object
    rows = select(
        table.c.workspace_id,
        literal(kind),
        build(payload_key, row_id),
        literal("queued"),
        run_at,
        literal(0),
        literal(max_attempts),
        literal(f"{dedupe_prefix}:") + cast(row_id, String),
        literal(now, UTCDateTime()),
    ).where(*where)
    columns = ["workspace_id", "kind", "payload", "status", "run_at", "attempts", "max_attempts", "dedupe_key",
               "created_at"]
    stmt = _insert(session).from_select(columns, rows).on_conflict_do_nothing(index_elements=["dedupe_key"])
    session.execute(stmt)


@dataclass
class JobPage:
    jobs: list[dict[str, Any]]
    total: int


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def job_dict(job: Job) -> dict[str, Any]:
    """A job as the CLI (--json) and the API show it."""
    return {
        "id": job.id,
        "workspace_id": job.workspace_id,
        "kind": job.kind,
        "status": job.status,
        "payload": job.payload,
        "run_at": _iso(job.run_at),
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "last_error": job.last_error,
        "dedupe_key": job.dedupe_key,
        "locked_by": job.locked_by,
        "locked_until": _iso(job.locked_until),
        "created_at": _iso(job.created_at),
        "finished_at": _iso(job.finished_at),
    }


def _scope(workspace_id: int | None, include_system: bool, everything: bool) -> list[Any]:
    """Which jobs a caller may see: one workspace's; with ``include_system`` also the
    jobs that belong to none (scheduled passes); ``everything`` for an operator."""
    if everything:
        return []
    if include_system:
        return [or_(Job.workspace_id == workspace_id, Job.workspace_id.is_(None))]
    return [Job.workspace_id == workspace_id]


def list_jobs(
    session: Session,
    *,
    workspace_id: int | None,
    status: str | None = None,
    kind: str | None = None,
    include_system: bool = False,
    everything: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> JobPage:
    """Jobs newest first, filtered by status and kind."""
    where = _scope(workspace_id, include_system, everything)
    if status is not None:
        where.append(Job.status == status)
    if kind is not None:
        where.append(Job.kind == kind)
    total = session.scalar(select(func.count()).select_from(Job).where(*where)) or 0
    rows = session.scalars(select(Job).where(*where).order_by(Job.id.desc()).limit(limit).offset(offset))
    return JobPage([job_dict(j) for j in rows], int(total))


def next_due(
    session: Session, *, workspace_id: int | None, limit: int = 10, include_system: bool = False
) -> list[dict[str, Any]]:
    """The queued jobs that run next, soonest first."""
    rows = session.scalars(
        select(Job)
        .where(*_scope(workspace_id, include_system, False), Job.status == "queued")
        .order_by(Job.run_at, Job.id)
        .limit(limit)
    )
    return [job_dict(j) for j in rows]


def job_counts(
    session: Session, *, workspace_id: int | None, include_system: bool = False, everything: bool = False
) -> dict[str, Any]:
    """How many jobs in each status, overall and per kind (one GROUP BY)."""
    by_status = dict.fromkeys(JOB_STATUSES, 0)
    by_kind: dict[str, dict[str, int]] = {}
    rows = session.execute(
        select(Job.kind, Job.status, func.count())
        .where(*_scope(workspace_id, include_system, everything))
        .group_by(Job.kind, Job.status)
    ).all()
    for kind, status, count in rows:
        by_status[status] = by_status.get(status, 0) + int(count)
        by_kind.setdefault(kind, dict.fromkeys(JOB_STATUSES, 0))[status] = int(count)
    return {"by_status": by_status, "by_kind": dict(sorted(by_kind.items()))}


def get_job(
    session: Session, *, job_id: int, workspace_id: int | None, include_system: bool = False,
    everything: bool = False, for_update: bool = False,
) -> Job:
    """One job; another workspace's is NotFound, as if it did not exist."""
    stmt = select(Job).where(Job.id == job_id, *_scope(workspace_id, include_system, everything))
    if for_update:
        stmt = stmt.with_for_update()
    job = session.scalar(stmt)
    if job is None:
        raise NotFound(f"job {job_id} does not exist")
    return job


def retry(
    session: Session, *, job_id: int, now: dt.datetime, workspace_id: int | None,
    include_system: bool = False, everything: bool = False,
) -> Job:
    """Give a dead job another full set of attempts, due now. Its last error stays until
    the next attempt replaces it, so the page still says why it died."""
    job = get_job(session, job_id=job_id, workspace_id=workspace_id, include_system=include_system,
                  everything=everything, for_update=True)
    if job.status != "dead":
        raise Conflict(f"job {job_id} is {job.status}: only a dead job can be retried")
    job.status = "queued"
    job.run_at = now
    job.attempts = 0
    job.finished_at = None
    job.locked_by = None
    job.locked_until = None
    session.flush()
    return job


def cancel(
    session: Session, *, job_id: int, now: dt.datetime, workspace_id: int | None, actor: str = "a person",
    include_system: bool = False, everything: bool = False,
) -> Job:
    """Withdraw a queued job. It joins the dead letters with the reason rather than
    vanishing (there is no other final state), so it can still be retried."""
    job = get_job(session, job_id=job_id, workspace_id=workspace_id, include_system=include_system,
                  everything=everything, for_update=True)
    if job.status != "queued":
        raise Conflict(f"job {job_id} is {job.status}: only a queued job can be cancelled")
    job.status = "dead"
    job.finished_at = now
    job.last_error = f"cancelled by {actor}"[:MAX_ERROR]
    session.flush()
    return job
