"""Alerts over HTTP: the list (exec, CS, admin) and the acknowledgement (CS, admin)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from doorstep.api.deps import CaseWorkerDep, DbDep, NowDep, ReaderDep
from doorstep.api.params import MAX_OFFSET, RowId
from doorstep.briefs import alert_services as alerts

router = APIRouter(prefix="/api/v1", tags=["alerts"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such alert in this workspace."}}


class AlertPublic(BaseModel):
    id: int
    kind: Literal["nps_drop", "theme_surge"]
    subject_kind: str = Field(description="workspace, team, region, … for a drop; theme or stage for a surge.")
    subject: str = Field(description="The team's name, the theme's key, …")
    window_start: dt.datetime = Field(description="The current window tested: [window_start, window_end).")
    window_end: dt.datetime
    evidence: dict[str, Any] = Field(
        description="baseline and current (NPS, ci95, counts, period), change or share (delta, p_value), "
        "alpha, tested (how many subjects the correction covered), links."
    )
    raised_at: dt.datetime
    acknowledged_at: dt.datetime | None


class AlertList(BaseModel):
    alerts: list[AlertPublic]
    total: int
    limit: int
    offset: int


@router.get("/alerts", response_model=AlertList, summary="The workspace's alerts, newest first")
def get_alerts(
    caller: ReaderDep,
    db: DbDep,
    open: bool = Query(False, description="Only those not acknowledged yet."),
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> AlertList:
    with db.read() as session:
        rows, total = alerts.list_alerts(session=session, workspace=caller.workspace, open_only=open, limit=limit,
                                         offset=offset)
        shown = [AlertPublic(**alerts.alert_public(a)) for a in rows]
    return AlertList(alerts=shown, total=total, limit=limit, offset=offset)


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertPublic, responses=NOT_FOUND,
             summary="Mark an alert as seen (idempotent)")
def post_acknowledge(alert_id: RowId, caller: CaseWorkerDep, db: DbDep, now: NowDep) -> AlertPublic:
    with db.write() as session:
        alert = alerts.acknowledge(session=session, workspace=caller.workspace, alert_id=alert_id, now=now)
        return AlertPublic(**alerts.alert_public(alert))
