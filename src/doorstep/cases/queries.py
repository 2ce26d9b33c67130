"""Reading cases: the inbox list (DESIGN.md ``cases`` shape) and one case in full."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from doorstep.accounts.models import User, Workspace
from doorstep.cases.models import Case, CaseEvent, Escalation
from doorstep.cases.priority import PRIORITIES
from doorstep.cases.workflow import ACTIVE, STATES, allowed_next
from doorstep.deliveries.models import Customer, Delivery, Stage
from doorstep.errors import InvalidInput, NotFound
from doorstep.surveys.models import Invitation, Response

UNASSIGNED = "-"  # the owner filter's name for "nobody"


def first_contact_breached(now: dt.datetime) -> ColumnElement[bool]:
    return and_(Case.status == "open", Case.contacted_at.is_(None), Case.first_contact_due <= now)


def resolution_breached(now: dt.datetime) -> ColumnElement[bool]:
    return and_(Case.status.in_(ACTIVE), Case.resolution_due <= now)


def breached_now(now: dt.datetime) -> ColumnElement[bool]:
    """A case someone still has to act on whose first-contact or resolution clock ran out."""
    return or_(first_contact_breached(now), resolution_breached(now))


def breaches(case: Case, now: dt.datetime) -> list[str]:
    """Which clocks of this case have run out, now."""
    out = []
    if case.status == "open" and case.contacted_at is None and case.first_contact_due <= now:
        out.append("first_contact")
    if case.status in ACTIVE and case.resolution_due <= now:
        out.append("resolution")
    return out


@dataclass
class CasePage:
    cases: list[dict[str, Any]]
    total: int


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def case_row(case: Case, *, external_id: str, score: int, comment: str | None, owner: str | None,
             now: dt.datetime) -> dict[str, Any]:
    return {
        "id": case.id,
        "delivery_external_id": external_id,
        "score": score,
        "comment": comment,
        "status": case.status,
        "priority": case.priority,
        "owner": owner,
        "queue": case.queue,
        "opened_at": case.opened_at.isoformat(),
        "first_contact_due": case.first_contact_due.isoformat(),
        "resolution_due": case.resolution_due.isoformat(),
        "contacted_at": _iso(case.contacted_at),
        "resolved_at": _iso(case.resolved_at),
        "closed_at": _iso(case.closed_at),
        "breached": breaches(case, now),
        "resurvey_score": case.resurvey_score,
        "version": case.version,
    }


def list_cases(
    *,
    session: Session,
    workspace: Workspace,
    status: str | None = None,
    owner: str | None = None,
    priority: str | None = None,
    breached: bool | None = None,
    now: dt.datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> CasePage:
    """Cases newest first, filtered; ``owner="-"`` means unassigned."""
    if status is not None and status not in STATES:
        raise InvalidInput(f"status must be one of {', '.join(STATES)}", field="status")
    if priority is not None and priority not in PRIORITIES:
        raise InvalidInput(f"priority must be one of {', '.join(PRIORITIES)}", field="priority")
    now = now or dt.datetime.now(dt.UTC)
    person = aliased(User)
    where: list[ColumnElement[bool]] = [Case.workspace_id == workspace.id]
    if status:
        where.append(Case.status == status)
    if priority:
        where.append(Case.priority == priority)
    if owner == UNASSIGNED:
        where.append(Case.owner_id.is_(None))
    elif owner:
        where.append(Case.owner_id.in_(select(User.id).where(User.workspace_id == workspace.id, User.handle == owner)))
    if breached is True:
        where.append(breached_now(now))
    elif breached is False:
        where.append(~breached_now(now))
    total = session.scalar(select(func.count()).select_from(Case).where(*where)) or 0
    stmt = (
        select(Case, Delivery.external_id, Response.score, Response.comment, person.handle)
        .join(Delivery, Delivery.id == Case.delivery_id)
        .join(Response, Response.id == Case.response_id)
        .outerjoin(person, person.id == Case.owner_id)
        .where(*where)
        .order_by(Case.opened_at.desc(), Case.id.desc())
        .limit(limit)
        .offset(offset)
    )
    cases = [
        case_row(case, external_id=ext, score=score, comment=comment, owner=handle, now=now)
        for case, ext, score, comment, handle in session.execute(stmt).all()
    ]
    return CasePage(cases=cases, total=total)


def count_open_cases(*, session: Session, workspace: Workspace) -> int:
    """Cases someone still has to act on."""
    return (
        session.scalar(
            select(func.count()).select_from(Case).where(Case.workspace_id == workspace.id, Case.status.in_(ACTIVE))
        )
        or 0
    )


def workspace_of_case(*, session: Session, case_id: int) -> Workspace:
    """The workspace a case belongs to (for the inbox pages, which have no API key to say)."""
    workspace = session.scalar(
        select(Workspace).join(Case, Case.workspace_id == Workspace.id).where(Case.id == case_id)
    )
    if workspace is None:
        raise NotFound(f"case {case_id} does not exist")
    return workspace


def owners(*, session: Session, workspace: Workspace) -> list[str]:
    """Handles that own at least one case, for the inbox's owner filter."""
    return sorted(
        session.scalars(
            select(User.handle).where(User.workspace_id == workspace.id, User.id.in_(select(Case.owner_id))).distinct()
        )
    )


