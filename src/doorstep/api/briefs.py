"""Stored executive briefs over HTTP (exec, CS, admin): the list and one brief's content."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from doorstep.api.deps import DbDep, ReaderDep
from doorstep.api.params import MAX_OFFSET, RowId
from doorstep.briefs.services import brief_summary, get_brief, list_briefs

router = APIRouter(prefix="/api/v1", tags=["briefs"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such brief in this workspace."}}


class BriefSummary(BaseModel):
    id: int
    period: Literal["week", "month"]
    period_start: dt.date = Field(description="First local day (workspace timezone).")
    period_end: dt.date = Field(description="The local day after the last one (exclusive).")
    locale: str
    title: str
    nps: float | None
    responses: int | None
    created_at: dt.datetime
    published_at: dt.datetime | None


class BriefList(BaseModel):
    briefs: list[BriefSummary]
    total: int
    limit: int
    offset: int


class BriefPublic(BriefSummary):
    content: dict[str, Any] = Field(
        description="The figures the brief was made of, as they were (schema_version 1): nps, trend, groups "
        "(where points are lost, with verbatims and frontline notes), loop, ops, changes, alerts."
    )


@router.get("/briefs", response_model=BriefList, summary="Stored briefs, newest period first")
def get_briefs(
    caller: ReaderDep,
    db: DbDep,
    period: Literal["week", "month"] | None = Query(None, description="Only week or month briefs."),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> BriefList:
    with db.read() as session:
        found = list_briefs(session=session, workspace=caller.workspace, period=period, limit=limit, offset=offset)
    return BriefList(briefs=[BriefSummary(**b) for b in found["briefs"]], total=found["total"], limit=limit,
                     offset=offset)


@router.get("/briefs/{brief_id}", response_model=BriefPublic, responses=NOT_FOUND,
            summary="One stored brief with its content")
def get_one_brief(brief_id: RowId, caller: ReaderDep, db: DbDep) -> BriefPublic:
    with db.read() as session:
        brief = get_brief(session=session, workspace=caller.workspace, brief_id=brief_id)
        return BriefPublic(**brief_summary(brief), content=brief.content)
