"""Two answers to one invitation at the same moment: one is kept, the other is told so."""

import threading

from sqlalchemy import func, select

from doorstep.cases.models import Case
from doorstep.surveys.models import Invitation, Response
from doorstep.surveys.services import submit_response


def test_concurrent_submits_store_exactly_one(client, workspace, database, clock) -> None:
    body = {"external_id": "R-1", "customer_id": "c-1", "delivered_at": "2026-03-02T08:00:00Z"}
    token = client.post("/api/v1/deliveries", json=body, headers=workspace.headers).json()["invitations"][0]["token"]
    barrier = threading.Barrier(6)
    outcomes: list[tuple[int, bool]] = []
    errors: list[BaseException] = []

    def answer(score: int) -> None:
        try:
            barrier.wait()
            with database.write() as session:
                view, created = submit_response(
                    session=session, token=token, score=score, comment=f"score {score}", stage=None, now=clock()
                )
            outcomes.append((view.answered_score, created))
        except BaseException as exc:  # collected: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=answer, args=(s,)) for s in (1, 2, 3, 4, 5, 6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sum(created for _, created in outcomes) == 1
    kept = next(score for score, created in outcomes if created)
    assert all(score == kept for score, _ in outcomes)  # everyone is shown the answer that was kept
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(Response)) == 1
        assert s.scalar(select(func.count()).select_from(Case)) == 1
        assert s.scalar(select(Invitation.status)) == "responded"
