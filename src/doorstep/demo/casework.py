"""Plausible histories for the demo's cases, played through the real services in time order.

The CS team of each demo business works its cases the way a real one does: most
are contacted within hours, some too late; most are resolved; customers answer
about half of the re-surveys, and most of those who answer have come round. The
scheduler pass runs every few simulated hours meanwhile, so breaches are escalated
when they happened, and re-surveys nobody answered close their case unverified.
Recent cases are left for the inbox: a real queue, with some clocks run out.

Deterministic: the same seed and ``now`` give the same history.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.accounts.models import User, Workspace
from doorstep.cases.escalation import escalate, run_escalation_pass, scheduler_pass
from doorstep.cases.models import Case
from doorstep.cases.queries import breaches
from doorstep.cases.services import apply_transition, get_case
from doorstep.cases.verify import expire_resurveys
from doorstep.cases.workflow import allowed_next
from doorstep.surveys.models import Invitation
from doorstep.surveys.services import submit_response

TICK = dt.timedelta(hours=24)  # how often the simulated scheduler runs (the real one: every minute)
FRESH = dt.timedelta(days=3)  # younger cases stay in the inbox as they are


@dataclass(frozen=True)
class Team:
    """How one CS team works: median hours to contact and to fix, how often it slips."""

    contact_hours: float
    fix_hours: float
    slip: float  # share of cases handled much later than usual
    answer_rate: float  # share of re-surveys answered
    recovery: float  # share of answers that are passive or promoter


@dataclass(order=True)
class _Step:
    at: dt.datetime
    order: int
    act: Callable[[Session, dt.datetime], None] = field(compare=False)


def _hours(rng: random.Random, median: float, slip: float) -> dt.timedelta:
    factor = rng.uniform(4, 10) if rng.random() < slip else math.exp(rng.gauss(0, 0.6))
    return dt.timedelta(hours=max(0.2, median * factor))


def work_cases(session: Session, workspace: Workspace, team: Team, *, seed: int, now: dt.datetime) -> dict[str, int]:
    """Play the team's work on every case older than a few days; returns counts by outcome."""
    rng = random.Random(f"{seed}:{workspace.slug}")  # noqa: S311 - demo data, not secrets
    handles = dict(session.execute(select(User.id, User.handle).where(User.workspace_id == workspace.id)).all())
    cases = session.execute(
        select(Case.id, Case.opened_at, Case.owner_id, Case.first_contact_due, Case.resolution_due)
        .where(Case.workspace_id == workspace.id)
        .order_by(Case.id)
    ).all()
    steps: list[_Step] = []
    counter = 0

    def plan(at: dt.datetime, act: Callable[[Session, dt.datetime], None]) -> None:
        nonlocal counter
        if at < now:
            counter += 1
            heapq.heappush(steps, _Step(at, counter, act))

    for case_id, opened_at, owner_id, contact_due, resolve_due in cases:
        # The real scheduler looks every minute: a clock that runs out is escalated within minutes.
        plan(contact_due + dt.timedelta(minutes=1), _escalate(workspace, case_id, "first_contact", contact_due))
        plan(resolve_due + dt.timedelta(minutes=1), _escalate(workspace, case_id, "resolution", resolve_due))
        if now - opened_at < FRESH and rng.random() < 0.8:
            continue
        actor = handles.get(owner_id, "cs-team") if owner_id else "cs-team"
        contacted = opened_at + _hours(rng, team.contact_hours, team.slip)
        resolved = contacted + _hours(rng, team.fix_hours, team.slip)
        answered = resolved + dt.timedelta(hours=48 + rng.uniform(1, 96))
        will_answer = rng.random() < team.answer_rate
        score = rng.choice((7, 8, 8, 9, 9, 10)) if rng.random() < team.recovery else rng.choice((2, 4, 5, 6))
        plan(contacted, _move(workspace, case_id, "contacted", actor, "called the customer"))
        plan(resolved, _move(workspace, case_id, "resolved", actor, None, resolution=rng.choice(RESOLUTIONS)))
        if will_answer:
            plan(answered, _answer(case_id, score))
            if score <= 6:  # unhappy again: the case reopens; the team fixes it again a day or two later
                plan(answered + _hours(rng, team.fix_hours * 3, 0), _move(
                    workspace, case_id, "resolved", actor, "second fix", resolution=rng.choice(RESOLUTIONS)))

    tick = min((s.at for s in steps), default=now)
    while steps:
        step = heapq.heappop(steps)
        while tick <= step.at:
            run_escalation_pass(session, tick)
            expire_resurveys(session=session, now=tick)
            tick += TICK
        step.act(session, step.at)
    scheduler_pass(session, now)
    outcome: dict[str, int] = {}
    for (status,) in session.execute(select(Case.status).where(Case.workspace_id == workspace.id)):
        outcome[status] = outcome.get(status, 0) + 1
    return outcome


