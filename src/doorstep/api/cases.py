"""GET /api/v1/cases: the closed loop's open work, in the DESIGN.md shape."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from doorstep.api.deps import CallerDep, DbDep
from doorstep.cases.services import list_cases

router = APIRouter(prefix="/api/v1", tags=["cases"])

CaseStatus = Literal["open", "contacted", "resolved", "verified", "closed_unverified", "reopened"]


class CasePublic(BaseModel):
    id: int
    delivery_external_id: str
    score: int
    comment: str | None
    status: str
    priority: str
    owner: str | None
    opened_at: str
    first_contact_due: str
    resolution_due: str


class CaseList(BaseModel):
    cases: list[CasePublic]
    total: int
    limit: int
    offset: int


@router.get("/cases", response_model=CaseList, summary="Cases, newest first")
def get_cases(
    caller: CallerDep,
    db: DbDep,
    status: CaseStatus | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> CaseList:
    with db.read() as session:
        page = list_cases(session=session, workspace=caller.workspace, status=status, limit=limit, offset=offset)
    return CaseList(cases=[CasePublic(**c) for c in page.cases], total=page.total, limit=limit, offset=offset)
