"""A customer's data rights: export everything held about them, and erase it on request.

**Export** gathers, by the customer's external id: the customer row, their deliveries
with stage times, invitations (without their tokens: a token is a credential, not data
about the person), answers with comments, cases with their timelines and escalations,
the frontline's notes on their deliveries, and the outbound notifications (webhook and
chat jobs) that carried their answers.

**Erasure** removes what identifies or quotes them and keeps what is counted, in the
caller's one transaction:

- removed: name, e-mail and attributes of the customer; comment texts (the "why" added
  after a clicked score is the same column); case resolutions and timeline notes; the
  text, reply and photos of frontline notes on their deliveries; event payloads and error texts
  of jobs about them (an SMTP refusal quotes the address); quotes of their comments in
  published briefs;
- kept: the customer row and its external id (marked ``erased_at``), deliveries, stage
  times, scores, timestamps, stages, theme keys, sentiment figures, cases and their
  statuses — so NPS, drivers, stage figures and case counts do not move;
- stopped: their open invitations are expired, so nobody asks them again.

The audit log names the customer by external id only and holds no text, so it stays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from markupsafe import escape
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from doorstep.accounts.models import User, Workspace
from doorstep.briefs.models import Brief
from doorstep.cases.models import Case, CaseEvent, Escalation
from doorstep.channels.models import WebhookCall
from doorstep.deliveries.models import Customer, Delivery, Journey, Stage, StageEvent
from doorstep.errors import NotFound
from doorstep.frontline.models import FrontlineNote, NotePhoto
from doorstep.jobs.models import Job
from doorstep.surveys.models import Invitation, Response

ERASED = "[erased]"
OPEN_INVITATIONS = ("pending", "sent", "opened")
JOB_CHUNK = 1000


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def find_customer(*, session: Session, workspace: Workspace, external_id: str) -> Customer:
    customer = session.scalar(
        select(Customer).where(Customer.workspace_id == workspace.id, Customer.external_id == external_id)
    )
    if customer is None:
        raise NotFound(f"customer '{external_id[:80]}' not found")
    return customer


@dataclass
class _Held:
    """The ids of everything that belongs to one customer."""

    deliveries: list[Delivery]
    responses: list[Response]
    cases: list[Case]
    invitations: list[Invitation]
    notes: list[FrontlineNote]

    @property
    def delivery_ids(self) -> list[int]:
        return [d.id for d in self.deliveries]

    @property
    def case_ids(self) -> set[int]:
        return {c.id for c in self.cases}


def _held(session: Session, customer: Customer) -> _Held:
    deliveries = list(session.scalars(select(Delivery).where(Delivery.customer_id == customer.id)
                                      .order_by(Delivery.id)))
    delivery_ids = [d.id for d in deliveries]
    notes = list(session.scalars(select(FrontlineNote).where(FrontlineNote.delivery_id.in_(delivery_ids))
                                 .order_by(FrontlineNote.id))) if delivery_ids else []
    return _Held(
        deliveries=deliveries,
        responses=list(session.scalars(select(Response).where(Response.customer_id == customer.id)
                                       .order_by(Response.id))),
        cases=list(session.scalars(select(Case).where(Case.customer_id == customer.id).order_by(Case.id))),
        invitations=list(session.scalars(select(Invitation).where(Invitation.customer_id == customer.id)
                                         .order_by(Invitation.id))),
        notes=notes,
    )


def _mentions(payload: Any, customer: Customer, held: _Held) -> bool:
    """Whether a job's payload is about this customer: an event carrying them, or a job
    for one of their invitations or cases."""
    if not isinstance(payload, dict):
        return False
    data = payload.get("data")
    if isinstance(data, dict):
        who = data.get("customer")
        if isinstance(who, dict) and who.get("external_id") == customer.external_id:
            return True
    invitation_id = payload.get("invitation_id")
    if isinstance(invitation_id, int) and invitation_id in {i.id for i in held.invitations}:
        return True
    case_id = payload.get("case_id")
    return isinstance(case_id, int) and case_id in held.case_ids


def _their_jobs(session: Session, workspace: Workspace, customer: Customer, held: _Held) -> Iterable[Job]:
    """Jobs about the customer. Erasure is rare, so a scan of the workspace's jobs (by the
    (workspace_id, id) index, in chunks) is fine, and it finds payloads of any kind."""
    last = 0
    while True:
        chunk = list(session.scalars(select(Job).where(Job.workspace_id == workspace.id, Job.id > last)
                                     .order_by(Job.id).limit(JOB_CHUNK)))
        if not chunk:
            return
        last = chunk[-1].id
        yield from (job for job in chunk if _mentions(job.payload, customer, held))


# --- export --------------------------------------------------------------------------


def export_customer(*, session: Session, workspace: Workspace, external_id: str) -> dict[str, Any]:
    """Everything held about one customer, as JSON-ready data (see the module docstring)."""
    customer = find_customer(session=session, workspace=workspace, external_id=external_id)
    held = _held(session, customer)
    stage_keys = dict(session.execute(select(Stage.id, Stage.key).join(Journey, Journey.id == Stage.journey_id)
                                      .where(Journey.workspace_id == workspace.id)).all())
    users = dict(session.execute(select(User.id, User.handle).where(User.workspace_id == workspace.id)).all())
    by_delivery = {d.id: d.external_id for d in held.deliveries}
    events: dict[int, list[dict[str, Any]]] = {}
    if held.delivery_ids:
        for ev in session.scalars(select(StageEvent).where(StageEvent.delivery_id.in_(held.delivery_ids))
                                  .order_by(StageEvent.delivery_id, StageEvent.completed_at)):
            events.setdefault(ev.delivery_id, []).append(
                {"stage": stage_keys.get(ev.stage_id), "completed_at": _iso(ev.completed_at),
                 "duration_minutes": ev.duration_minutes})
    timeline: dict[int, list[dict[str, Any]]] = {}
    escalations: dict[int, list[dict[str, Any]]] = {}
    if held.case_ids:
        for ce in session.scalars(select(CaseEvent).where(CaseEvent.case_id.in_(held.case_ids))
                                  .order_by(CaseEvent.id)):
            timeline.setdefault(ce.case_id, []).append(
                {"at": _iso(ce.at), "actor": ce.actor, "kind": ce.kind, "from_status": ce.from_status,
                 "to_status": ce.to_status, "note": ce.note})
        for es in session.scalars(select(Escalation).where(Escalation.case_id.in_(held.case_ids))
                                  .order_by(Escalation.id)):
            escalations.setdefault(es.case_id, []).append(
                {"kind": es.kind, "due_at": _iso(es.due_at), "escalated_at": _iso(es.escalated_at)})
    photos: dict[int, list[dict[str, Any]]] = {}
    if held.notes:
        for p in session.execute(select(NotePhoto.note_id, NotePhoto.content_type, NotePhoto.size, NotePhoto.sha256,
                                        NotePhoto.created_at)
                                 .where(NotePhoto.note_id.in_([n.id for n in held.notes])).order_by(NotePhoto.id)):
            photos.setdefault(p.note_id, []).append(
                {"content_type": p.content_type, "size": p.size, "sha256": p.sha256, "created_at": _iso(p.created_at)})
    jobs = list(_their_jobs(session, workspace, customer, held))
    calls = list(session.scalars(select(WebhookCall).where(WebhookCall.job_id.in_([j.id for j in jobs]))
                                 .order_by(WebhookCall.id))) if jobs else []
    return {
        "workspace": workspace.slug,
        "customer": {
            "external_id": customer.external_id, "name": customer.name, "email": customer.email,
            "locale": customer.locale, "attributes": customer.attributes or {}, "created_at": _iso(customer.created_at),
            "erased_at": _iso(customer.erased_at),
        },
        "deliveries": [
            {"external_id": d.external_id, "status": d.status, "owner": users.get(d.owner_id or 0),
             "promised_at": _iso(d.promised_at), "delivered_at": _iso(d.delivered_at),
             "lateness_minutes": d.lateness_minutes, "attributes": d.attributes or {},
             "created_at": _iso(d.created_at), "stages": events.get(d.id, [])}
            for d in held.deliveries
        ],
        "invitations": [
            {"delivery_external_id": by_delivery.get(i.delivery_id), "kind": i.kind, "channel": i.channel,
             "status": i.status, "created_at": _iso(i.created_at), "sent_at": _iso(i.sent_at),
             "opened_at": _iso(i.opened_at), "responded_at": _iso(i.responded_at), "expires_at": _iso(i.expires_at)}
            for i in held.invitations
        ],
        "responses": [
            {"id": r.id, "delivery_external_id": by_delivery.get(r.delivery_id), "kind": r.kind, "score": r.score,
             "comment": r.comment, "stage": stage_keys.get(r.stage_id or 0), "language": r.language,
             "sentiment": r.sentiment, "sentiment_label": r.sentiment_label, "themes": list(r.themes or []),
             "attributed_stage": stage_keys.get(r.attributed_stage_id or 0), "attribution": r.attribution,
             "attributes": r.attributes or {}, "responded_at": _iso(r.responded_at)}
            for r in held.responses
        ],
        "cases": [
            {"id": c.id, "delivery_external_id": by_delivery.get(c.delivery_id), "status": c.status,
             "priority": c.priority, "owner": users.get(c.owner_id or 0), "queue": c.queue,
             "opened_at": _iso(c.opened_at), "contacted_at": _iso(c.contacted_at),
             "resolved_at": _iso(c.resolved_at), "closed_at": _iso(c.closed_at), "resolution": c.resolution,
             "root_cause_theme": c.root_cause_theme, "resurvey_score": c.resurvey_score,
             "timeline": timeline.get(c.id, []), "escalations": escalations.get(c.id, [])}
            for c in held.cases
        ],
        "frontline_notes": [
            {"id": n.id, "delivery_external_id": by_delivery.get(n.delivery_id or 0), "text": n.text,
             "reply": n.reply, "status": n.status, "created_at": _iso(n.created_at),
             "photos": photos.get(n.id, [])}
            for n in held.notes
        ],
        "notifications": [
            {"job_id": j.id, "kind": j.kind, "status": j.status, "event": j.payload.get("event"),
             "created_at": _iso(j.created_at), "payload": j.payload,
             "calls": [{"status_code": c.status_code, "ok": c.status_code is not None and 200 <= c.status_code < 300,
                        "created_at": _iso(c.created_at)} for c in calls if c.job_id == j.id]}
            for j in jobs
        ],
    }


# --- erasure -------------------------------------------------------------------------


@dataclass
class Erasure:
    customer: str
    responses: int
    comments_removed: int
    cases: int
    notes_removed: int
    photos_removed: int
    jobs_scrubbed: int
    invitations_expired: int
    briefs_scrubbed: int
    already_erased: bool

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _scrub(value: Any, secrets: list[str]) -> Any:
    """The JSON value with every string that contains one of ``secrets`` replaced."""
    if isinstance(value, str):
        return ERASED if any(s in value for s in secrets) else value
    if isinstance(value, list):
        return [_scrub(v, secrets) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, secrets) for k, v in value.items()}
    return value


def _scrub_event(payload: dict[str, Any], secrets: list[str]) -> dict[str, Any]:
    """An event payload without the customer's text: the comment goes whatever it says."""
    clean: dict[str, Any] = _scrub(payload, secrets)
    data = clean.get("data")
    if isinstance(data, dict):
        response = data.get("response")
        if isinstance(response, dict) and response.get("comment") is not None:
            response["comment"] = None
        who = data.get("customer")
        if isinstance(who, dict):
            data["customer"] = {"external_id": who.get("external_id")}
    return clean