RESOLUTIONS = (
    "Refunded the order and sent a voucher.",
    "Apologised; re-delivered the missing items.",
    "Coached the courier; credited the customer.",
    "Fixed the configuration with the customer on a call.",
    "Arranged extra training for the customer's team.",
    "退款并赠送优惠券，已向客户致歉。",
)


def _move(workspace: Workspace, case_id: int, to: str, actor: str, note: str | None,
          resolution: str | None = None) -> Callable[[Session, dt.datetime], None]:
    def act(session: Session, at: dt.datetime) -> None:
        case = get_case(session=session, workspace=workspace, case_id=case_id)
        if to in allowed_next(case.status):
            apply_transition(session=session, workspace=workspace, case=case, to=to, actor=actor, now=at,
                             note=note, resolution=resolution)

    return act


def _escalate(workspace: Workspace, case_id: int, clock: str,
              due: dt.datetime) -> Callable[[Session, dt.datetime], None]:
    def act(session: Session, at: dt.datetime) -> None:
        case = get_case(session=session, workspace=workspace, case_id=case_id)
        if clock in breaches(case, at):
            escalate(session, case, clock, due, at, workspace)

    return act


def _answer(case_id: int, score: int) -> Callable[[Session, dt.datetime], None]:
    def act(session: Session, at: dt.datetime) -> None:
        token = session.scalar(
            select(Invitation.token)
            .join(Case, Case.resurvey_invitation_id == Invitation.id)
            .where(Case.id == case_id, Case.status == "resolved", Invitation.status == "pending",
                   Invitation.expires_at > at)
        )
        if token is not None:
            submit_response(session=session, token=token, score=score, comment=None, stage=None, now=at)

    return act


# The closed-loop rules of the two demo businesses (WorkspaceSettings fields).
RULES: dict[str, dict[str, object]] = {
    # A food-delivery CS desk works every day, 08:00–22:00 Shanghai time, and answers fast.
    "food": {
        "business_hours": {"days": [1, 2, 3, 4, 5, 6, 7], "start": "08:00", "end": "22:00"},
        "first_contact_hours": 4, "resolution_hours": 24,
        "sla_by_priority": {"high": {"first_contact_hours": 2, "resolution_hours": 12}},
        "escalation_contact": "cs-director-wu",
    },
    # A SaaS success team works Monday to Friday in Berlin; big accounts come first.
    "saas": {
        "business_hours": {"days": [1, 2, 3, 4, 5], "start": "09:00", "end": "18:00"},
        "value_attribute": "arr", "value_threshold": 100000,
        "sla_by_priority": {"high": {"first_contact_hours": 8, "resolution_hours": 40}},
        "escalation_contact": "vp-success",
    },
}
TEAMS = {
    "food": Team(contact_hours=2.5, fix_hours=8, slip=0.12, answer_rate=0.35, recovery=0.68),
    "saas": Team(contact_hours=10, fix_hours=30, slip=0.15, answer_rate=0.4, recovery=0.6),
}
