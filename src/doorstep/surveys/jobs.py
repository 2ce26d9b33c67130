"""The surveys' scheduled work, run by the jobs worker.

``pass.invitations`` marks invitations whose time ran out as ``expired``, every five
minutes. The survey page already refuses an expired token by its ``expires_at``;
the status makes it count as expired everywhere else too (the admin page, a
pending ``invitation.send`` job that checks it, the figures).
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from doorstep.cases.models import Case
from doorstep.db import table_of
from doorstep.jobs.worker import Handler, JobContext, JobView, ScheduledPass
from doorstep.surveys.models import Invitation
from doorstep.surveys.services import OPEN_STATES

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


HANDLERS: dict[str, Handler] = {"pass.invitations": run_invitation_pass}
PASSES = (ScheduledPass("pass.invitations", lambda s: EXPIRY_INTERVAL_SECONDS),)
