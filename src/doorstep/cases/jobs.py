"""The closed loop's scheduled work, run by the jobs worker.

``pass.cases`` is the scheduler pass (escalations, re-survey expiry), enqueued once
per ``DOORSTEP_SCHEDULER_INTERVAL_SECONDS`` by whichever worker gets there first;
``pass.jobs_cleanup`` forgets finished jobs after their retention period.
"""

from __future__ import annotations

import datetime as dt

from doorstep.cases.escalation import scheduler_pass
from doorstep.jobs.services import purge_finished
from doorstep.jobs.worker import Handler, JobContext, JobView, ScheduledPass

JOB_RETENTION = dt.timedelta(days=30)


def run_case_pass(ctx: JobContext, job: JobView) -> None:
    with ctx.db.write() as session:
        scheduler_pass(session, ctx.clock())


def run_jobs_cleanup(ctx: JobContext, job: JobView) -> None:
    with ctx.db.write() as session:
        purge_finished(session, before=ctx.clock() - JOB_RETENTION)


HANDLERS: dict[str, Handler] = {"pass.cases": run_case_pass, "pass.jobs_cleanup": run_jobs_cleanup}
PASSES = (
    ScheduledPass("pass.cases", lambda s: s.scheduler_interval_seconds),
    ScheduledPass("pass.jobs_cleanup", lambda s: 24 * 3600.0),
)
