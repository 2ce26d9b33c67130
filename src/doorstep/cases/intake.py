"""Opening cases: which answers, who owns them, how urgent, by when.

Called through ``surveys.services.after_responses`` by every path that stores
answers (survey page, import, API), after the text analysis, so the sentiment and
the blamed stage are known. A re-survey answer does not open a case: it verifies
(or reopens) the case it was sent for (:mod:`doorstep.cases.verify`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, insert, select
from sqlalchemy.orm import Session, aliased

from doorstep.accounts.models import User, Workspace
from doorstep.accounts.services import ensure_users, workspace_settings
from doorstep.accounts.settings import WorkspaceSettings
from doorstep.cases import routing
from doorstep.cases.messages import Message, note_columns
from doorstep.cases.models import Case, CaseEvent
from doorstep.cases.priority import calendar_for, due_times, opens_case, parse_value, priority_for
from doorstep.db import one_of, one_of_param, table_of
from doorstep.deliveries.models import Customer, Delivery
from doorstep.stats import DETRACTOR_MAX
from doorstep.surveys.models import Invitation, Response

SYSTEM_ACTOR = "doorstep"


class ResponseFacts(NamedTuple):
    response_id: int
    delivery_id: int
    customer_id: int
    score: int
    responded_at: dt.datetime


def open_cases(
    *,
    session: Session,
    workspace: Workspace,
    responses: list[ResponseFacts],
    just_stored: Mapping[int, int | None] | None = None,
) -> int:
    """A case for every answer among ``responses`` that calls for one and has none yet,
    routed, prioritised and with business-hours due times. Returns how many opened.

    ``just_stored``: when the answers were stored in this transaction, the case each one
    re-surveys (None for a first answer), as the caller knows it: then nothing is read to
    find the re-surveys, nor the cases the answers already have (none, yet)."""
    if not responses:
        return 0
    rules = workspace_settings(workspace)
    responses = _handle_resurveys(session, workspace, responses, just_stored)
    candidates = _eligible(session, rules, responses)
    if not candidates:
        return 0
    already: set[int] = set()
    if just_stored is None:
        candidate_ids = [r.response_id for r in candidates]
        already = set(session.scalars(select(Case.response_id).where(one_of(session, Case.response_id, candidate_ids))))
    todo = [r for r in candidates if r.response_id not in already]
    if not todo:
        return 0
    context = _context(session, todo)
    repeats = _repeat_unhappiness(session, workspace, rules, todo)
    calendar = calendar_for(rules, workspace.timezone)
    router = _Router(session, workspace, rules)
    rows: list[dict[str, Any]] = []
    notes: dict[int, Message] = {}
    for r in sorted(todo, key=lambda f: (f.responded_at, f.response_id)):
        attrs = context[r.response_id]
        value = parse_value(attrs.get(rules.value_attribute)) if rules.value_attribute else None
        priority = priority_for(score=r.score, value=value, rules=rules, repeat=r.response_id in repeats)
        owner_id, queue, why = router.route(attrs, delivery_lead=context.lead(r.response_id))
        clocks = due_times(r.responded_at, priority, rules, calendar)
        rows.append(
            {
                "workspace_id": workspace.id,
                "response_id": r.response_id,
                "delivery_id": r.delivery_id,
                "customer_id": r.customer_id,
                "owner_id": owner_id,
                "queue": queue,
                "status": "open",
                "priority": priority,
                "opened_at": r.responded_at,
                "first_contact_due": clocks.first_contact_due,
                "resolution_due": clocks.resolution_due,
                "version": 1,
            }
        )
        reasons = _priority_reasons(r.score, value, rules, r.response_id in repeats)
        opened_because = {"why": why, "priority": Message(f"priority.{priority}")}
        notes[r.response_id] = (Message("opened_because", opened_because | {"reasons": reasons}) if reasons
                                else Message("opened", opened_because))
    # One statement: the new rows come back from the insert (in no particular order; matched
    # back by response) instead of being read again.
    opened = session.execute(_INSERT_CASES, rows).all()
    session.execute(
        _INSERT_EVENTS,
        [
            {"case_id": case_id, "at": at, "actor": SYSTEM_ACTOR, "kind": "opened", "from_status": None,
             "to_status": "open", **note_columns(notes[response_id])}
            for case_id, response_id, at in opened
        ],
    )
    return len(rows)


_CASES = table_of(Case)
_INSERT_CASES = insert(_CASES).returning(_CASES.c.id, _CASES.c.response_id, _CASES.c.opened_at)
_INSERT_EVENTS = insert(table_of(CaseEvent))


def _handle_resurveys(
    session: Session, workspace: Workspace, responses: list[ResponseFacts], known: Mapping[int, int | None] | None
) -> list[ResponseFacts]:
    """Hand re-survey answers to the verification step; return the others. ``known``: the
    case each answer re-surveys (or None), when the caller knows it."""
    if known is not None:
        answered = {r.response_id: case_id for r in responses if (case_id := known.get(r.response_id)) is not None}
    else:
        ids = [r.response_id for r in responses]
        answered = dict(
            session.execute(  # type: ignore[arg-type]  # case_id IS NOT NULL in the query
                select(Response.id, Invitation.case_id)
                .join(Invitation, Invitation.id == Response.invitation_id)
                .where(
                    one_of(session, Response.id, ids), Invitation.kind == "resurvey", Invitation.case_id.is_not(None)
                )
            ).all()
        )
    if not answered:
        return responses
    from doorstep.cases.verify import record_resurvey_answers  # verify builds on the workflow, not on intake

    record_resurvey_answers(
        session=session,
        workspace=workspace,
        answers=[(answered[r.response_id], r.score, r.responded_at) for r in responses if r.response_id in answered],
    )
    return [r for r in responses if r.response_id not in answered]


def _eligible(session: Session, rules: WorkspaceSettings, responses: list[ResponseFacts]) -> list[ResponseFacts]:
    if not (rules.case_on_negative_passive or rules.case_on_blamed_stage):
        return [r for r in responses if r.score <= DETRACTOR_MAX]  # the common case needs no extra query
    facts = {
        row.id: row
        for row in session.execute(
            select(Response.id, Response.sentiment_label, Response.stage_id).where(
                one_of(session, Response.id, [r.response_id for r in responses])
            )
        )
    }
    return [
        r
        for r in responses
        if opens_case(
            score=r.score,
            sentiment_label=facts[r.response_id].sentiment_label if r.response_id in facts else None,
            blamed_stage=r.response_id in facts and facts[r.response_id].stage_id is not None,
            rules=rules,
        )
    ]


class _Context(dict[int, dict[str, str]]):
    """Attributes by response id (customer < delivery < answer), and the delivery owner's lead."""

    leads: dict[int, int | None]

    def lead(self, response_id: int) -> int | None:
        return self.leads.get(response_id)


