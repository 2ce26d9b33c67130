"""Proof that the loop closed: ask the customer again after the fix.

Resolving a case creates a re-survey invitation (kind ``resurvey``, tied to the
case) that may be sent ``resurvey_delay_hours`` after the resolution (48 h by
default), moved out of the customer's quiet hours (night-time, in their own zone),
and can be answered for ``resurvey_expiry_days`` after that. The quiet period (nobody
asked twice within N days) does not apply: the customer was promised a follow-up.

The answer arrives through the normal survey page and ``after_responses``; it sets
the case ``verified`` with the new score. An answer that is unhappy again also
reopens the case (verified → reopened) rather than opening a second case: the
history stays in one place and the owner who knows the story gets it back. No
answer by expiry closes the case ``closed_unverified`` (in the scheduler pass).

Sending the invitation is the channels' job (issue 5): it is due at ``send_after``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.accounts.models import Workspace
from doorstep.accounts.services import workspace_settings
from doorstep.cases.messages import Message, note_columns
from doorstep.cases.models import Case, CaseEvent
from doorstep.deliveries.models import Delivery
from doorstep.stats import DETRACTOR_MAX
from doorstep.surveys.models import Invitation
from doorstep.surveys.timing import outside_quiet_hours

CUSTOMER_ACTOR = "customer"
PENDING = ("pending", "sent", "opened")


def schedule_resurvey(*, session: Session, workspace: Workspace, case: Case, now: dt.datetime) -> Invitation:
    """The re-survey invitation for a case just resolved."""
    # surveys owns tokens and the send job; imported late: surveys imports cases
    from doorstep.surveys.services import customer_zone, new_token, schedule_send

    rules = workspace_settings(workspace)
    send_after = now + dt.timedelta(hours=rules.resurvey_delay_hours)
    if rules.quiet_hours is not None:
        # A case resolved at 2 pm is re-asked 48 h later; one resolved at 3 am would be too,
        # so the quiet hours hold here as for the first invitation, in the customer's zone.
        delivery = session.get(Delivery, case.delivery_id) if case.delivery_id is not None else None
        tz = customer_zone(delivery.attributes if delivery is not None else {}, workspace.timezone)
        send_after = outside_quiet_hours(send_after, rules.quiet_hours, tz)
    invitation = Invitation(
        workspace_id=workspace.id,
        delivery_id=case.delivery_id,
        customer_id=case.customer_id,
        token=new_token(),
        kind="resurvey",
        channel="link",
        status="pending",
        created_at=now,
        send_after=send_after,
        expires_at=send_after + dt.timedelta(days=rules.resurvey_expiry_days),
        case_id=case.id,
    )
    session.add(invitation)
    session.flush()
    # Not a versioned change: the transition that resolved the case already bumped it.
    case.resurvey_invitation_id = invitation.id
    session.flush()
    schedule_send(session=session, invitation=invitation)  # the e-mail goes out at send_after
    return invitation


def cancel_resurvey(*, session: Session, case: Case, now: dt.datetime) -> None:
    """A reopened case is not fixed yet: withdraw a re-survey nobody answered."""
    if case.resurvey_invitation_id is None:
        return
    invitation = session.get(Invitation, case.resurvey_invitation_id)
    if invitation is not None and invitation.status in PENDING:
        invitation.status = "expired"
        invitation.expires_at = min(invitation.expires_at, now)
        session.flush()


def record_resurvey_answers(
    *, session: Session, workspace: Workspace, answers: list[tuple[int, int, dt.datetime]]
) -> int:
    """(case id, score, answered at) of re-survey answers: verify each case, and reopen it
    when the customer is unhappy again. Returns how many cases were verified."""
    from doorstep.cases.services import apply_transition

    verified = 0
    for case_id, score, at in answers:
        case = session.scalar(
            select(Case).where(Case.id == case_id, Case.workspace_id == workspace.id).with_for_update()
        )
        if case is None:
            continue
        if case.status != "resolved":
            # Reopened or closed by hand meanwhile: keep the answer on the timeline, move nothing.
            case.resurvey_score = score
            note = Message("resurvey.answered_while", {"score": score, "status": Message(f"status.{case.status}")})
            session.add(CaseEvent(case_id=case.id, at=at, actor=CUSTOMER_ACTOR, kind="note", **note_columns(note)))
            session.flush()
            continue
        apply_transition(session=session, workspace=workspace, case=case, to="verified", actor=CUSTOMER_ACTOR,
                         now=at, note=Message("resurvey.score", {"score": score}), system=True)
        case.resurvey_score = score
        session.flush()
        verified += 1
        if score <= DETRACTOR_MAX:
            apply_transition(session=session, workspace=workspace, case=case, to="reopened", actor=CUSTOMER_ACTOR,
                             now=at, note=Message("resurvey.unhappy_again", {"score": score}), system=True)
    return verified


def expire_resurveys(*, session: Session, now: dt.datetime) -> int:
    """Close, unverified, every resolved case (all workspaces) whose re-survey expired
    unanswered. Scans by expiry time, so it is right after any downtime."""
    from doorstep.cases.services import apply_transition

    rows = session.execute(
        select(Case, Invitation)
        .join(Invitation, Invitation.id == Case.resurvey_invitation_id)
        .where(Case.status == "resolved", Invitation.expires_at <= now, Invitation.status.in_(PENDING))
        .order_by(Case.id)
        .with_for_update(of=Case)
    ).all()
    workspaces: dict[int, Workspace] = {}
    for case, invitation in rows:
        workspace = workspaces.get(case.workspace_id) or session.get_one(Workspace, case.workspace_id)
        workspaces[workspace.id] = workspace
        invitation.status = "expired"
        apply_transition(session=session, workspace=workspace, case=case, to="closed_unverified",
                         actor="doorstep", now=now, note=Message("resurvey.expired"), system=True)
    return len(rows)
