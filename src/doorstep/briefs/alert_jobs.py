"""``pass.alerts``: the alert pass, enqueued once per ``DOORSTEP_ALERT_INTERVAL_SECONDS``
(default 15 minutes) by whichever worker gets there first.

One transaction per workspace: a workspace whose evaluation fails (a bad setting
written by hand) does not hold back the others' alerts, and a long pass never holds
one write lock over every workspace.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from doorstep.accounts.models import Workspace
from doorstep.briefs.alert_services import evaluate
from doorstep.jobs.worker import Handler, JobContext, JobView, ScheduledPass

log = logging.getLogger("doorstep.alerts")


def run_alert_pass(ctx: JobContext, job: JobView) -> None:
    with ctx.db.read() as session:
        ids = list(session.scalars(select(Workspace.id).order_by(Workspace.id)))
    failed = []
    for workspace_id in ids:
        try:
            with ctx.db.write() as session:
                workspace = session.get(Workspace, workspace_id)
                if workspace is not None:
                    evaluate(session=session, workspace=workspace, now=ctx.clock(), base_url=ctx.settings.base_url)
        except Exception:
            log.exception("alert pass failed for workspace %s", workspace_id)
            failed.append(workspace_id)
    if failed:
        raise RuntimeError(f"alert pass failed for workspaces {failed}; the others ran")


HANDLERS: dict[str, Handler] = {"pass.alerts": run_alert_pass}
PASSES = (ScheduledPass("pass.alerts", lambda s: s.alert_interval_seconds),)
