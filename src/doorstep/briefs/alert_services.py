"""Alerts: count the windows, run the pure detection, raise each finding once, tell the team.

:func:`evaluate` is the use case behind the scheduled pass, ``doorstep alerts check``
and the tests. Counting is a handful of GROUP BYs over [baseline start, now), each
splitting the current window from the baseline with a conditional SUM, so one scan
per watched attribute serves both windows. A new alert and its ``alert.raised``
event are written in the caller's transaction: the event exists iff the alert does.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from doorstep.accounts.models import User, Workspace
from doorstep.accounts.services import workspace_settings
from doorstep.briefs.alerts import (
    WORKSPACE_SUBJECT,
    AlertRules,
    Finding,
    MentionCounts,
    SegmentCounts,
    dedupe_key,
    detect_drops,
    detect_surges,
    is_repeat,
)
from doorstep.briefs.models import Alert
from doorstep.channels.events import emit, listeners
from doorstep.deliveries.models import Delivery, Stage
from doorstep.errors import NotFound
from doorstep.insight.drivers import segment_value
from doorstep.insight.models import ResponseTheme
from doorstep.surveys.metrics import packed_score, unpack
from doorstep.surveys.models import Response
from doorstep.timeutil import zone

EVENT = "alert.raised"
SUBJECT_MAX = 200  # the column's width; the repeat rule compares what was stored


def rules_of(workspace: Workspace) -> AlertRules:
    """The workspace's ``alert_*`` settings as detection rules."""
    s = workspace_settings(workspace)
    return AlertRules(
        current_days=s.alert_current_days,
        baseline_days=s.alert_baseline_days,
        alpha=s.alert_alpha,
        min_answers=s.alert_min_answers,
        min_drop_points=s.alert_min_drop_points,
        min_mentions=s.alert_min_mentions,
        min_surge_ratio=s.alert_min_surge_ratio,
        repeat_days=s.alert_repeat_days,
    )


# --- counting -----------------------------------------------------------------------


def _segment_key(by: str) -> tuple[Any, bool]:
    """The SQL value of segment ``by`` for an answer, and whether it needs the delivery joined
    (the same meaning as ``doorstep nps --by``)."""
    if by == "owner":
        return User.handle, True
    if by == "language":
        return Response.language, False
    if by == "stage":
        return Stage.key, False
    return segment_value(by), True


def segment_counts(
    *, session: Session, workspace: Workspace, by: str | None, since: dt.datetime, split: dt.datetime,
    until: dt.datetime,
) -> list[SegmentCounts]:
    """Each value of segment ``by`` (None: the whole workspace) with its NPS counts in the
    baseline [since, split) and the current window [split, until)."""
    packed = packed_score(Response.score)
    current = Response.responded_at >= split
    counts = (func.count(), func.sum(packed), func.sum(case((current, 1), else_=0)),
              func.sum(case((current, packed), else_=0)))
    where = [Response.workspace_id == workspace.id, Response.kind == "nps", Response.responded_at >= since,
             Response.responded_at < until]
    if by is None:
        rows: list[Any] = [(WORKSPACE_SUBJECT[1], *session.execute(select(*counts).where(*where)).one())]
        kind = WORKSPACE_SUBJECT[0]
    else:
        key, joins = _segment_key(by)
        stmt = select(key, *counts).select_from(Response)
        if joins:
            stmt = stmt.join(Delivery, Delivery.id == Response.delivery_id)
        if by == "owner":
            stmt = stmt.outerjoin(User, User.id == Delivery.owner_id)
        elif by == "stage":
            stmt = stmt.outerjoin(Stage, Stage.id == Response.stage_id)
        rows = list(session.execute(stmt.where(*where).group_by(key)).all())
        kind = by
    out = []
    for value, n, n_packed, n_current, current_packed in rows:
        if value is None or not n:
            continue  # answers without the attribute are no segment of their own
        now_part = unpack(n_current, current_packed)
        everything = unpack(n, n_packed)
        before = unpack(everything.responses - now_part.responses, int(n_packed or 0) - int(current_packed or 0))
        out.append(SegmentCounts(kind, str(value), before, now_part))
    return out


