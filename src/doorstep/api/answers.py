"""POST /api/v1/responses: answers collected by another tool, one or up to 1,000, idempotent.

The public survey page (`POST /s/{token}`) is for customers, and it is rate-limited per
client address. An integration that collects answers itself (an app's own NPS prompt, a call
centre, a survey service) posts them here with an API key instead, in the shape of DESIGN.md's
responses CSV. An answer is known by its delivery and time, as in `doorstep import responses`:
a replay, by either path, changes nothing.
"""

from __future__ import annotations

from fastapi import APIRouter, Body

from doorstep.api.deps import AdminDep, DbDep, NowDep
from doorstep.errors import ImportFailed, InvalidInput, Problem, in_batch
from doorstep.surveys.schemas import ResponseBatch, ResponseBody, ResponsesStored, to_records
from doorstep.surveys.services import ingest_responses
from doorstep.timeutil import zone

router = APIRouter(prefix="/api/v1", tags=["responses"])


@router.post(
    "/responses",
    response_model=ResponsesStored,
    summary="Record answers collected elsewhere",
    responses={422: {"description": "An answer is invalid (an unknown delivery or stage); nothing was stored."}},
)
def post_responses(caller: AdminDep, db: DbDep, now: NowDep, body: ResponseBody = Body()) -> ResponsesStored:
    """Store answers by (`delivery_external_id`, `responded_at`). Replaying a payload changes
    nothing; a corrected score, comment, stage or attributes updates the answer. New and
    corrected answers are analysed and open cases as survey answers do, and an open survey
    invitation of the delivery is closed. The delivery must exist (`POST /api/v1/deliveries`)."""
    sent = body.root
    batch = isinstance(sent, ResponseBatch)
    items = sent.responses if isinstance(sent, ResponseBatch) else [sent]
    try:
        records = to_records(items, zone(caller.workspace.timezone))
    except InvalidInput as exc:  # a comment that cleaning leaves too long
        raise ImportFailed([_named(exc.problem, batch)], source="request") from None
    with db.write() as session:
        result = ingest_responses(session=session, workspace=caller.workspace, records=records, now=now)
        if result.problems:
            # Raised inside the transaction: it rolls back whatever the batch had started.
            raise ImportFailed([_named(p, batch) for p in result.problems], source="request")
    return ResponsesStored(
        created=result.created, updated=result.updated, unchanged=result.unchanged, cases_opened=result.cases_opened
    )


def _named(problem: Problem, batch: bool) -> Problem:
    return in_batch(problem, "responses", problem.line if batch else None)
