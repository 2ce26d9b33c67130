"""CSV exports over HTTP (admin only), each one written to the audit log.

The file is streamed from the database in chunks; every cell goes through
doorstep.exports.safe_cell, so a comment cannot become a spreadsheet formula.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from doorstep.accounts import audit
from doorstep.api.deps import AdminDep, DbDep, NowDep, client_address
from doorstep.exports import RESPONSE_COLUMNS, count_responses, csv_lines, response_rows
from doorstep.timeutil import parse_period

router = APIRouter(prefix="/api/v1", tags=["exports"])


@router.get(
    "/exports/responses.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "One row per answer, oldest first."}},
    summary="Every answer of a period as CSV (comments included), safe to open in a spreadsheet",
)
def get_responses_csv(
    request: Request,
    caller: AdminDep,
    db: DbDep,
    now: NowDep,
    since: str | None = Query(None, description="First day (YYYY-MM-DD, workspace timezone) or instant."),
    until: str | None = Query(None, description="Last day, inclusive, or an instant (exclusive)."),
) -> StreamingResponse:
    workspace = caller.workspace
    start, end = parse_period(since, until, workspace.timezone)
    with db.write() as session:
        rows = count_responses(session=session, workspace=workspace, since=start, until=end)
        audit.record(session, action="export", actor_kind=caller.actor_kind, actor=caller.actor,
                     workspace_id=workspace.id, target="responses",
                     details={"format": "csv", "rows": rows, "since": since, "until": until},
                     client=client_address(request), at=now)

    def stream() -> Iterator[str]:
        with db.read() as session:
            yield from csv_lines(RESPONSE_COLUMNS,
                                 response_rows(session=session, workspace=workspace, since=start, until=end))

    name = f"responses-{workspace.slug}-{now:%Y%m%d}.csv"
    return StreamingResponse(stream(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}"',
                                      "Cache-Control": "no-store"})
