"""Making, storing and publishing briefs.

A stored brief is a snapshot: :func:`make_brief` gathers the figures once, renders the
page once and keeps both; asking again for the same workspace, period and start gives
the stored brief back untouched, however much data arrived since (the database's
unique key on (workspace, period, period_start) holds that even for two makers at once).
:func:`publish_brief` marks it published and, in the same transaction, enqueues one
e-mail per recipient and the ``brief.published`` event for chat and webhook
subscribers; publishing twice sends nothing new.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from doorstep.accounts.models import Workspace
from doorstep.accounts.services import workspace_settings
from doorstep.briefs.content import gather
from doorstep.briefs.models import Brief
from doorstep.briefs.periods import Period, check_kind, last_complete, period_containing, period_starting
from doorstep.briefs.render import brief_title, render_html
from doorstep.errors import InvalidInput, NotFound
from doorstep.jobs.services import enqueue
from doorstep.timeutil import zone
from doorstep.web.i18n import normalise

EMAIL_KIND = "brief.email"
PUBLISHED = "brief.published"


def brief_locale(workspace: Workspace) -> str:
    """The brief's language: the workspace's brief setting, else its locale, else English."""
    return workspace_settings(workspace).brief_locale or normalise(workspace.locale) or "en"


def choose_period(
    workspace: Workspace, kind: str, *, now: dt.datetime, start: dt.date | None = None, at: dt.date | None = None
) -> Period:
    """The period asked for: starting on ``start``, or holding the local date ``at``, else
    the latest one that has ended (in the workspace's timezone)."""
    tz = zone(workspace.timezone)
    check_kind(kind)
    if start is not None:
        return period_starting(kind, start, tz)
    if at is not None:
        return period_containing(kind, at, tz)
    return last_complete(kind, now, tz)


def preview(
    *, session: Session, workspace: Workspace, period: Period, now: dt.datetime, base_url: str
) -> tuple[dict[str, Any], str]:
    """The content and page of a brief, not stored (``doorstep brief`` without --publish, a preview page)."""
    content = gather(session=session, workspace=workspace, period=period, now=now, locale=brief_locale(workspace))
    return content, render_html(content, base_url=base_url)


def find_brief(*, session: Session, workspace: Workspace, period: Period) -> Brief | None:
    return session.scalar(
        select(Brief).where(
            Brief.workspace_id == workspace.id, Brief.period == period.kind, Brief.period_start == period.start
        )
    )


def make_brief(
    *, session: Session, workspace: Workspace, period: Period, now: dt.datetime, base_url: str
) -> tuple[Brief, bool]:
    """The stored brief of ``period``, made now if there is none yet; returns (brief, made).
    An existing brief is returned as it is: a brief never changes once made."""
    existing = find_brief(session=session, workspace=workspace, period=period)
    if existing is not None:
        return existing, False
    if period.until > now:
        # A snapshot of a week still under way would be kept as if it were the whole week.
        raise InvalidInput(f"the {period.kind} of {period.start.isoformat()} has not ended yet: a brief is stored "
                           "once its period is over (without --publish it can be previewed)", field="period")
    content = gather(session=session, workspace=workspace, period=period, now=now, locale=brief_locale(workspace))
    brief = Brief(
        workspace_id=workspace.id,
        period=period.kind,
        period_start=period.start,
        period_end=period.end,
        locale=content["locale"],
        content=content,
        html="",
        created_at=now,
    )
    session.add(brief)
    session.flush()
    # Rendered after the insert so the page can link to itself.
    brief.html = render_html(content, base_url=base_url, brief_id=brief.id)
    session.flush()
    return brief, True


def brief_url(base_url: str, brief_id: int) -> str:
    return f"{base_url.rstrip('/')}/briefs/{brief_id}"


def publish_brief(
    *, session: Session, workspace: Workspace, brief: Brief, now: dt.datetime, base_url: str
) -> bool:
    """Publish once: e-mail every recipient and tell chat and webhook subscribers.
    Returns False (and does nothing) when the brief was published already."""
    from doorstep.channels.events import emit  # channels build on jobs; imported late to keep briefs light

    if brief.published_at is not None:
        return False
    brief.published_at = now
    for address in workspace_settings(workspace).brief_recipients:
        enqueue(
            session, kind=EMAIL_KIND, payload={"brief_id": brief.id, "to": address}, run_at=now,
            dedupe_key=f"brief-mail:{brief.id}:{address.lower()}"[:200], workspace_id=workspace.id,
        )
    content = brief.content
    emit(
        session,
        workspace_id=workspace.id,
        event=PUBLISHED,
        event_id=f"brief:{brief.id}",
        data={
            "case": None, "response": None, "delivery": None, "customer": None,
            "title": brief_title(content),
            "url": brief_url(base_url, brief.id),
            "brief": {
                "id": brief.id,
                "period": brief.period,
                "period_start": brief.period_start.isoformat(),
                "period_end": brief.period_end.isoformat(),
                "locale": brief.locale,
                "nps": content["nps"]["nps"],
                "responses": content["nps"]["responses"],
                "change": content["nps"]["change"],
            },
        },
        now=now,
    )
    session.flush()
    return True


def brief_summary(brief: Brief, lang: str | None = None) -> dict[str, Any]:
    """A brief in a list (CLI ``briefs list --json``, API ``GET /api/v1/briefs``, the /briefs
    page); the title in the brief's language, or in ``lang`` (the reader's, on a page)."""
    nps = (brief.content or {}).get("nps") or {}
    return {
        "id": brief.id,
        "period": brief.period,
        "period_start": brief.period_start.isoformat(),
        "period_end": brief.period_end.isoformat(),
        "locale": brief.locale,
        "title": brief_title(brief.content, lang),
        "nps": nps.get("nps"),
        "ci95": nps.get("ci95"),  # [low, high], the NPS's 95% interval; None without answers
        "responses": nps.get("responses"),
        "created_at": brief.created_at.isoformat(),
        "published_at": brief.published_at.isoformat() if brief.published_at else None,
    }


def list_briefs(
    *, session: Session, workspace: Workspace, period: str | None = None, limit: int = 50, offset: int = 0,
    lang: str | None = None,
) -> dict[str, Any]:
    """Stored briefs, newest period first: ``{"total", "briefs": [summary, …]}``; titles in
    each brief's language, or in ``lang``."""
    where = [Brief.workspace_id == workspace.id]
    if period is not None:
        where.append(Brief.period == check_kind(period))
    total = session.scalar(select(func.count()).select_from(Brief).where(*where)) or 0
    rows = session.scalars(
        select(Brief).where(*where).order_by(Brief.period_start.desc(), Brief.id.desc()).limit(limit).offset(offset)
    )
    return {"total": int(total), "briefs": [brief_summary(b, lang) for b in rows]}


def get_brief(*, session: Session, workspace: Workspace, brief_id: int) -> Brief:
    """One stored brief; another workspace's is NotFound, as if it did not exist."""
    brief = session.scalar(select(Brief).where(Brief.id == brief_id, Brief.workspace_id == workspace.id))
    if brief is None:
        raise NotFound(f"brief {brief_id} does not exist")
    return brief


def latest_brief(*, session: Session, workspace: Workspace, period: str) -> Brief | None:
    return session.scalar(
        select(Brief)
        .where(Brief.workspace_id == workspace.id, Brief.period == check_kind(period))
        .order_by(Brief.period_start.desc(), Brief.id.desc())
        .limit(1)
    )
