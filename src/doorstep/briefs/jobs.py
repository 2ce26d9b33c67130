"""The brief's scheduled work, run by the jobs worker.

``pass.briefs`` runs every few minutes. For each workspace with a ``brief_schedule``
(weekday and hour, in the workspace's timezone) whose moment has come this week, it
makes last week's brief and publishes it, unless that was done already: making and
publishing are both idempotent, so the pass can run any number of times (several
workers, a restart, a worker that was down at the hour and catches up later that week)
and each week's brief goes out once.

``brief.email`` sends one published brief to one recipient, with the page inline: the
stored page rendered again from its stored content, each chart as a PNG attached by
Content-ID instead of inline SVG (:func:`doorstep.briefs.render.render_email`), and the
Markdown as the plain-text alternative.
Exactly once in effect, as the survey e-mails: a send key is recorded as ``sending``
before the SMTP conversation and confirmed after it (see :mod:`doorstep.channels.email`).
"""

from __future__ import annotations

import datetime as dt
import logging
from email.utils import parseaddr

from sqlalchemy import select

from doorstep.accounts.models import Workspace
from doorstep.accounts.services import workspace_settings
from doorstep.accounts.settings import BriefSchedule
from doorstep.briefs.models import Brief
from doorstep.briefs.periods import last_complete, period_containing
from doorstep.briefs.render import brief_title, render_email, render_markdown
from doorstep.briefs.services import EMAIL_KIND, make_brief, publish_brief
from doorstep.db import Database
from doorstep.jobs.worker import Handler, JobContext, JobView, Permanent, ScheduledPass
from doorstep.timeutil import zone

log = logging.getLogger("doorstep.briefs")

PASS_KIND = "pass.briefs"  # noqa: S105 - a job kind, not a password
PASS_INTERVAL_SECONDS = 300.0


def scheduled_moment(schedule: BriefSchedule, now: dt.datetime, timezone: str) -> dt.datetime:
    """This week's (Monday-based, local) moment of the schedule, as a UTC instant."""
    tz = zone(timezone)
    week = period_containing("week", now.astimezone(tz).date(), tz)
    day = week.start + dt.timedelta(days=schedule.day - 1)
    return dt.datetime.combine(day, dt.time(hour=schedule.hour), tzinfo=tz).astimezone(dt.UTC)


def due_workspaces(db: Database, now: dt.datetime) -> list[int]:
    """Workspaces whose brief moment has come this week."""
    with db.read() as session:
        workspaces = session.scalars(select(Workspace).order_by(Workspace.id)).all()
        due = []
        for workspace in workspaces:
            schedule = workspace_settings(workspace).brief_schedule
            if schedule is not None and now >= scheduled_moment(schedule, now, workspace.timezone):
                due.append(workspace.id)
        return due


def run_brief_pass(ctx: JobContext, job: JobView) -> None:
    """Make and publish last week's brief for every workspace whose moment has come."""
    now = ctx.clock()
    for workspace_id in due_workspaces(ctx.db, now):
        # One transaction per workspace: one workspace's failure does not hold back the others.
        try:
            with ctx.db.write() as session:
                workspace = session.get_one(Workspace, workspace_id)
                period = last_complete("week", now, zone(workspace.timezone))
                brief, made = make_brief(session=session, workspace=workspace, period=period, now=now,
                                         base_url=ctx.settings.base_url)
                published = publish_brief(session=session, workspace=workspace, brief=brief, now=now,
                                          base_url=ctx.settings.base_url)
            if made or published:
                log.info("brief %s (%s %s) of workspace %s: made=%s published=%s", brief.id, period.kind,
                         period.start, workspace_id, made, published)
        except Exception:
            log.exception("the brief of workspace %s failed; the next pass tries again", workspace_id)


def send_brief(ctx: JobContext, job: JobView) -> None:
    """Job ``brief.email``: the stored brief's page, inline with PNG charts, to one recipient."""
    # The survey e-mails' send-key helpers: one definition of "exactly once in effect".
    from doorstep.channels.email import (
        InlineImage,
        SurveyMail,
        build_message,
        mark_sent,
        message_id,
        send_once,
        smtp_enabled,
    )

    brief_id, to = job.payload.get("brief_id"), job.payload.get("to")
    if not isinstance(brief_id, int) or not isinstance(to, str):
        raise Permanent(f"payload needs brief_id and to: {job.payload!r}")
    if not smtp_enabled(ctx.settings):
        log.info("brief %s to %s: nothing sent: e-mail is off (no SMTP host configured)", brief_id, to)
        return
    now = ctx.clock()
    with ctx.db.read() as session:
        brief = session.get(Brief, brief_id)
        if brief is None:
            log.info("brief %s no longer exists; nothing sent", brief_id)
            return
        content, lang = brief.content, brief.locale
    key = f"email:brief:{brief_id}:{to.lower()}"[:200]
    domain = parseaddr(ctx.settings.smtp_from)[1].rpartition("@")[2] or "doorstep.invalid"
    page = render_email(content, base_url=ctx.settings.base_url, brief_id=brief_id, cid_domain=domain)
    mail = SurveyMail(subject=brief_title(content), html=page.html,
                      text=render_markdown(content, base_url=ctx.settings.base_url, brief_id=brief_id), lang=lang,
                      images=tuple(InlineImage(i.cid, i.png, i.filename) for i in page.images))
    try:
        message = build_message(mail, sender=ctx.settings.smtp_from, to_address=to, to_name=None,
                                msg_id=message_id(key, f"brief{brief_id}", ctx.settings.smtp_from), date=now)
    except ValueError as exc:
        raise Permanent(f"cannot e-mail brief {brief_id}: {exc}") from exc
    if not send_once(ctx, key, job.id, message, now=now):
        return
    with ctx.db.write() as session:
        mark_sent(session, key, ctx.clock())
    log.info("brief %s sent to %s", brief_id, to)


HANDLERS: dict[str, Handler] = {PASS_KIND: run_brief_pass, EMAIL_KIND: send_brief}
PASSES = (ScheduledPass(PASS_KIND, lambda s: PASS_INTERVAL_SECONDS),)
