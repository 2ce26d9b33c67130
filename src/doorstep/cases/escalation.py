"""Escalation: a clock that ran out is escalated once, and only once, whatever happens.

The scheduler pass scans by due time ("which active cases are past a due time they
were never escalated for?"), not by "what changed since the last tick", so a case
that breached while the server was down is escalated by the first pass after it
comes back.

Idempotency rests on the ``escalations`` unique constraint on (case, kind): each
breach is claimed with INSERT … ON CONFLICT DO NOTHING RETURNING, and only a pass
whose insert returned a row records the timeline entry and enqueues the
notification (whose own ``dedupe_key`` is a second guard). The claim, the entry and
the job commit together, so:

- two passes at once: one insert wins, the other waits on the unique index and
  then finds the row taken (PostgreSQL), or simply runs after it (SQLite);
- a crash mid-pass: nothing of that pass was committed, the next pass does it all;
- a pass that committed: the rows exist, the next pass skips those breaches.

A reopened case gets a new resolution clock; its breach is a new kind
(``resolution.2``, ``resolution.3`` …) so it escalates once too. A breach is
known by its due time: the pass skips a clock that has an escalation for a due
time at least as late as the current one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from doorstep.accounts.models import User, Workspace
from doorstep.accounts.services import ensure_users, workspace_settings
from doorstep.cases.messages import Message, Moment, note_columns
from doorstep.cases.models import Case, CaseEvent, Escalation
from doorstep.cases.queries import first_contact_breached, resolution_breached
from doorstep.db import table_of
from doorstep.deliveries.models import Delivery
from doorstep.jobs.services import enqueue

NOTIFY_KIND = "notify.case_escalated"
CLOCKS = ("first_contact", "resolution")


def _insert_ignore(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    return insert(table_of(Escalation))


def _not_escalated(clock: str, due: Any) -> Any:
    return ~exists().where(
        Escalation.case_id == Case.id,
        Escalation.kind.like(f"{clock}%"),
        Escalation.due_at >= due,
    )


def due_breaches(session: Session, now: dt.datetime, limit: int | None = None) -> list[tuple[Case, str, dt.datetime]]:
    """(case, clock, due time) of every breach not yet escalated, oldest due first."""
    found: list[tuple[Case, str, dt.datetime]] = []
    for clock, breached, due in (
        ("first_contact", first_contact_breached(now), Case.first_contact_due),
        ("resolution", resolution_breached(now), Case.resolution_due),
    ):
        stmt = select(Case).where(breached, _not_escalated(clock, due)).order_by(due, Case.id)
        if limit is not None:
            stmt = stmt.limit(limit)
        found.extend((case, clock, getattr(case, f"{clock}_due")) for case in session.scalars(stmt))
    return sorted(found, key=lambda item: (item[2], item[0].id, item[1]))


def _kind(session: Session, case_id: int, clock: str, due: dt.datetime) -> str:
    """'resolution' for a clock's first breach, 'resolution.2' for the next cycle's …

    Numbered by the breaches with an *earlier* due time, so two passes escalating the
    same breach at once derive the same kind and the unique constraint lets one win
    (counting all rows would let the later pass see the winner's row and invent a
    "second" breach)."""
    earlier = session.scalar(
        select(func.count())
        .select_from(Escalation)
        .where(Escalation.case_id == case_id, Escalation.kind.like(f"{clock}%"), Escalation.due_at < due)
    ) or 0
    return clock if earlier == 0 else f"{clock}.{earlier + 1}"


def _recipient(session: Session, case: Case, contact_handle: str | None) -> tuple[int | None, str | None]:
    """The owner's lead, else the workspace's escalation contact, else nobody in particular."""
    if case.owner_id is not None:
        owner = aliased(User)
        lead = session.execute(
            select(User.id, User.handle).join(owner, owner.lead_id == User.id).where(owner.id == case.owner_id)
        ).first()
        if lead is not None:
            return lead[0], lead[1]
    if contact_handle:
        # Named in the settings but never seen: create them (as a default CS owner is), so
        # the escalation has someone to point at.
        ids = ensure_users(session=session, workspace_id=case.workspace_id, handles=[contact_handle], role="cs")
        return ids[contact_handle], contact_handle
    return None, None


def escalate(session: Session, case: Case, clock: str, due: dt.datetime, now: dt.datetime,
             workspace: Workspace) -> bool:
    """Escalate one breach if nobody has; True when this call did it."""
    kind = _kind(session, case.id, clock, due)
    rules = workspace_settings(workspace)
    notified_id, notified = _recipient(session, case, rules.escalation_contact)
    claimed = session.execute(
        _insert_ignore(session)
        .values(case_id=case.id, kind=kind, due_at=due, escalated_at=now, notified_user_id=notified_id)
        .on_conflict_do_nothing(index_elements=["case_id", "kind"])
        .returning(table_of(Escalation).c.id)
    ).scalar()
    if claimed is None:
        return False  # another pass got there first
    owner = session.scalar(select(User.handle).where(User.id == case.owner_id)) if case.owner_id else None
    delivery = session.scalar(select(Delivery.external_id).where(Delivery.id == case.delivery_id))
    note = Message("escalated", {"clock": Message(f"clock.{clock}"), "due": Moment.of(due),
                                 "notified": notified or Message("escalated.nobody")})
    session.add(CaseEvent(case_id=case.id, at=now, actor="doorstep", kind="escalated", **note_columns(note)))
    enqueue(
        session,
        kind=NOTIFY_KIND,
        payload={"workspace": workspace.slug, "case_id": case.id, "clock": clock, "kind": kind,
                 "due_at": due.isoformat(), "owner": owner, "notify": notified, "priority": case.priority,
                 "delivery_external_id": delivery},
        run_at=now,
        dedupe_key=f"escalate:{case.id}:{kind}",
        workspace_id=workspace.id,
    )
    session.flush()
    return True


def run_escalation_pass(session: Session, now: dt.datetime) -> int:
    """Escalate every breach not yet escalated, in every workspace. Returns how many this
    pass escalated (0 when another pass did them)."""
    workspaces: dict[int, Workspace] = {}
    count = 0
    for case, clock, due in due_breaches(session, now):
        workspace = workspaces.get(case.workspace_id) or session.get_one(Workspace, case.workspace_id)
        workspaces[workspace.id] = workspace
        count += escalate(session, case, clock, due, now, workspace)
    return count


def scheduler_pass(session: Session, now: dt.datetime) -> dict[str, int]:
    """Everything time-driven about cases, in one unit of work: escalate breaches, close
    cases whose re-survey expired unanswered."""
    from doorstep.cases.verify import expire_resurveys

    escalated = run_escalation_pass(session, now)
    closed = expire_resurveys(session=session, now=now)
    breached = session.scalar(
        select(func.count()).select_from(Case).where(
            and_(first_contact_breached(now) | resolution_breached(now))
        )
    ) or 0
    return {"escalated": escalated, "closed_unverified": closed, "breached_now": breached}