def mention_counts(
    *, session: Session, workspace: Workspace, since: dt.datetime, split: dt.datetime, until: dt.datetime
) -> list[MentionCounts]:
    """Each theme's mentions out of the commented answers, and each stage's attributed answers
    out of all answers, in the baseline and the current window."""
    current_theme = ResponseTheme.responded_at >= split
    themes = session.execute(
        select(ResponseTheme.theme, func.count(), func.sum(case((current_theme, 1), else_=0)))
        .where(ResponseTheme.workspace_id == workspace.id, ResponseTheme.responded_at >= since,
               ResponseTheme.responded_at < until)
        .group_by(ResponseTheme.theme)
    ).all()
    current = Response.responded_at >= split
    in_window = [Response.workspace_id == workspace.id, Response.responded_at >= since, Response.responded_at < until]
    # A theme's share is of the answers that said something: a survey change that brings
    # more comments must not look like every theme surging at once.
    commented, commented_now = session.execute(
        select(func.count(), func.sum(case((current, 1), else_=0)))
        .where(*in_window, Response.comment.is_not(None), Response.comment != "")
    ).one()
    commented, commented_now = int(commented or 0), int(commented_now or 0)
    out = [
        MentionCounts("theme", theme, int(n) - int(now or 0), commented - commented_now, int(now or 0), commented_now)
        for theme, n, now in themes
    ]
    answers, answers_now = session.execute(
        select(func.count(), func.sum(case((current, 1), else_=0))).where(*in_window, Response.kind == "nps")
    ).one()
    answers, answers_now = int(answers or 0), int(answers_now or 0)
    stages = session.execute(
        select(Stage.key, func.count(), func.sum(case((current, 1), else_=0)))
        .join(Stage, Stage.id == Response.attributed_stage_id)
        .where(*in_window, Response.kind == "nps")
        .group_by(Stage.key)
    ).all()
    out += [
        MentionCounts("stage", key, int(n) - int(now or 0), answers - answers_now, int(now or 0), answers_now)
        for key, n, now in stages
    ]
    return out


# --- raising ------------------------------------------------------------------------


def alert_url(base_url: str, alert_id: int) -> str:
    return f"{base_url.rstrip('/')}/alerts#alert-{alert_id}"


def _links(workspace: Workspace, finding: Finding, since: dt.datetime, split: dt.datetime, until: dt.datetime,
           base_url: str) -> dict[str, str]:
    """Where a person checks the evidence: the figures behind the alert, and the answers."""
    base = base_url.rstrip("/")
    period = {"since": split.isoformat(), "until": until.isoformat()}
    if finding.subject_kind in ("theme", "stage"):
        query = urlencode({finding.subject_kind: finding.subject, **period})
        return {"answers": f"{base}/w/{workspace.slug}/verbatims?{query}",
                "drivers": f"{base}/api/v1/metrics/drivers?{urlencode(period)}"}
    by = {} if finding.subject_kind == WORKSPACE_SUBJECT[0] else {"by": finding.subject_kind}
    before = {"since": since.isoformat(), "until": split.isoformat()}
    return {"current": f"{base}/api/v1/metrics/nps?{urlencode({**by, **period})}",
            "baseline": f"{base}/api/v1/metrics/nps?{urlencode({**by, **before})}"}


def _last_raised(session: Session, workspace: Workspace, finding: Finding) -> dt.datetime | None:
    last: dt.datetime | None = session.scalar(
        select(func.max(Alert.raised_at)).where(
            Alert.workspace_id == workspace.id, Alert.kind == finding.kind,
            Alert.subject_kind == finding.subject_kind, Alert.subject == finding.subject[:SUBJECT_MAX],
        )
    )
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=dt.UTC)  # SQLite hands back an aggregate's value naive
    return last


def find(*, session: Session, workspace: Workspace, now: dt.datetime) -> tuple[AlertRules, list[Finding]]:
    """Every finding of the workspace at ``now``, repeats included (no writes)."""
    rules = rules_of(workspace)
    since, split, until = rules.windows(now)
    segments = segment_counts(session=session, workspace=workspace, by=None, since=since, split=split, until=until)
    for by in dict.fromkeys(workspace_settings(workspace).alert_segments):
        segments += segment_counts(session=session, workspace=workspace, by=by, since=since, split=split, until=until)
    mentions = mention_counts(session=session, workspace=workspace, since=since, split=split, until=until)
    return rules, detect_drops(segments, rules) + detect_surges(mentions, rules)


