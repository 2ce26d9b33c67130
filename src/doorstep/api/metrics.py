"""GET /api/v1/metrics/nps: NPS with its 95% interval, overall or by segment."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from doorstep.api.deps import DbDep, ReaderDep
from doorstep.surveys.metrics import nps_by, nps_summary
from doorstep.timeutil import parse_period

router = APIRouter(prefix="/api/v1/metrics", tags=["metrics"])


class NpsPublic(BaseModel):
    nps: float | None = Field(description="%promoters − %detractors, one decimal; null without responses.")
    responses: int
    promoters: int
    passives: int
    detractors: int
    ci95: list[float] | None = Field(description="Adjusted-Wald 95% interval, [low, high].")


class NpsGroup(NpsPublic):
    key: str | None
    nps_impact: float | None = Field(
        description="Overall NPS − NPS of everyone outside the group: what the group costs (−) or adds (+)."
    )
    impact_ci95: list[float] | None = Field(description="95% interval of the impact (delta method).")
    significant: bool = Field(description="The impact's interval excludes 0.")
    small_sample: bool = Field(description="Fewer than 30 responses: shown, but not to be trusted.")


class NpsByPublic(BaseModel):
    by: str
    groups: list[NpsGroup]


@router.get(
    "/nps",
    response_model=NpsPublic | NpsByPublic,
    summary="Net Promoter Score with its interval; by segment, the groups that cost most first",
)
def get_nps(
    caller: ReaderDep,
    db: DbDep,
    since: str | None = Query(None, description="First day (YYYY-MM-DD, workspace timezone) or instant."),
    until: str | None = Query(None, description="Last day, inclusive, or an instant (exclusive)."),
    by: str | None = Query(
        None, max_length=64, description="Segment: an attribute (team, region…), owner, stage or language."
    ),
) -> Any:
    start, end = parse_period(since, until, caller.workspace.timezone)
    with db.read() as session:
        if by:
            return nps_by(session=session, workspace=caller.workspace, by=by, since=start, until=end)
        return nps_summary(session=session, workspace=caller.workspace, since=start, until=end)
