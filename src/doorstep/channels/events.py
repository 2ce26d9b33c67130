"""Doorstep's events, and their way out: one ``webhook.deliver`` job per subscription.

:func:`emit` runs inside the transaction of the change it reports (a case opened,
closed …), so the job exists if and only if the change committed. Each job's
``dedupe_key`` is ``wh:<subscription>:<event id>``: emitting the same event twice
(a retried pass, a replayed import) enqueues nothing new. Delivery itself is
at-least-once (a worker may die after the receiver answered): receivers dedupe on
the event id (header ``X-Doorstep-Event-Id``).

Every event carries the same ``data`` shape, built here, whatever emitted it:
``case`` (or null), ``response``, ``delivery``, ``customer`` and ``url`` (the case
page; relative when the emitter has no base URL, made absolute at delivery).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, aliased

from doorstep.accounts.models import User, Workspace
from doorstep.cases.models import Case
from doorstep.channels.models import EVENTS, WebhookSubscription
from doorstep.db import one_of
from doorstep.deliveries.models import Customer, Delivery, Stage
from doorstep.jobs.services import enqueue
from doorstep.jobs.worker import Handler, JobContext, JobView
from doorstep.surveys.models import Response

DELIVER_KIND = "webhook.deliver"
TEST_EVENT = "webhook.test"  # sent by `webhooks test`; goes to one subscription whatever it listens to
CHUNK = 500


def listeners(session: Session, *, workspace_id: int, event: str) -> list[int]:
    """Ids of the workspace's active subscriptions to ``event``: one small query, so an
    emitter can ask first and skip building data nobody will receive."""
    return subscribers(session, workspace_id=workspace_id).get(event, [])


# Built once: on every batch of survey answers, building it cost as much as running it.
_SUBSCRIBERS = select(WebhookSubscription.id, WebhookSubscription.events).where(
    WebhookSubscription.workspace_id == bindparam("workspace_id"), WebhookSubscription.active.is_(True)
)


def subscribers(session: Session, *, workspace_id: int) -> dict[str, list[int]]:
    """The workspace's active subscriptions by the events they listen to, in one query: for
    a caller that emits several kinds of event (a batch of answers: ``response.created``,
    ``case.opened``)."""
    by_event: dict[str, list[int]] = {}
    for sub_id, events in session.execute(_SUBSCRIBERS, {"workspace_id": workspace_id}):
        for event in dict.fromkeys(events or []):
            by_event.setdefault(event, []).append(sub_id)
    return by_event


def emit(
    session: Session,
    *,
    workspace_id: int,
    event: str,
    event_id: str,
    data: dict[str, Any],
    now: dt.datetime,
    subscriptions: Sequence[int] | None = None,
) -> int:
    """Enqueue one ``webhook.deliver`` job for every active subscription of the workspace
    that listens to ``event``, in the caller's transaction. Returns how many were new."""
    if event not in EVENTS and event != TEST_EVENT:
        raise ValueError(f"unknown event '{event}'")
    targets = listeners(session, workspace_id=workspace_id, event=event) if subscriptions is None else subscriptions
    created = 0
    for sub_id in targets:
        _job, new = enqueue(
            session,
            kind=DELIVER_KIND,
            payload={"subscription_id": sub_id, "event": event, "event_id": event_id,
                     "occurred_at": now.isoformat(), "data": data},
            run_at=now,
            dedupe_key=f"wh:{sub_id}:{event_id}"[:200],
            workspace_id=workspace_id,
        )
        created += new
    return created


# --- the data every event carries ---------------------------------------------------


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def case_url(base_url: str, case_id: int) -> str:
    return f"{base_url.rstrip('/')}/cases/{case_id}"


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    batch: list[int] = []
    for value in ids:
        batch.append(value)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _case_part(case: Case | None, owner: str | None, resurvey: int | None, base_url: str) -> dict[str, Any] | None:
    if case is None:
        return None
    return {
        "id": case.id,
        "status": case.status,
        "priority": case.priority,
        "owner": owner,
        "queue": case.queue,
        "opened_at": _iso(case.opened_at),
        "first_contact_due": _iso(case.first_contact_due),
        "resolution_due": _iso(case.resolution_due),
        "contacted_at": _iso(case.contacted_at),
        "resolved_at": _iso(case.resolved_at),
        "closed_at": _iso(case.closed_at),
        # The re-survey answer's score, also while the verification that records it is under way.
        "resurvey_score": case.resurvey_score if case.resurvey_score is not None else resurvey,
        "version": case.version,
        "url": case_url(base_url, case.id),
    }