@lru_cache(maxsize=4)
def _context_query(dialect: str) -> Select[*tuple[Any, ...]]:
    owner = aliased(User)
    return (
        select(Response.id, Response.attributes, Delivery.attributes, Customer.attributes, owner.lead_id)
        .join(Delivery, Delivery.id == Response.delivery_id)
        .join(Customer, Customer.id == Response.customer_id)
        .outerjoin(owner, owner.id == Delivery.owner_id)
        .where(one_of_param(dialect, Response.id, "ids"))
    )


def _context(session: Session, todo: list[ResponseFacts]) -> _Context:
    query = _context_query(session.get_bind().dialect.name)
    rows = session.execute(query, {"ids": [r.response_id for r in todo]}).all()
    context = _Context()
    context.leads = {}
    for response_id, answer_attrs, delivery_attrs, customer_attrs, lead_id in rows:
        context[response_id] = routing.merged_attributes(customer_attrs, delivery_attrs, answer_attrs)
        context.leads[response_id] = lead_id
    return context


@lru_cache(maxsize=4)
def _history_query(dialect: str) -> Select[*tuple[Any, ...]]:
    # No workspace term: a customer belongs to one workspace, and with it SQLite (no
    # statistics yet) scanned the workspace's index instead of the customer's — 20 ms
    # per batch of answers at 100,000, growing with the table.
    return select(Response.id, Response.customer_id, Response.responded_at).where(
        one_of_param(dialect, Response.customer_id, "customers"),
        Response.score <= DETRACTOR_MAX,
        Response.responded_at >= bindparam("earliest"),
        Response.responded_at <= bindparam("latest"),
    )


