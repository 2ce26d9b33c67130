"""The jobs queue over HTTP: the caller's workspace's jobs, one job, a retry, and e-mail's pause.

Only the caller's own workspace: another workspace's job id is a 404, as if it did
not exist, and the scheduled passes (which belong to no workspace) are the
operator's business (`doorstep jobs --all`). Retrying anything but a dead job is a 409.

E-mail's pause (doorstep.channels.email_pause) holds every workspace's e-mail, so any
workspace's admin may see it and lift it, as on /admin/jobs; what is shown of the SMTP
settings never includes the password, and the waiting count is the caller's workspace's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from doorstep.api.deps import AdminDep, DbDep, NowDep, client_address
from doorstep.api.params import MAX_OFFSET, RowId
from doorstep.channels import email_pause
from doorstep.jobs import services as jobs

router = APIRouter(prefix="/api/v1", tags=["jobs"])

JobStatus = Literal["queued", "running", "done", "dead"]

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such job in this workspace."}}


class JobPublic(BaseModel):
    id: int
    kind: str = Field(description="invitation.send, invitation.remind, webhook.deliver, …")
    status: JobStatus
    payload: dict[str, Any]
    run_at: dt.datetime = Field(description="Not before this time (the next attempt's, for a retry).")
    attempts: int
    max_attempts: int
    last_error: str | None = Field(description="Why the last attempt failed; a dead letter's reason.")
    dedupe_key: str | None
    locked_by: str | None = Field(description="The worker running it now.")
    locked_until: dt.datetime | None
    created_at: dt.datetime
    finished_at: dt.datetime | None


class JobCounts(BaseModel):
    by_status: dict[str, int]
    by_kind: dict[str, dict[str, int]] = Field(description="kind → status → count.")


class JobList(BaseModel):
    counts: JobCounts
    jobs: list[JobPublic]
    total: int = Field(description="Jobs matching the filters.")
    limit: int
    offset: int


def _public(job: dict[str, Any]) -> JobPublic:
    return JobPublic(**{k: v for k, v in job.items() if k != "workspace_id"})


@router.get("/jobs", response_model=JobList, summary="The workspace's jobs, newest first, with counts")
def get_jobs(
    caller: AdminDep,
    db: DbDep,
    status: JobStatus | None = None,
    kind: str | None = Query(None, max_length=64),
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> JobList:
    with db.read() as session:
        counts = jobs.job_counts(session, workspace_id=caller.workspace.id)
        page = jobs.list_jobs(session, workspace_id=caller.workspace.id, status=status, kind=kind,
                              limit=limit, offset=offset)
    return JobList(counts=JobCounts(**counts), jobs=[_public(j) for j in page.jobs], total=page.total,
                   limit=limit, offset=offset)


@router.get("/jobs/{job_id}", response_model=JobPublic, responses=NOT_FOUND, summary="One job")
def get_one_job(job_id: RowId, caller: AdminDep, db: DbDep) -> JobPublic:
    with db.read() as session:
        return _public(jobs.job_dict(jobs.get_job(session, job_id=job_id, workspace_id=caller.workspace.id)))


@router.post(
    "/jobs/{job_id}/retry",
    response_model=JobPublic,
    summary="Run a dead job again, now, with a fresh set of attempts",
    responses={**NOT_FOUND, 409: {"description": "The job is not dead (queued, running or done)."}},
)
def retry_job(job_id: RowId, caller: AdminDep, db: DbDep, now: NowDep) -> JobPublic:
    with db.write() as session:
        job = jobs.retry(session, job_id=job_id, now=now, workspace_id=caller.workspace.id)
        return _public(jobs.job_dict(job))


class EmailPausePublic(BaseModel):
    step: str = Field(description="Where it failed: connect, tls, login, send, settings.")
    error: str = Field(description="What the server or the check said.")
    server: dict[str, Any] = Field(description="Host, port, security, user, CA file; never the password.")
    paused_at: dt.datetime
    failed_at: dt.datetime = Field(description="The latest failure that kept it paused.")
    paused_by: str | None = Field(description="The job or command whose attempt failed.")


class EmailStatus(BaseModel):
    paused: bool
    pause: EmailPausePublic | None = Field(description="Why and since when, while paused.")
    waiting: int = Field(description="This workspace's queued e-mail jobs (what a pause holds back).")


class EmailResumed(EmailStatus):
    resumed: bool = Field(description="False when e-mail was not paused (nothing was done, nothing audited).")


def _pause(pause: email_pause.Pause | None) -> EmailPausePublic | None:
    if pause is None:
        return None
    return EmailPausePublic(step=pause.step, error=pause.error, server=pause.server, paused_at=pause.paused_at,
                            failed_at=pause.failed_at, paused_by=pause.paused_by)


@router.get("/email", response_model=EmailStatus, summary="Whether e-mail is paused, why, and what waits")
def get_email_status(caller: AdminDep, db: DbDep) -> EmailStatus:
    with db.read() as session:
        pause = email_pause.current(session)
        waiting = email_pause.waiting(session, workspace_id=caller.workspace.id)
    return EmailStatus(paused=pause is not None, pause=_pause(pause), waiting=waiting)


@router.post(
    "/email/resume",
    response_model=EmailResumed,
    summary="Lift e-mail's pause (\"try again\"), audited; the waiting e-mail jobs are due now",
)
def resume_email(request: Request, caller: AdminDep, db: DbDep, now: NowDep) -> EmailResumed:
    with db.write() as session:
        lifted = email_pause.resume(session, now=now, actor_kind=caller.actor_kind, actor=caller.actor,
                                    workspace_id=caller.workspace.id, via="api", client=client_address(request))
        waiting = email_pause.waiting(session, workspace_id=caller.workspace.id)
    return EmailResumed(resumed=lifted is not None, paused=False, pause=None, waiting=waiting)
