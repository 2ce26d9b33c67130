"""Working a case: transitions, notes, reassignment. Services flush; the caller commits.

Every change bumps ``cases.version`` with ``UPDATE … WHERE id = ? AND version = ?``:
when two people act on one case at once, exactly one update matches and the other
gets a :class:`~doorstep.cases.workflow.TransitionRefused` (HTTP 409) naming the
state the case is in now. Every change also appends to ``case_events``, the
case's timeline, which nothing ever updates or deletes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from doorstep.accounts.models import User, Workspace
from doorstep.accounts.services import ensure_users, workspace_settings
from doorstep.cases import intake
from doorstep.cases.intake import SYSTEM_ACTOR, ResponseFacts, take_turn
from doorstep.cases.messages import Message, note_columns
from doorstep.cases.models import Case, CaseEvent
from doorstep.cases.priority import calendar_for, sla_for
from doorstep.cases.queries import CasePage, case_detail, count_open_cases, list_cases
from doorstep.cases.sla import add_business_time
from doorstep.cases.workflow import CLOSED, TransitionRefused, check_transition
from doorstep.db import one_of, table_of
from doorstep.deliveries.models import Stage
from doorstep.errors import InvalidInput, NotFound

__all__ = [
    "SYSTEM_ACTOR",
    "CasePage",
    "ResponseFacts",
    "add_note",
    "apply_transition",
    "assign_case",
    "case_detail",
    "count_open_cases",
    "get_case",
    "list_cases",
    "open_cases",
    "transition_case",
]

MAX_NOTE = 20_000  # the same bound as a customer's comment: a long complaint is real, a megabyte is not a note
MAX_KEY = 64


def open_cases(
    *,
    session: Session,
    workspace: Workspace,
    responses: list[ResponseFacts],
    announce_since: dt.datetime | None = None,
    subscriptions: Sequence[int] | None = None,
    just_stored: Mapping[int, int | None] | None = None,
) -> int:
    """Open the cases these answers call for (:func:`doorstep.cases.intake.open_cases`) and
    announce each as ``case.opened`` to the workspace's webhooks (only those whose answer
    came in since ``announce_since``, when given). Costs one extra query when nobody listens,
    none when the caller knows the ``subscriptions`` to ``case.opened``."""
    from doorstep.channels.events import emit_cases_opened, listeners  # channels build on cases

    announced = [r for r in responses if announce_since is None or r.responded_at >= announce_since]
    if subscriptions is None:
        subscriptions = listeners(session, workspace_id=workspace.id, event="case.opened") if announced else []
    if not announced or not subscriptions:
        return intake.open_cases(session=session, workspace=workspace, responses=responses, just_stored=just_stored)
    response_ids = [r.response_id for r in announced]
    before = set(_case_ids_of(session, response_ids))
    opened = intake.open_cases(session=session, workspace=workspace, responses=responses, just_stored=just_stored)
    if opened:
        new = [case_id for case_id in _case_ids_of(session, response_ids) if case_id not in before]
        # A case opens when its answer came in: the event's time, and the job's (never later than the clock).
        if new:
            emit_cases_opened(session, workspace, new, max(r.responded_at for r in announced))
    return opened


def _case_ids_of(session: Session, response_ids: list[int]) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(response_ids), 1000):
        chunk = response_ids[start:start + 1000]
        ids.extend(session.scalars(select(Case.id).where(one_of(session, Case.response_id, chunk)).order_by(Case.id)))
    return ids


def clean_text(text: str | None, *, field: str) -> str | None:
    """Notes and resolutions as people type them: no NUL, one character per line break, bounded."""
    if text is None:
        return None
    cleaned = text.replace("\x00", "").replace("\r\n", "\n").strip()
    if len(cleaned) > MAX_NOTE:
        raise InvalidInput(
            f"a {field} is at most {MAX_NOTE:,} characters; this one has {len(cleaned):,}", field=field
        )
    return cleaned or None


def get_case(*, session: Session, workspace: Workspace, case_id: int, lock: bool = False) -> Case:
    """The case, only if it belongs to ``workspace`` (another workspace's id is just unknown)."""
    stmt = select(Case).where(Case.id == case_id, Case.workspace_id == workspace.id)
    if lock:
        stmt = stmt.with_for_update()
    case = session.scalar(stmt)
    if case is None:
        raise NotFound(f"case {case_id} does not exist in workspace '{workspace.slug}'")
    return case


def _event(session: Session, case_id: int, *, at: dt.datetime, actor: str, kind: str,
           note: str | Message | None = None, from_status: str | None = None, to_status: str | None = None) -> None:
    session.execute(
        insert(table_of(CaseEvent)).values(
            case_id=case_id, at=at, actor=actor[:120], kind=kind, from_status=from_status, to_status=to_status,
            **note_columns(note),
        )
    )


def _stale(case: Case, session: Session, expected: int) -> TransitionRefused:
    session.refresh(case)
    return TransitionRefused(
        f"case {case.id} was changed by someone else (you had version {expected}); it is now {case.status}, "
        f"version {case.version}",
        case_id=case.id, status=case.status, version=case.version, stale=True,
    )


def _versioned_update(session: Session, case: Case, values: dict[str, Any]) -> None:
    """Apply ``values`` only if nobody changed the case since we read it."""
    expected = case.version
    result = session.execute(
        update(table_of(Case))
        .where(Case.id == case.id, Case.version == expected)
        .values(**values, version=expected + 1)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise _stale(case, session, expected)
    # The row now holds exactly these values: tell the loaded object so, without a re-read.
    for key, value in (values | {"version": expected + 1}).items():
        set_committed_value(case, key, value)


def _root_cause(session: Session, workspace: Workspace, stage: str | None, theme: str | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if stage:
        from doorstep.deliveries.services import ensure_journey

        journey = ensure_journey(session=session, workspace=workspace)
        stage_id = session.scalar(select(Stage.id).where(Stage.journey_id == journey.id, Stage.key == stage))
        if stage_id is None:
            raise InvalidInput(f"unknown stage '{stage[:MAX_KEY]}'", field="root_cause_stage")
        values["root_cause_stage_id"] = stage_id
    if theme:
        theme = theme.strip()
        if not theme or len(theme) > MAX_KEY:
            raise InvalidInput(f"a theme key is 1–{MAX_KEY} characters", field="root_cause_theme")
        values["root_cause_theme"] = theme
    return values


def apply_transition(
    *,
    session: Session,
    workspace: Workspace,
    case: Case,
    to: str,
    actor: str,
    now: dt.datetime,
    note: str | Message | None = None,
    expected_version: int | None = None,
    resolution: str | None = None,
    root_cause_stage: str | None = None,
    root_cause_theme: str | None = None,
    system: bool = False,
) -> Case:
    """Move a loaded case to ``to``, with its side effects (timestamps, the clock of a
    reopened case, the re-survey of a resolved one) and a timeline entry. ``note`` is a
    person's text, or a :class:`~doorstep.cases.messages.Message` when the system moves it."""
    from doorstep.cases import verify  # verify moves cases itself; imported here to keep the graph acyclic

    if not isinstance(note, Message):
        note = clean_text(note, field="note")
    resolution = clean_text(resolution, field="resolution")
    if expected_version is not None and expected_version != case.version:
        raise TransitionRefused(
            f"case {case.id} changed since version {expected_version}: it is now {case.status}, version {case.version}",
            case_id=case.id, status=case.status, version=case.version, stale=True,
        )
    check_transition(case_id=case.id, status=case.status, version=case.version, to=to, system=system)
    before = case.status
    values: dict[str, Any] = {"status": to, **_root_cause(session, workspace, root_cause_stage, root_cause_theme)}
    if resolution is not None:
        values["resolution"] = resolution
    if to == "contacted" and case.contacted_at is None:
        values["contacted_at"] = now  # the first contact: what the first-contact SLA measures
    elif to == "resolved":
        values |= {"resolved_at": now, "closed_at": None}
    elif to in CLOSED:
        values["closed_at"] = now
    elif to == "reopened":
        # A new resolution clock from now; the first-contact clock measured the first contact.
        rules = workspace_settings(workspace)
        _contact, resolve = sla_for(rules, case.priority)
        values |= {
            "resolved_at": None,
            "closed_at": None,
            "resolution_due": add_business_time(now, resolve, calendar_for(rules, workspace.timezone)),
        }
    _versioned_update(session, case, values)
    _event(session, case.id, at=now, actor=actor, kind="transition", note=note, from_status=before, to_status=to)
    if to in CLOSED:
        from doorstep.channels.events import emit_case_closed  # channels build on cases

        emit_case_closed(session, case, now)
    if to == "resolved":
        verify.schedule_resurvey(session=session, workspace=workspace, case=case, now=now)
    elif to in ("reopened", "closed_unverified"):
        # Not fixed yet, or closed without proof: withdraw a re-survey nobody answered.
        verify.cancel_resurvey(session=session, case=case, now=now)
    session.flush()
    return case


def transition_case(
    *,
    session: Session,
    workspace: Workspace,
    case_id: int,
    to: str,
    actor: str,
    now: dt.datetime,
    note: str | None = None,
    expected_version: int | None = None,
    resolution: str | None = None,
    root_cause_stage: str | None = None,
    root_cause_theme: str | None = None,
) -> Case:
    """A person moves a case (API, CLI, inbox). Illegal or stale moves raise a 409 error
    that names the current state and the legal next ones."""
    case = get_case(session=session, workspace=workspace, case_id=case_id)
    return apply_transition(
        session=session, workspace=workspace, case=case, to=to, actor=actor, now=now, note=note,
        expected_version=expected_version, resolution=resolution, root_cause_stage=root_cause_stage,
        root_cause_theme=root_cause_theme,
    )


def add_note(*, session: Session, workspace: Workspace, case_id: int, actor: str, note: str, now: dt.datetime) -> Case:
    """Append a note to the case's timeline (the case itself does not change)."""
    text = clean_text(note, field="note")
    if not text:
        raise InvalidInput("a note cannot be empty", field="note")
    case = get_case(session=session, workspace=workspace, case_id=case_id)
    _event(session, case.id, at=now, actor=actor, kind="note", note=text)
    session.flush()
    return case


def assign_case(
    *,
    session: Session,
    workspace: Workspace,
    case_id: int,
    actor: str,
    now: dt.datetime,
    owner: str | None = None,
    queue: str | None = None,
    note: str | None = None,
    expected_version: int | None = None,
) -> Case:
    """Give the case to a person, or to the next member of a queue. The timeline keeps
    who had it before. A person named for the first time is created (role cs)."""
    note = clean_text(note, field="note")
    if (owner is None) == (queue is None):
        raise InvalidInput("name either an owner or a queue", field="owner")
    case = get_case(session=session, workspace=workspace, case_id=case_id)
    if expected_version is not None and expected_version != case.version:
        raise TransitionRefused(
            f"case {case.id} changed since version {expected_version}: it is now {case.status}, version {case.version}",
            case_id=case.id, status=case.status, version=case.version, stale=True,
        )
    rules = workspace_settings(workspace)
    if queue is not None:
        if not rules.queues.get(queue):
            known = ", ".join(rules.queues) or "none configured"
            raise InvalidInput(f"unknown queue '{queue[:MAX_KEY]}' (queues: {known})", field="queue")
        owner = take_turn(session=session, workspace=workspace, rules=rules, queue=queue)
    assert owner is not None
    owner = owner.strip()
    if not owner or len(owner) > 120:
        raise InvalidInput("an owner is a handle of 1–120 characters", field="owner")
    owner_id = ensure_users(session=session, workspace_id=workspace.id, handles=[owner], role="cs")[owner]
    previous = session.scalar(select(User.handle).where(User.id == case.owner_id)) if case.owner_id else None
    _versioned_update(session, case, {"owner_id": owner_id, "queue": queue if queue is not None else case.queue})
    before: str | Message = previous or Message("assigned.nobody")
    moved = (Message("assigned.queue", {"previous": before, "owner": owner, "queue": queue}) if queue
             else Message("assigned", {"previous": before, "owner": owner}))
    # The person's own words follow as they typed them: a parameter, never translated.
    _event(session, case.id, at=now, actor=actor, kind="assigned",
           note=Message("with_note", {"text": moved, "note": note}) if note else moved)
    session.flush()
    return case
