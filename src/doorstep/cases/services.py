"""Opening and listing cases. The full workflow (transitions, routing rules, SLA
clocks in business hours, escalation, re-survey) builds on this model."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, aliased

from doorstep.accounts.models import User, Workspace
from doorstep.accounts.services import workspace_settings
from doorstep.cases.models import CASE_STATUSES, Case, CaseEvent
from doorstep.db import table_of
from doorstep.deliveries.models import Delivery
from doorstep.errors import InvalidInput
from doorstep.stats import is_detractor
from doorstep.surveys.models import Response


class ResponseFacts(NamedTuple):
    response_id: int
    delivery_id: int
    customer_id: int
    score: int
    responded_at: dt.datetime


def priority_for(score: int) -> str:
    """The angriest answers first: 0–3 is high, 4–6 normal."""
    return "high" if score <= 3 else "normal"


def open_cases(*, session: Session, workspace: Workspace, responses: list[ResponseFacts]) -> int:
    """A case for every detractor among ``responses`` that has none yet. Returns how many opened.

    Owner: the lead of the delivery's owner, else the workspace's default CS owner,
    else nobody (the inbox shows it as unassigned). Clocks start at the answer.
    """
    detractors = [r for r in responses if is_detractor(r.score)]
    if not detractors:
        return 0
    already = set(
        session.scalars(select(Case.response_id).where(Case.response_id.in_([r.response_id for r in detractors])))
    )
    todo = [r for r in detractors if r.response_id not in already]
    if not todo:
        return 0
    rules = workspace_settings(workspace)
    owner = aliased(User)
    leads = dict(
        session.execute(
            select(Delivery.id, owner.lead_id)
            .join(owner, owner.id == Delivery.owner_id)
            .where(Delivery.id.in_({r.delivery_id for r in todo}), owner.lead_id.is_not(None))
        ).all()
    )
    fallback = None
    if rules.default_cs_owner:
        fallback = session.scalar(
            select(User.id).where(User.workspace_id == workspace.id, User.handle == rules.default_cs_owner)
        )
    contact = dt.timedelta(hours=rules.first_contact_hours)
    resolve = dt.timedelta(hours=rules.resolution_hours)
    rows = [
        {
            "workspace_id": workspace.id,
            "response_id": r.response_id,
            "delivery_id": r.delivery_id,
            "customer_id": r.customer_id,
            "owner_id": leads.get(r.delivery_id, fallback),
            "status": "open",
            "priority": priority_for(r.score),
            "opened_at": r.responded_at,
            "first_contact_due": r.responded_at + contact,
            "resolution_due": r.responded_at + resolve,
            "version": 1,
        }
        for r in todo
    ]
    session.execute(insert(table_of(Case)), rows)
    ids = session.execute(
        select(Case.id, Case.opened_at).where(Case.response_id.in_([r.response_id for r in todo]))
    ).all()
    session.execute(
        insert(table_of(CaseEvent)),
        [
            {
                "case_id": case_id,
                "at": opened_at,
                "actor": "doorstep",
                "kind": "opened",
                "from_status": None,
                "to_status": "open",
                "note": None,
            }
            for case_id, opened_at in ids
        ],
    )
    return len(rows)


@dataclass
class CasePage:
    cases: list[dict[str, Any]]
    total: int


def list_cases(
    *,
    session: Session,
    workspace: Workspace,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> CasePage:
    """Cases newest first, in the DESIGN.md ``cases`` shape."""
    if status is not None and status not in CASE_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(CASE_STATUSES)}", field="status")
    owner = aliased(User)
    where = [Case.workspace_id == workspace.id]
    if status:
        where.append(Case.status == status)
    total = session.scalar(select(func.count()).select_from(Case).where(*where)) or 0
    stmt = (
        select(Case, Delivery.external_id, Response.score, Response.comment, owner.handle)
        .join(Delivery, Delivery.id == Case.delivery_id)
        .join(Response, Response.id == Case.response_id)
        .outerjoin(owner, owner.id == Case.owner_id)
        .where(*where)
        .order_by(Case.opened_at.desc(), Case.id.desc())
        .limit(limit)
        .offset(offset)
    )
    cases = [
        {
            "id": case.id,
            "delivery_external_id": external_id,
            "score": score,
            "comment": comment,
            "status": case.status,
            "priority": case.priority,
            "owner": handle,
            "opened_at": case.opened_at.isoformat(),
            "first_contact_due": case.first_contact_due.isoformat(),
            "resolution_due": case.resolution_due.isoformat(),
        }
        for case, external_id, score, comment, handle in session.execute(stmt).all()
    ]
    return CasePage(cases=cases, total=total)


def count_open_cases(*, session: Session, workspace: Workspace) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Case)
            .where(Case.workspace_id == workspace.id, Case.status.in_(("open", "contacted", "reopened")))
        )
        or 0
    )
