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
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, exists, func, insert, select
from sqlalchemy.orm import Session, aliased

from doorstep.accounts.models import User, Workspace
from doorstep.accounts.services import ensure_users, workspace_settings
from doorstep.cases.messages import Message, Moment, note_columns
from doorstep.cases.models import Case, CaseEvent, Escalation
from doorstep.cases.queries import first_contact_breached, resolution_breached
from doorstep.db import one_of, table_of
from doorstep.deliveries.models import Delivery
from doorstep.jobs.services import NewJob, enqueue_many

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


CHUNK = 1000  # breaches per round of statements (their ids go into IN lists)


def _kinds(session: Session, breaches: Sequence[tuple[Case, str, dt.datetime]]) -> list[str]:
    """Each breach's kind: 'resolution' for a clock's first breach, 'resolution.2' for the
    next cycle's …

    Numbered by the breaches with an *earlier* due time, so two passes escalating the
    same breach at once derive the same kind and the unique constraint lets one win
    (counting all rows would let the later pass see the winner's row and invent a
    "second" breach)."""
    earlier: dict[tuple[int, str], list[dt.datetime]] = {}
    for case_id, kind, due_at in session.execute(
        select(Escalation.case_id, Escalation.kind, Escalation.due_at).where(
            one_of(session, Escalation.case_id, {case.id for case, _clock, _due in breaches})
        )
    ):
        earlier.setdefault((case_id, kind.split(".")[0]), []).append(due_at)
    kinds = []
    for case, clock, due in breaches:
        n = sum(1 for at in earlier.get((case.id, clock), ()) if at < due)
        kinds.append(clock if n == 0 else f"{clock}.{n + 1}")
    return kinds


def _recipients(
    session: Session, breaches: Sequence[tuple[Case, str, dt.datetime]], workspaces: dict[int, Workspace]
) -> list[tuple[int | None, str | None]]:
    """Each breach's recipient: the owner's lead, else the workspace's escalation contact,
    else nobody in particular."""
    owner = aliased(User)
    leads: dict[int, tuple[int, str]] = {
        owner_id: (lead_id, handle)
        for owner_id, lead_id, handle in session.execute(
            select(owner.id, User.id, User.handle)
            .join(owner, owner.lead_id == User.id)
            .where(one_of(session, owner.id, {c.owner_id for c, _clock, _due in breaches if c.owner_id}))
        )
    }
    contacts: dict[int, tuple[int, str] | None] = {}
    out: list[tuple[int | None, str | None]] = []
    for case, _clock, _due in breaches:
        if case.owner_id is not None and case.owner_id in leads:
            out.append(leads[case.owner_id])
            continue
        if case.workspace_id not in contacts:
            handle = workspace_settings(workspaces[case.workspace_id]).escalation_contact
            # Named in the settings but never seen: create them (as a default CS owner is), so
            # the escalation has someone to point at.
            ids = ensure_users(session=session, workspace_id=case.workspace_id, handles=[handle], role="cs") \
                if handle else {}
            contacts[case.workspace_id] = (ids[handle], handle) if handle else None
        out.append(contacts[case.workspace_id] or (None, None))
    return out


def escalate_many(
    session: Session, breaches: Sequence[tuple[Case, str, dt.datetime]], now: dt.datetime,
    workspaces: dict[int, Workspace],
) -> int:
    """Escalate these breaches (case, clock, due time) where nobody has; returns how many
    this call did. A few statements per batch, not per breach: the first pass after a big
    import of old answers meets thousands of breaches at once, and one breach at a time
    (seven statements each) held the database for 47 s at 100,000 answers."""
    done = 0
    for start in range(0, len(breaches), CHUNK):
        chunk = breaches[start : start + CHUNK]
        kinds = _kinds(session, chunk)
        recipients = _recipients(session, chunk, workspaces)
        claimed = {
            (case_id, kind)
            for case_id, kind in session.execute(
                _insert_ignore(session)
                .on_conflict_do_nothing(index_elements=["case_id", "kind"])
                .returning(table_of(Escalation).c.case_id, table_of(Escalation).c.kind),
                [
                    {"case_id": case.id, "kind": kind, "due_at": due, "escalated_at": now,
                     "notified_user_id": recipient[0]}
                    for (case, _clock, due), kind, recipient in zip(chunk, kinds, recipients, strict=True)
                ],
            )
        }  # another pass got to the others first
        mine = [
            (case, clock, due, kind, recipient[1])
            for (case, clock, due), kind, recipient in zip(chunk, kinds, recipients, strict=True)
            if (case.id, kind) in claimed
        ]
        if not mine:
            continue
        owners: dict[int, str] = {
            user_id: handle
            for user_id, handle in session.execute(
                select(User.id, User.handle).where(
                    one_of(session, User.id, {c.owner_id for c, *_ in mine if c.owner_id})
                )
            )
        }
        deliveries: dict[int, str] = {
            delivery_id: external_id
            for delivery_id, external_id in session.execute(
                select(Delivery.id, Delivery.external_id).where(
                    one_of(session, Delivery.id, {c.delivery_id for c, *_ in mine})
                )
            )
        }
        events, jobs = [], []
        for case, clock, due, kind, notified in mine:
            note = Message("escalated", {"clock": Message(f"clock.{clock}"), "due": Moment.of(due),
                                         "notified": notified or Message("escalated.nobody")})
            events.append({"case_id": case.id, "at": now, "actor": "doorstep", "kind": "escalated",
                           "from_status": None, "to_status": None, **note_columns(note)})
            workspace = workspaces[case.workspace_id]
            jobs.append(NewJob(
                kind=NOTIFY_KIND,
                payload={"workspace": workspace.slug, "case_id": case.id, "clock": clock, "kind": kind,
                         "due_at": due.isoformat(), "owner": owners.get(case.owner_id) if case.owner_id else None,
                         "notify": notified, "priority": case.priority,
                         "delivery_external_id": deliveries.get(case.delivery_id)},
                run_at=now,
                dedupe_key=f"escalate:{case.id}:{kind}",
                workspace_id=workspace.id,
            ))
        session.execute(insert(table_of(CaseEvent)), events)
        enqueue_many(session, jobs, now=now)
        done += len(mine)
    return done


def escalate(session: Session, case: Case, clock: str, due: dt.datetime, now: dt.datetime,
             workspace: Workspace) -> bool:
    """Escalate one breach if nobody has; True when this call did it."""
    return escalate_many(session, [(case, clock, due)], now, {workspace.id: workspace}) == 1


def run_escalation_pass(session: Session, now: dt.datetime) -> int:
    """Escalate every breach not yet escalated, in every workspace. Returns how many this
    pass escalated (0 when another pass did them)."""
    breaches = due_breaches(session, now)
    workspaces = {w: session.get_one(Workspace, w) for w in {case.workspace_id for case, _clock, _due in breaches}}
    return escalate_many(session, breaches, now, workspaces)


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