def stage_rows(session: Session, delivery: Delivery) -> list[dict[str, Any]]:
    """The delivery's stages: when each finished, how long it took since the previous one,
    and by how much it overran its target (late_minutes > 0)."""
    from doorstep.deliveries.services import stage_timeline

    rows: list[dict[str, Any]] = []
    previous: dt.datetime | None = None
    for stage, completed in stage_timeline(session=session, delivery=delivery):
        took = (completed - previous).total_seconds() / 60 if completed and previous else None
        late = took - stage.target_minutes if took is not None and stage.target_minutes is not None else None
        rows.append(
            {"key": stage.key, "name": stage.name, "name_zh": stage.name_zh, "completed_at": _iso(completed),
             "minutes": None if took is None else round(took, 1), "target_minutes": stage.target_minutes,
             "late_minutes": None if late is None else round(late, 1), "late": late is not None and late > 0}
        )
        previous = completed or previous
    return rows


def case_detail(
    *, session: Session, workspace: Workspace, case_id: int, now: dt.datetime, base_url: str
) -> dict[str, Any]:
    """One case with everything a person needs to act on it: the answer, the delivery's
    stages, the timeline, escalations, the re-survey and the legal next moves."""
    case = session.scalar(select(Case).where(Case.id == case_id, Case.workspace_id == workspace.id))
    if case is None:
        raise NotFound(f"case {case_id} does not exist in workspace '{workspace.slug}'")
    response = session.get_one(Response, case.response_id)
    delivery = session.get_one(Delivery, case.delivery_id)
    customer = session.get_one(Customer, case.customer_id)
    handles = dict(session.execute(select(User.id, User.handle).where(User.workspace_id == workspace.id)).all())
    stage_keys = dict(session.execute(select(Stage.id, Stage.key).where(Stage.journey_id == delivery.journey_id)).all())
    row = case_row(case, external_id=delivery.external_id, score=response.score, comment=response.comment,
                   owner=handles.get(case.owner_id) if case.owner_id else None, now=now)
    resurvey = session.get(Invitation, case.resurvey_invitation_id) if case.resurvey_invitation_id else None
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.at, CaseEvent.id))
    escalations = session.scalars(select(Escalation).where(Escalation.case_id == case.id).order_by(Escalation.id))
    return row | {
        "allowed": list(allowed_next(case.status)),
        "customer": {"external_id": customer.external_id, "name": customer.name, "locale": customer.locale},
        "answer": {
            "score": response.score, "comment": response.comment, "responded_at": response.responded_at.isoformat(),
            "stage": stage_keys.get(response.stage_id) if response.stage_id else None,
            "language": response.language, "sentiment_label": response.sentiment_label,
            "themes": response.themes or [],
        },
        "delivery": {
            "external_id": delivery.external_id,
            "owner": handles.get(delivery.owner_id) if delivery.owner_id else None,
            "promised_at": _iso(delivery.promised_at), "delivered_at": _iso(delivery.delivered_at),
            "attributes": delivery.attributes or {}, "stages": stage_rows(session, delivery),
        },
        "root_cause": {
            "stage": stage_keys.get(case.root_cause_stage_id) if case.root_cause_stage_id else None,
            "theme": case.root_cause_theme,
        },
        "resolution": case.resolution,
        "timeline": [
            # note_key and note_params: a system note as a message (doorstep.cases.messages), for pages
            # in the reader's language; the API's entries have only the English ``note``.
            {"at": e.at.isoformat(), "actor": e.actor, "kind": e.kind, "from": e.from_status, "to": e.to_status,
             "note": e.note, "note_key": e.note_key, "note_params": e.note_params}
            for e in events
        ],
        "escalations": [
            {"kind": e.kind, "due_at": e.due_at.isoformat(), "escalated_at": e.escalated_at.isoformat(),
             "notified": handles.get(e.notified_user_id) if e.notified_user_id else None}
            for e in escalations
        ],
        "resurvey": None if resurvey is None else {
            "url": f"{base_url}/s/{resurvey.token}", "status": resurvey.status,
            "send_after": _iso(resurvey.send_after), "expires_at": resurvey.expires_at.isoformat(),
            "score": case.resurvey_score,
        },
        "resurvey_url": f"{base_url}/s/{resurvey.token}" if resurvey is not None else None,
    }
