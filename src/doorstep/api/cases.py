"""Cases over HTTP: list, read, move, annotate, reassign; and the loop's figures.

Every route acts inside the caller's workspace: another workspace's case id is a
404, as if it did not exist. A refused transition (illegal or stale) is a 409 whose
body carries the case's current state, so a client can show it and ask again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from doorstep.accounts.access import check_case
from doorstep.api.deps import Caller, CaseWorkerDep, DbDep, NoteWriterDep, NowDep, ReaderDep, SettingsDep
from doorstep.api.params import MAX_OFFSET, RowId
from doorstep.cases.metrics import loop_metrics
from doorstep.cases.schemas import (
    AssignmentCreate,
    CaseDetail,
    CaseList,
    CasePriority,
    CasePublic,
    CaseStatus,
    LoopByPublic,
    LoopPublic,
    NoteCreate,
    TransitionCreate,
)
from doorstep.cases.services import add_note, assign_case, case_detail, list_cases, transition_case
from doorstep.cases.workflow import TransitionRefused
from doorstep.timeutil import parse_period

router = APIRouter(prefix="/api/v1", tags=["cases"])

REFUSED: dict[int | str, dict[str, Any]] = {
    409: {"description": "Illegal or stale: the body's error.case holds the current status, version and the states "
                         "it may move to."}
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such case in this workspace."}}


def refused(exc: TransitionRefused) -> JSONResponse:
    return JSONResponse(
        {"error": {"type": "Conflict", "message": str(exc), "case": exc.as_dict()}}, status_code=exc.http_status
    )


def _detail(session: Session, caller: Caller, case_id: int, now: dt.datetime, base_url: str) -> dict[str, Any]:
    # Read back in the same unit of work that made the change: the answer is what was committed.
    return case_detail(session=session, workspace=caller.workspace, case_id=case_id, now=now, base_url=base_url)


def _actor(caller: Caller) -> str:
    return caller.actor


@router.get("/cases", response_model=CaseList, summary="Cases, newest first, filtered")
def get_cases(
    caller: CaseWorkerDep,
    db: DbDep,
    now: NowDep,
    status: CaseStatus | None = None,
    owner: str | None = Query(None, max_length=120, description="A handle; '-' for unassigned."),
    priority: CasePriority | None = None,
    breached: bool | None = Query(None, description="true: a clock has run out; false: none has."),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> CaseList:
    with db.read() as session:
        page = list_cases(session=session, workspace=caller.workspace, status=status, owner=owner,
                          priority=priority, breached=breached, now=now, limit=limit, offset=offset)
    return CaseList(cases=[CasePublic(**c) for c in page.cases], total=page.total, limit=limit, offset=offset)


@router.get("/cases/{case_id}", response_model=CaseDetail, responses=NOT_FOUND,
            summary="One case: answer, delivery stages, timeline, re-survey")
def get_case(case_id: RowId, caller: NoteWriterDep, db: DbDep, now: NowDep, settings: SettingsDep) -> Any:
    """Frontline people see the cases of the deliveries they own."""
    with db.read() as session:
        check_case(session, workspace=caller.workspace, role=caller.role, user_id=caller.user_id, case_id=case_id)
        return case_detail(session=session, workspace=caller.workspace, case_id=case_id, now=now,
                           base_url=settings.base_url)


@router.post("/cases/{case_id}/transitions", response_model=CaseDetail, responses={**REFUSED, **NOT_FOUND},
             summary="Move a case to its next state")
def post_transition(
    case_id: RowId, body: TransitionCreate, caller: CaseWorkerDep, db: DbDep, now: NowDep, settings: SettingsDep
) -> Any:
    """Legal moves: open → contacted → resolved → (verified by the re-survey) | closed_unverified;
    resolved, verified, closed_unverified → reopened; reopened → contacted | resolved.
    Resolving schedules the customer's re-survey (see `resurvey_url`)."""
    try:
        with db.write() as session:
            transition_case(
                session=session, workspace=caller.workspace, case_id=case_id, to=body.to, actor=_actor(caller),
                now=now, note=body.note, expected_version=body.expected_version, resolution=body.resolution,
                root_cause_stage=body.root_cause_stage, root_cause_theme=body.root_cause_theme,
            )
            return _detail(session, caller, case_id, now, settings.base_url)
    except TransitionRefused as exc:
        return refused(exc)


@router.post("/cases/{case_id}/notes", response_model=CaseDetail, responses=NOT_FOUND,
             summary="Add a note to a case's timeline")
def post_note(
    case_id: RowId, body: NoteCreate, caller: NoteWriterDep, db: DbDep, now: NowDep, settings: SettingsDep
) -> Any:
    """A note is plain text of at most 20,000 characters (shown escaped everywhere). Frontline
    people may add notes to the cases of the deliveries they own."""
    with db.write() as session:
        check_case(session, workspace=caller.workspace, role=caller.role, user_id=caller.user_id, case_id=case_id)
        add_note(session=session, workspace=caller.workspace, case_id=case_id, actor=_actor(caller), note=body.note,
                 now=now)
        return _detail(session, caller, case_id, now, settings.base_url)


@router.post("/cases/{case_id}/assign", response_model=CaseDetail, responses={**REFUSED, **NOT_FOUND},
             summary="Give a case to a person or a queue")
def post_assign(
    case_id: RowId, body: AssignmentCreate, caller: CaseWorkerDep, db: DbDep, now: NowDep, settings: SettingsDep
) -> Any:
    try:
        with db.write() as session:
            assign_case(session=session, workspace=caller.workspace, case_id=case_id, actor=_actor(caller), now=now,
                        owner=body.owner, queue=body.queue, note=body.note, expected_version=body.expected_version)
            return _detail(session, caller, case_id, now, settings.base_url)
    except TransitionRefused as exc:
        return refused(exc)


@router.get("/metrics/loop", response_model=LoopPublic | LoopByPublic, tags=["metrics"],
            summary="Closed-loop figures: SLA attainment, time to contact and resolve, recovery rate")
def get_loop(
    caller: ReaderDep,
    db: DbDep,
    now: NowDep,
    since: str | None = Query(None, description="First day of case opening (YYYY-MM-DD, workspace timezone)."),
    until: str | None = Query(None, description="Last day, inclusive."),
    by: str | None = Query(None, max_length=64, description="owner, priority, queue, status or an attribute."),
) -> Any:
    start, end = parse_period(since, until, caller.workspace.timezone)
    with db.read() as session:
        return loop_metrics(session=session, workspace=caller.workspace, now=now, since=start, until=end, by=by)