def evaluate(*, session: Session, workspace: Workspace, now: dt.datetime, base_url: str = "") -> list[Alert]:
    """Raise the workspace's new alerts at ``now`` and emit ``alert.raised`` for each.

    A finding whose kind and subject already alerted within ``alert_repeat_days`` is
    the same drop seen again: nothing is added. Returns the alerts raised by this call.
    """
    if not workspace_settings(workspace).alerts_enabled:
        return []
    rules, findings = find(session=session, workspace=workspace, now=now)
    since, split, until = rules.windows(now)
    tz = zone(workspace.timezone)
    raised: list[Alert] = []
    for finding in findings:
        if is_repeat(_last_raised(session, workspace, finding), now, rules):
            continue
        evidence = {
            **finding.evidence,
            "baseline": {**finding.evidence["baseline"], "since": since.astimezone(tz).isoformat(),
                         "until": split.astimezone(tz).isoformat()},
            "current": {**finding.evidence["current"], "since": split.astimezone(tz).isoformat(),
                        "until": until.astimezone(tz).isoformat()},
            "links": _links(workspace, finding, since, split, until, base_url),
        }
        alert = Alert(workspace_id=workspace.id, kind=finding.kind, subject_kind=finding.subject_kind,
                      subject=finding.subject[:SUBJECT_MAX], dedupe_key=dedupe_key(finding, until.astimezone(tz)),
                      window_start=split, window_end=until, evidence=evidence, raised_at=now)
        try:
            with session.begin_nested():  # another pass raised it this very day: theirs stands
                session.add(alert)
                session.flush()
        except IntegrityError:
            continue
        alert.evidence = {**evidence, "links": {"alert": alert_url(base_url, alert.id), **evidence["links"]}}
        raised.append(alert)
    if raised:
        session.flush()
        targets = listeners(session, workspace_id=workspace.id, event=EVENT)
        for alert in raised:
            if targets:
                emit(session, workspace_id=workspace.id, event=EVENT, event_id=f"{EVENT}:{alert.id}",
                     data=event_data(alert, base_url), now=now, subscriptions=targets)
    return raised


# --- reading and acknowledging -------------------------------------------------------


def alert_public(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.id,
        "kind": alert.kind,
        "subject_kind": alert.subject_kind,
        "subject": alert.subject,
        "window_start": alert.window_start.isoformat(),
        "window_end": alert.window_end.isoformat(),
        "evidence": alert.evidence,
        "raised_at": alert.raised_at.isoformat(),
        "acknowledged_at": alert.acknowledged_at.isoformat() if alert.acknowledged_at else None,
    }


def event_data(alert: Alert, base_url: str = "") -> dict[str, Any]:
    """``alert.raised``'s data: the common event keys (no case or answer) and ``alert``."""
    url = alert_url(base_url, alert.id)
    return {"case": None, "response": None, "delivery": None, "customer": None, "url": url,
            "alert": alert_public(alert) | {"url": url}}


def list_alerts(
    *, session: Session, workspace: Workspace, open_only: bool = False, limit: int = 100, offset: int = 0
) -> tuple[list[Alert], int]:
    """The workspace's alerts, newest first, and how many there are in all."""
    where = [Alert.workspace_id == workspace.id]
    if open_only:
        where.append(Alert.acknowledged_at.is_(None))
    total = session.scalar(select(func.count()).select_from(Alert).where(*where)) or 0
    rows = session.scalars(
        select(Alert).where(*where).order_by(Alert.raised_at.desc(), Alert.id.desc()).limit(limit).offset(offset)
    ).all()
    return list(rows), int(total)


def get_alert(*, session: Session, workspace: Workspace, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None or alert.workspace_id != workspace.id:
        raise NotFound(f"alert {alert_id} does not exist in this workspace")
    return alert


def acknowledge(*, session: Session, workspace: Workspace, alert_id: int, now: dt.datetime) -> Alert:
    """Mark an alert seen (idempotent: a second acknowledgement keeps the first time).

    Seen, not fixed: it takes the alert off the open list; it does not re-arm the alarm
    for the same subject (see :func:`doorstep.briefs.alerts.is_repeat`)."""
    alert = get_alert(session=session, workspace=workspace, alert_id=alert_id)
    if alert.acknowledged_at is None:
        alert.acknowledged_at = now
        session.flush()
    return alert
