"""Survey answers stored in batches (group commit): each answer keeps its own outcome.

A busy survey's answers are stored together, one transaction per batch
(``Database.call_grouped`` → ``submit_responses``). These tests hold the batch to what
one answer at a time did: a bad answer in a batch fails alone, a double post keeps the
first, every stored answer gets its analysis and its case, and the page shows each
customer their own answer.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import httpx
import pytest
from sqlalchemy import event, func, select

from doorstep.cases.models import Case
from doorstep.db import Database
from doorstep.errors import Gone, NotFound
from doorstep.surveys.models import Invitation, Response
from doorstep.surveys.services import Answer, Answered, submit_responses


def _invite(client, workspace, n: int, *, start: int = 0) -> list[str]:  # type: ignore[no-untyped-def]
    tokens = []
    for i in range(start, start + n):
        body = {
            "external_id": f"G-{i}",
            "customer_id": f"c-{i}",
            "delivered_at": "2026-03-02T08:00:00Z",
            "stages": {"pickup": "2026-03-02T07:40:00Z", "ride": "2026-03-02T08:00:00Z"},
        }
        reply = client.post("/api/v1/deliveries", json=body, headers=workspace.headers)
        assert reply.status_code in (200, 201), reply.text
        tokens.append(reply.json()["invitations"][0]["token"])
    return tokens


def _count(database: Database, model: type) -> int:
    with database.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_batch_keeps_each_answers_outcome(client, workspace, database, clock) -> None:
    a, b, c, expired = _invite(client, workspace, 4)
    with database.write() as s:
        invitation = s.scalar(select(Invitation).where(Invitation.token == expired))
        invitation.expires_at = clock() - dt.timedelta(minutes=1)
    now = clock()
    answers = [
        Answer(a, 2, "送晚了，汤都洒了", None, now),  # a detractor: analysed, a case
        Answer("x" * 32, 9, None, None, now),  # never existed
        Answer(b, "eleven", "oops", None, now),  # bad score: not stored
        Answer(c, 10, "great", "no-such-stage", now),  # bad stage: not stored
        Answer(expired, 10, None, None, now),  # closed
        Answer(b, 8, None, None, now),  # b again, now valid: stored
        Answer(a, 10, "second thoughts", None, now),  # a double post: the first is kept
    ]
    with database.write() as session:
        results = submit_responses(session=session, answers=answers)
    assert len(results) == len(answers)
    first, unknown, bad_score, bad_stage, closed, b_again, a_again = results
    assert isinstance(first, Answered) and first.created and first.view.answered_score == 2
    assert isinstance(unknown, NotFound)
    assert isinstance(closed, Gone)
    assert isinstance(bad_score, Answered) and not bad_score.created
    assert bad_score.problem is not None and bad_score.problem.problem.field == "score"
    assert isinstance(bad_stage, Answered) and bad_stage.problem is not None
    assert bad_stage.problem.problem.field == "stage"
    assert isinstance(b_again, Answered) and b_again.created and b_again.view.answered_score == 8
    assert isinstance(a_again, Answered) and not a_again.created and a_again.view.answered_score == 2
    with database.read() as s:
        stored = {r.invitation_id: r for r in s.scalars(select(Response))}
        by_token = {i.token: i for i in s.scalars(select(Invitation))}
        assert set(stored) == {by_token[a].id, by_token[b].id}
        assert stored[by_token[a].id].comment == "送晚了，汤都洒了"
        assert stored[by_token[a].id].sentiment_label == "negative"  # analysed in the batch
        assert by_token[a].status == by_token[b].status == "responded"
        assert by_token[c].status == "opened" and by_token[c].opened_at is not None  # shown the form again
        assert s.scalar(select(func.count()).select_from(Case)) == 1  # the detractor's


def test_an_answer_another_process_stored_first_is_kept_and_the_batch_goes_on(client, workspace, database, clock):
    """Another process (PostgreSQL, several API processes) stored an answer to the same
    invitation after this batch read it as open: the insert skips it, the customer is shown
    the answer that came first, and the rest of the batch is stored with its follow-up."""
    raced, other = _invite(client, workspace, 2, start=10)
    now = clock()
    with database.write() as s:  # the other process's answer: its row, its invitation not yet marked
        invitation = s.scalar(select(Invitation).where(Invitation.token == raced))
        s.add(Response(workspace_id=invitation.workspace_id, delivery_id=invitation.delivery_id,
                       customer_id=invitation.customer_id, invitation_id=invitation.id,
                       source_key=f"inv:{invitation.id}", score=9, responded_at=now, created_at=now))
    with database.write() as session:
        first, second = submit_responses(
            session=session, answers=[Answer(raced, 1, "slow", None, now), Answer(other, 0, "cold", None, now)]
        )
    assert isinstance(first, Answered) and not first.created and first.view.answered_score == 9
    assert isinstance(second, Answered) and second.created and second.view.answered_score == 0
    with database.read() as s:
        joined = select(Invitation.token, Response.score).join(Response, Response.invitation_id == Invitation.id)
        scores = dict(s.execute(joined).all())
        assert scores == {raced: 9, other: 0}
        [case] = s.scalars(select(Case)).all()  # the second answer's, opened in the same batch
        assert s.get_one(Response, case.response_id).score == 0


def _statements(database: Database, word: str) -> list[int]:
    counter = [0]

    @event.listens_for(database.engine, "before_cursor_execute")
    def _count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith(word):
            counter[0] += 1

    return counter


@pytest.mark.parametrize("clients", [40])
def test_concurrent_answers_are_committed_together(app, client, workspace, database, clients: int) -> None:
    tokens = _invite(client, workspace, clients)
    inserts = _statements(database, "INSERT INTO responses")

    async def post_all() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            return await asyncio.gather(
                *(
                    http.post(f"/s/{token}", data={"score": str(i % 11), "comment": f"answer {i}"})
                    for i, token in enumerate(tokens)
                )
            )

    replies = asyncio.run(post_all())
    assert [r.status_code for r in replies] == [200] * clients
    for i, reply in enumerate(replies):
        assert f"answer {i}" in reply.text  # each customer sees their own answer, not a neighbour's
    assert _count(database, Response) == clients
    # Grouped: far fewer INSERT statements than answers (one per batch).
    assert inserts[0] < clients / 2
    with database.read() as s:
        assert {r.comment for r in s.scalars(select(Response))} == {f"answer {i}" for i in range(clients)}
        detractors = sum(1 for i in range(clients) if i % 11 <= 6)
        assert s.scalar(select(func.count()).select_from(Case)) == detractors


def _flaky(db: Database, items: list[int]) -> list[int]:
    if 13 in items:
        raise RuntimeError("poison")
    return [i * 2 for i in items]


def test_a_failing_batch_is_retried_one_by_one(database) -> None:
    async def run() -> list[object]:
        return await asyncio.gather(
            *(database.call_grouped(_flaky, i) for i in range(20)), return_exceptions=True
        )

    results = asyncio.run(run())
    assert isinstance(results[13], RuntimeError)
    assert [r for i, r in enumerate(results) if i != 13] == [i * 2 for i in range(20) if i != 13]


def test_stage_baselines_are_worked_out_once_per_five_minutes_per_engine(
    client, workspace, database, database_url, monkeypatch
) -> None:
    """A stage without a target takes the usual duration of its recent hand-overs: thousands
    of rows per stage, read at most every five minutes by the survey page, per engine."""
    from doorstep.accounts.services import get_workspace
    from doorstep.deliveries.services import list_stages
    from doorstep.surveys import services

    _invite(client, workspace, 3, start=20)  # the journey learns its stages from the deliveries, without targets
    statements: list[str] = []

    def count(engine) -> None:  # type: ignore[no-untyped-def]
        event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    count(database.engine)
    with database.read() as s:
        ws = get_workspace(session=s, slug=workspace.slug)
        stages = list_stages(session=s, workspace=ws)
        assert stages and all(st.target_minutes is None for st in stages)
        statements.clear()
        first = services.recent_baselines(s, ws, stages)
        assert sum("stage_events" in sql for sql in statements) == len(stages)
        assert any(b.baseline_minutes is not None for b in first)
        statements.clear()
        assert services.recent_baselines(s, ws, stages) == first
        assert statements == []  # kept
        later = time.monotonic() + services.BASELINE_TTL_SECONDS + 1
        monkeypatch.setattr(services.time, "monotonic", lambda: later)
        assert services.recent_baselines(s, ws, stages) == first
        assert sum("stage_events" in sql for sql in statements) == len(stages)  # five minutes on: read again
    monkeypatch.undo()
    other = Database(database_url)  # another engine (a test's own database): nothing kept for it
    try:
        count(other.engine)
        statements.clear()
        with other.read() as s:
            ws = get_workspace(session=s, slug=workspace.slug)
            stages = list_stages(session=s, workspace=ws)
            statements.clear()
            services.recent_baselines(s, ws, stages)
            assert sum("stage_events" in sql for sql in statements) == len(stages)
    finally:
        other.dispose()