def responses_data(session: Session, response_ids: Sequence[int], base_url: str = "") -> dict[int, dict[str, Any]]:
    """The event data of many answers (with their case, when one was opened), by response id."""
    case_owner = aliased(User)
    delivery_owner = aliased(User)
    resurvey = aliased(Response)
    out: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(dict.fromkeys(response_ids)):
        rows = session.execute(
            select(Response, Delivery.external_id, delivery_owner.handle, Customer.external_id, Stage.key, Case,
                   case_owner.handle, resurvey.score)
            .join(Delivery, Delivery.id == Response.delivery_id)
            .join(Customer, Customer.id == Response.customer_id)
            .outerjoin(delivery_owner, delivery_owner.id == Delivery.owner_id)
            .outerjoin(Stage, Stage.id == Response.stage_id)
            .outerjoin(Case, Case.response_id == Response.id)
            .outerjoin(case_owner, case_owner.id == Case.owner_id)
            .outerjoin(resurvey, (resurvey.invitation_id == Case.resurvey_invitation_id)
                       & Case.resurvey_invitation_id.is_not(None))
            .where(one_of(session, Response.id, chunk))
        ).all()
        for response, delivery_ext, delivery_owner_handle, customer_ext, stage, case, case_owner_handle, again in rows:
            case_part = _case_part(case, case_owner_handle, again, base_url)
            out[response.id] = {
                "case": case_part,
                "response": {
                    "id": response.id,
                    "kind": response.kind,
                    "score": response.score,
                    "comment": response.comment,
                    "stage": stage,
                    "language": response.language,
                    "sentiment": response.sentiment_label,
                    "themes": list(response.themes or []),
                    "responded_at": _iso(response.responded_at),
                },
                "delivery": {"external_id": delivery_ext, "owner": delivery_owner_handle},
                "customer": {"external_id": customer_ext},
                "url": case_part["url"] if case_part else None,
            }
    return out


def cases_data(session: Session, case_ids: Sequence[int], base_url: str = "") -> dict[int, dict[str, Any]]:
    """The event data of many cases, by case id: the case with its answer, delivery, customer."""
    ids = list(dict.fromkeys(case_ids))
    by_response = dict(session.execute(select(Case.response_id, Case.id).where(Case.id.in_(ids))).all()) if ids else {}
    answers = responses_data(session, list(by_response), base_url)
    return {by_response[rid]: data for rid, data in answers.items()}


def case_data(session: Session, case_id: int, base_url: str = "") -> dict[str, Any]:
    """The event data of one case (see :func:`cases_data`)."""
    return cases_data(session, [case_id], base_url)[case_id]


def response_data(session: Session, response_id: int, base_url: str = "") -> dict[str, Any]:
    """The event data of one answer (see :func:`responses_data`)."""
    return responses_data(session, [response_id], base_url)[response_id]


# --- what the product calls ----------------------------------------------------------


def emit_responses_created(
    session: Session,
    workspace: Workspace,
    response_ids: Sequence[int],
    now: dt.datetime,
    subscriptions: Sequence[int] | None = None,
) -> int:
    """``response.created`` for each new answer. One query when nobody listens, none when
    the caller knows the ``subscriptions`` to it (:func:`subscribers`)."""
    targets = listeners(session, workspace_id=workspace.id, event="response.created") if subscriptions is None \
        else subscriptions
    if not targets or not response_ids:
        return 0
    created = 0
    for rid, data in responses_data(session, response_ids).items():
        created += emit(session, workspace_id=workspace.id, event="response.created",
                        event_id=f"response.created:{rid}", data=data, now=now, subscriptions=targets)
    return created


def emit_cases_opened(session: Session, workspace: Workspace, case_ids: Sequence[int], now: dt.datetime) -> int:
    """``case.opened`` for each case just opened."""
    targets = listeners(session, workspace_id=workspace.id, event="case.opened")
    if not targets or not case_ids:
        return 0
    created = 0
    for case_id, data in cases_data(session, case_ids).items():
        created += emit(session, workspace_id=workspace.id, event="case.opened", event_id=f"case.opened:{case_id}",
                        data=data, now=now, subscriptions=targets)
    return created


def emit_case_closed(session: Session, case: Case, now: dt.datetime) -> int:
    """``case.closed`` for a case that reached verified or closed_unverified. A case can close
    again after a reopening: its version tells the closings apart."""
    targets = listeners(session, workspace_id=case.workspace_id, event="case.closed")
    if not targets:
        return 0
    session.flush()
    return emit(session, workspace_id=case.workspace_id, event="case.closed",
                event_id=f"case.closed:{case.id}:{case.version}", data=case_data(session, case.id), now=now,
                subscriptions=targets)


def on_case_escalated(ctx: JobContext, job: JobView) -> None:
    """The escalation pass's ``notify.case_escalated`` job → a ``case.escalated`` event."""
    payload = job.payload
    with ctx.db.write() as session:
        case = session.get(Case, int(payload["case_id"]))
        if case is None:
            return  # deleted since: nobody to tell
        targets = listeners(session, workspace_id=case.workspace_id, event="case.escalated")
        if not targets:
            return
        data = case_data(session, case.id, ctx.settings.base_url)
        data["escalation"] = {k: payload.get(k) for k in ("clock", "kind", "due_at", "notify")}
        emit(session, workspace_id=case.workspace_id, event="case.escalated",
             event_id=f"case.escalated:{case.id}:{payload.get('kind') or payload.get('clock')}", data=data,
             now=ctx.clock(), subscriptions=targets)


HANDLERS: dict[str, Handler] = {"notify.case_escalated": on_case_escalated}
