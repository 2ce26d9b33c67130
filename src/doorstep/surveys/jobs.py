"""The surveys' work for the jobs worker: the invitation pass, and the follow-up of
imported answers (``responses.follow_up``: analysis, attribution, cases and events of a
bulk import, queued by ``ingest_responses`` with the answers themselves).

``pass.invitations`` marks invitations whose time ran out as ``expired``, every five
minutes. The survey page already refuses an expired token by its ``expires_at``;
the status makes it count as expired everywhere else too (the admin page, a
pending ``invitation.send`` job that checks it, the figures).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from doorstep.accounts.models import Workspace
from doorstep.cases.models import Case
from doorstep.db import Database, table_of
from doorstep.jobs import services as jobs
from doorstep.jobs.worker import Handler, JobContext, JobView, ScheduledPass
from doorstep.surveys.models import Invitation
from doorstep.surveys.services import FOLLOW_UP, OPEN_STATES, follow_up

log = logging.getLogger("doorstep.surveys")

EXPIRY_INTERVAL_SECONDS = 300.0


def expire_invitations(session: Session, *, now: dt.datetime) -> int:
    """Mark every open invitation (all workspaces) past its ``expires_at`` as expired;
    returns how many. Scans by time, so it is right after any downtime.

    A resolved case's re-survey is left to the case pass: letting it expire is what
    closes that case unverified, and that pass looks for it still open.
    """
    waiting_case = select(Case.id).where(Case.status == "resolved")
    result = session.execute(
        update(table_of(Invitation))
        .where(
            Invitation.expires_at <= now,
            Invitation.status.in_(OPEN_STATES),
            or_(
                Invitation.kind != "resurvey",
                Invitation.case_id.is_(None),
                Invitation.case_id.not_in(waiting_case),
            ),
        )
        .values(status="expired")
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def run_invitation_pass(ctx: JobContext, job: JobView) -> None:
    with ctx.db.write() as session:
        expired = expire_invitations(session, now=ctx.clock())
    if expired:
        log.info("expired %s invitation(s)", expired)




# --- the follow-up of imported answers -------------------------------------------------


def follow_up_job(session: Session, workspace_id: int | None, payload: dict[str, Any]) -> int:
    """Run one ``responses.follow_up`` job's work in the caller's transaction; returns the
    cases opened. A workspace deleted since has nothing left to follow up."""
    workspace = session.get(Workspace, workspace_id) if workspace_id is not None else None
    if workspace is None:
        return 0
    since = payload.get("announce_since")
    return follow_up(session, workspace=workspace, response_ids=[int(i) for i in payload["response_ids"]],
                     announce_since=dt.datetime.fromisoformat(since) if since else None)


# What a follow-up writes in bulk: their statistics are kept up as it goes (Database.refresh_stale_statistics).
FOLLOW_UP_TABLES = ("responses", "response_themes", "cases", "case_events")


def run_follow_up(ctx: JobContext, job: JobView) -> None:
    with ctx.db.write() as session:
        opened = follow_up_job(session, job.workspace_id, job.payload)
    ctx.db.refresh_stale_statistics(FOLLOW_UP_TABLES)
    log.info("followed up %s answer(s), %s case(s) opened", len(job.payload["response_ids"]), opened)


def run_follow_ups_here(
    db: Database, job_ids: Sequence[int], *, worker: str, clock: Callable[[], dt.datetime],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Run these follow-up jobs in this process, one transaction each that also marks the
    job done (``doorstep import responses --wait``); returns the cases opened. They are
    claimed like any job, so a worker running meanwhile takes none of them twice; one that
    fails stays leased and a worker retries it when the lease runs out."""
    opened = 0
    for job_id in job_ids:
        with db.write() as session:
            claimed = jobs.claim(session, worker=worker, now=clock(), kinds=[FOLLOW_UP], ids=[job_id], limit=1)
            if not claimed:  # a worker got there first
                continue
            workspace_id, payload = claimed[0].workspace_id, dict(claimed[0].payload)
        with db.write() as session:
            opened += follow_up_job(session, workspace_id, payload)
            jobs.complete(session, job_id=job_id, worker=worker, now=clock())
        db.refresh_stale_statistics(FOLLOW_UP_TABLES)
        if progress:
            progress(len(payload["response_ids"]))
    return opened


HANDLERS: dict[str, Handler] = {"pass.invitations": run_invitation_pass, FOLLOW_UP: run_follow_up}
PASSES = (ScheduledPass("pass.invitations", lambda s: EXPIRY_INTERVAL_SECONDS),)
