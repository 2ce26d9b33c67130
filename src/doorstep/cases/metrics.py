"""Loop metrics: did we reach unhappy customers in time, fix it in time, and win them back?

For cases opened in the period (``opened_at`` in [since, until)):

- ``contacted_within_sla_pct``: of the cases whose first-contact clock is decided
  (contacted, or due time passed), the share contacted by the due time; the same
  for resolution. A clock still running is not counted either way.
- medians of the time to first contact and to resolution, in hours of *business*
  time when the workspace has business hours (what the SLA measures), else wall time.
- ``breached_now``: cases someone still has to act on with a clock run out.
- ``recovery_rate``: recovered / verified, where verified = the customer answered the
  re-survey and recovered = that answer is a better group than the first one (see
  :func:`doorstep.cases.workflow.is_recovered`), with the Wilson 95% interval.

The rows are summarised in Python: a workspace has thousands of cases, not millions,
and the business-time medians need every row anyway.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, exists, func, null, select
from sqlalchemy.orm import Session, aliased

from doorstep.accounts.models import User, Workspace
from doorstep.accounts.services import workspace_settings
from doorstep.cases.models import Case, Escalation
from doorstep.cases.priority import calendar_for
from doorstep.cases.sla import BusinessCalendar, business_time_between
from doorstep.cases.workflow import ACTIVE, is_recovered
from doorstep.deliveries.models import Delivery
from doorstep.stats import proportion_interval, round1
from doorstep.surveys.models import Response

BUILTIN = ("owner", "priority", "queue", "status")


def _pct(part: int, whole: int) -> float | None:
    return round1(100.0 * part / whole) if whole else None


def _median_hours(values: list[dt.timedelta]) -> float | None:
    return round1(statistics.median(v.total_seconds() / 3600 for v in values)) if values else None


def summarise(rows: Sequence[Any], now: dt.datetime, calendar: BusinessCalendar | None) -> dict[str, Any]:
    """The loop figures of a set of case rows (see the module docstring)."""
    contact_decided = [r for r in rows if r.contacted_at is not None or r.first_contact_due <= now]
    contact_in_time = [
        r for r in contact_decided if r.contacted_at is not None and r.contacted_at <= r.first_contact_due
    ]
    resolve_decided = [r for r in rows if r.resolved_at is not None or r.resolution_due <= now]
    resolve_in_time = [r for r in resolve_decided if r.resolved_at is not None and r.resolved_at <= r.resolution_due]
    contacted = [r for r in rows if r.contacted_at is not None]
    resolved = [r for r in rows if r.resolved_at is not None]
    breached = [
        r for r in rows
        if r.status in ACTIVE and (r.resolution_due <= now or (r.contacted_at is None and r.first_contact_due <= now))
    ]
    verified = [r for r in rows if r.resurvey_score is not None]
    recovered = [r for r in verified if is_recovered(r.score, r.resurvey_score)]
    ci = proportion_interval(len(recovered), len(verified))
    return {
        "cases_opened": len(rows),
        "contacted": len(contacted),
        "contact_sla_decided": len(contact_decided),
        "contacted_within_sla": len(contact_in_time),
        "contacted_within_sla_pct": _pct(len(contact_in_time), len(contact_decided)),
        "resolved": len(resolved),
        "resolution_sla_decided": len(resolve_decided),
        "resolved_within_sla": len(resolve_in_time),
        "resolved_within_sla_pct": _pct(len(resolve_in_time), len(resolve_decided)),
        "median_hours_to_first_contact": _median_hours(
            [business_time_between(r.opened_at, r.contacted_at, calendar) for r in contacted]
        ),
        "median_hours_to_resolution": _median_hours(
            [business_time_between(r.opened_at, r.resolved_at, calendar) for r in resolved]
        ),
        "breached_now": len(breached),
        "escalated": sum(1 for r in rows if r.escalated),
        "verified": len(verified),
        "recovered": len(recovered),
        "recovery_rate": _pct(len(recovered), len(verified)),
        "recovery_ci95": list(ci) if ci is not None else None,
    }


def loop_metrics(
    *,
    session: Session,
    workspace: Workspace,
    now: dt.datetime,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    by: str | None = None,
) -> dict[str, Any]:
    """The workspace's loop figures, overall or ``{"by": ..., "groups": [...]}`` by owner,
    priority, queue, status or any delivery/answer attribute."""
    rules = workspace_settings(workspace)
    calendar = calendar_for(rules, workspace.timezone)
    owner = aliased(User)
    escalated = exists().where(Escalation.case_id == Case.id)
    key: Any
    if by is None:
        key = None
    elif by == "owner":
        key = owner.handle
    elif by in ("priority", "queue", "status"):
        key = getattr(Case, by)
    else:
        key = func.coalesce(Response.attributes[by].as_string(), Delivery.attributes[by].as_string())
    where: list[ColumnElement[bool]] = [Case.workspace_id == workspace.id]
    if since is not None:
        where.append(Case.opened_at >= since)
    if until is not None:
        where.append(Case.opened_at < until)
    stmt = (
        select(
            Case.status, Case.opened_at, Case.first_contact_due, Case.resolution_due, Case.contacted_at,
            Case.resolved_at, Case.resurvey_score, Response.score, escalated.label("escalated"),
            (key if key is not None else null()).label("key"),
        )
        .join(Response, Response.id == Case.response_id)
        .join(Delivery, Delivery.id == Case.delivery_id)
        .outerjoin(owner, owner.id == Case.owner_id)
        .where(*where)
    )
    rows = session.execute(stmt).all()
    if by is None:
        return {**summarise(rows, now, calendar), "business_hours": calendar is not None}
    groups: dict[str | None, list[Any]] = {}
    for row in rows:
        groups.setdefault(None if row.key is None else str(row.key), []).append(row)
    out = [{"key": k, **summarise(v, now, calendar)} for k, v in groups.items()]
    out.sort(key=lambda g: (-g["cases_opened"], g["key"] is None, g["key"] or ""))
    return {"by": by, "business_hours": calendar is not None, "groups": out}