def _repeat_unhappiness(
    session: Session, workspace: Workspace, rules: WorkspaceSettings, todo: list[ResponseFacts]
) -> set[int]:
    """Answers whose customer was already a detractor within the repeat window before them."""
    window = dt.timedelta(days=rules.repeat_window_days)
    if not window:
        return set()
    earliest = min(r.responded_at for r in todo) - window
    latest = max(r.responded_at for r in todo)
    history: dict[int, list[tuple[dt.datetime, int]]] = {}
    for response_id, customer_id, at in session.execute(
        _history_query(session.get_bind().dialect.name),
        {"customers": list({r.customer_id for r in todo}), "earliest": earliest, "latest": latest},
    ):
        history.setdefault(customer_id, []).append((at, response_id))
    return {
        r.response_id
        for r in todo
        if any(r.responded_at - window <= at and (at, rid) < (r.responded_at, r.response_id)
               for at, rid in history.get(r.customer_id, []))
    }


def _priority_reasons(score: int, value: float | None, rules: WorkspaceSettings, repeat: bool) -> list[Message]:
    reasons = []
    if score <= 3:
        reasons.append(Message("reason.score", {"score": score}))
    if value is not None and rules.value_threshold is not None and value >= rules.value_threshold:
        # As text: a value may be too large for a float (inf), which JSON cannot hold.
        reasons.append(Message("reason.value", {"attribute": rules.value_attribute or "", "value": f"{value:g}",
                                                "threshold": f"{rules.value_threshold:g}"}))
    if repeat:
        reasons.append(Message("reason.repeat", {"days": rules.repeat_window_days}))
    return reasons


def lock_routing(session: Session, workspace: Workspace) -> None:
    """Two transactions taking turns in one queue must not both read the same last turn:
    hold the workspace row's lock until commit (on SQLite, BEGIN IMMEDIATE already
    serialises writers and FOR UPDATE is a no-op). NO KEY UPDATE, because the same
    transaction already holds a KEY SHARE lock on that row through the answer's
    foreign key: a plain FOR UPDATE would have to upgrade it and two such transactions
    deadlock; NO KEY UPDATE does not conflict with KEY SHARE."""
    session.execute(select(Workspace.id).where(Workspace.id == workspace.id).with_for_update(key_share=True))


def last_turn(session: Session, workspace: Workspace, queue: str, members: list[str]) -> str | None:
    """The member who got the queue's most recent case: the durable round-robin cursor."""
    return session.scalar(
        select(User.handle)
        .join(Case, Case.owner_id == User.id)
        .where(Case.workspace_id == workspace.id, Case.queue == queue, User.handle.in_(members))
        .order_by(Case.id.desc())
        .limit(1)
    )


def take_turn(*, session: Session, workspace: Workspace, rules: WorkspaceSettings, queue: str) -> str:
    """The next member of ``queue``, under the routing lock."""
    lock_routing(session, workspace)
    members = rules.queues[queue]
    return routing.next_in_queue(members, last_turn(session, workspace, queue, members))


class _Router:
    """Routing for one batch: the rules, the fallback, and each queue's turn."""

    def __init__(self, session: Session, workspace: Workspace, rules: WorkspaceSettings) -> None:
        self.session = session
        self.workspace = workspace
        self.rules = rules
        self.turns: dict[str, str | None] = {}
        self.ids: dict[str, int] = {}
        self.locked = False

    def _id(self, handle: str) -> int:
        if handle not in self.ids:
            self.ids |= ensure_users(session=self.session, workspace_id=self.workspace.id, handles=[handle], role="cs")
        return self.ids[handle]

    def _next_in(self, queue: str) -> str:
        members = self.rules.queues[queue]
        if queue not in self.turns:
            if not self.locked:
                lock_routing(self.session, self.workspace)
                self.locked = True
            self.turns[queue] = last_turn(self.session, self.workspace, queue, members)
        handle = routing.next_in_queue(members, self.turns[queue])
        self.turns[queue] = handle
        return handle

    def route(self, attributes: dict[str, str], *,
              delivery_lead: int | None) -> tuple[int | None, str | None, Message]:
        """(owner id, queue, why) for one case."""
        matched = routing.match(self.rules.routing_rules, attributes)
        if matched is not None and matched.queue is not None:
            handle = self._next_in(matched.queue)
            return self._id(handle), matched.queue, Message(
                "route.rule_queue", {"rule": matched.rule or 0, "queue": matched.queue, "handle": handle})
        if matched is not None and matched.owner is not None:
            return self._id(matched.owner), None, Message(
                "route.rule_owner", {"rule": matched.rule or 0, "owner": matched.owner})
        if delivery_lead is not None:
            return delivery_lead, None, Message("route.lead")
        if self.rules.default_cs_owner:
            return self._id(self.rules.default_cs_owner), None, Message("route.default")
        return None, None, Message("route.none")