def erase_customer(
    *, session: Session, workspace: Workspace, external_id: str, now: dt.datetime
) -> Erasure:
    """Erase one customer's text and contact details (see the module docstring); flushes,
    the caller commits. Erasing again finds nothing more to remove and says so."""
    customer = find_customer(session=session, workspace=workspace, external_id=external_id)
    held = _held(session, customer)
    already = customer.erased_at is not None
    # What must not survive in their jobs (a two-character Chinese name counts), and the
    # quotes a brief may carry: their own texts, long enough not to match by chance.
    quotes = sorted({s for s in [*(r.comment for r in held.responses), *(n.text for n in held.notes)]
                     if s and len(s.strip()) >= 4}, key=len, reverse=True)
    secrets = sorted({s for s in [customer.name, customer.email, *quotes, *(c.resolution for c in held.cases),
                                  *(n.reply for n in held.notes)] if s and s.strip()}, key=len, reverse=True)

    customer.name = None
    customer.email = None
    customer.attributes = {}
    customer.erased_at = customer.erased_at or now

    comments = 0
    for r in held.responses:
        if r.comment is not None:
            comments += 1
            r.comment = None
    for c in held.cases:
        c.resolution = None
    if held.case_ids:
        # A system note's values may hold a person's words too (a reassignment's note).
        session.execute(update(CaseEvent).where(CaseEvent.case_id.in_(held.case_ids))
                        .values(note=None, note_key=None, note_params=None))
    for n in held.notes:
        n.text = ""
        n.reply = None
    photos = 0
    if held.notes:
        # A photo of the hand-over can show the customer, their door or their address.
        theirs = NotePhoto.note_id.in_([n.id for n in held.notes])
        photos = session.scalar(select(func.count()).select_from(NotePhoto).where(theirs)) or 0
        session.execute(delete(NotePhoto).where(theirs))
    expired = 0
    for i in held.invitations:
        if i.status in OPEN_INVITATIONS:
            i.status = "expired"
            expired += 1

    jobs = list(_their_jobs(session, workspace, customer, held))
    for job in jobs:
        job.payload = _scrub_event(job.payload, secrets)
        job.last_error = _scrub(job.last_error, secrets) if job.last_error else None
    if jobs:
        for call in session.scalars(select(WebhookCall).where(WebhookCall.job_id.in_([j.id for j in jobs]))):
            call.error = _scrub(call.error, secrets) if call.error else None

    briefs = 0
    if quotes:
        escaped = [str(escape(s)) for s in quotes]
        for brief in session.scalars(select(Brief).where(Brief.workspace_id == workspace.id)):
            content = _scrub(brief.content, quotes)
            html = brief.html
            for raw, safe in zip(quotes, escaped, strict=True):
                html = html.replace(safe, ERASED).replace(raw, ERASED)
            if content != brief.content or html != brief.html:
                brief.content, brief.html = content, html
                briefs += 1
    session.flush()
    return Erasure(
        customer=customer.external_id, responses=len(held.responses), comments_removed=comments,
        cases=len(held.cases), notes_removed=len(held.notes), photos_removed=photos, jobs_scrubbed=len(jobs),
        invitations_expired=expired, briefs_scrubbed=briefs, already_erased=already,
    )
