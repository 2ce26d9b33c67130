"""Outbound webhooks through the real worker against a real HTTP server on loopback.

Each test makes a real event (a detractor's answer opens a case, a case closes, a
clock runs out), runs the worker with the product's own handlers and the test clock,
and reads what reached the receiver and what the delivery log says.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from tests.cases.helpers import answer
from tests.channels.receiver import Receiver, Reply, verify_signature

from conftest import FakeClock, WorkspaceHandle, make_workspace
from doorstep.accounts.services import get_workspace
from doorstep.channels import events
from doorstep.channels.models import WebhookCall
from doorstep.channels.webhooks import create_subscription
from doorstep.config import Settings
from doorstep.db import Database
from doorstep.jobs.models import Job
from doorstep.jobs.worker import JobContext, Worker, default_handlers

SECRET = "whsec-test-0123456789"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as rx:
        yield rx


def subscribe(database: Database, workspace: WorkspaceHandle, url: str, *, events: list[str],
              fmt: str = "json", secret: str | None = SECRET, clock: FakeClock) -> int:
    with database.write() as session:
        ws = get_workspace(session=session, slug=workspace.slug)
        return create_subscription(session=session, workspace=ws, url=url, events=events, format=fmt,
                                   secret=secret, now=clock.now).id


def worker(database: Database, settings: Settings, clock: FakeClock) -> Worker:
    return Worker(JobContext(database, settings, clock, "w1"), handlers=default_handlers())


def deliveries(database: Database) -> list[Job]:
    with database.read() as session:
        found = list(session.scalars(select(Job).where(Job.kind == "webhook.deliver").order_by(Job.id)))
        session.expunge_all()  # keep what was read: the read's rollback would expire it
        return found


def calls(database: Database, subscription_id: int) -> list[WebhookCall]:
    with database.read() as session:
        found = list(session.scalars(select(WebhookCall).where(WebhookCall.subscription_id == subscription_id)
                                     .order_by(WebhookCall.id)))
        session.expunge_all()
        return found


def test_a_detractor_case_reaches_the_receiver_signed(client, database, settings, clock, workspace,
                                                      receiver) -> None:
    sub = subscribe(database, workspace, f"{receiver.url}/hooks", events=["case.opened"], clock=clock)
    case_id = answer(client, workspace, clock, "F-100", 2, comment="The soup was cold", owner="rider-7")
    assert case_id is not None
    worker(database, settings, clock).run_until_idle()

    [request] = receiver.requests
    assert request.path == "/hooks"
    assert verify_signature(SECRET, request.headers, request.body, clock.now.timestamp())
    assert not verify_signature("another secret", request.headers, request.body, clock.now.timestamp())
    body = request.json()
    assert body["id"] == f"case.opened:{case_id}" == request.headers["x-doorstep-event-id"]
    assert (body["event"], body["workspace"], request.headers["x-doorstep-event"]) == (
        "case.opened", "default", "case.opened")
    data = body["data"]
    assert data["case"]["id"] == case_id and data["case"]["status"] == "open"
    assert data["url"] == data["case"]["url"] == f"http://testserver/cases/{case_id}"
    assert (data["response"]["score"], data["response"]["comment"]) == (2, "The soup was cold")
    assert data["delivery"] == {"external_id": "F-100", "owner": "rider-7"}
    [log] = calls(database, sub)
    assert (log.status_code, log.error, log.attempt, log.event) == (200, None, 1, "case.opened")
    assert [j.status for j in deliveries(database)] == ["done"]


def test_a_promoter_opens_no_case_and_sends_nothing(client, database, settings, clock, workspace,
                                                     receiver) -> None:
    subscribe(database, workspace, receiver.url, events=["case.opened"], clock=clock)
    assert answer(client, workspace, clock, "F-101", 10) is None
    worker(database, settings, clock).run_until_idle()
    assert receiver.requests == [] and deliveries(database) == []


def test_500_is_retried_with_backoff_until_it_succeeds(client, database, settings, clock, workspace,
                                                        receiver) -> None:
    sub = subscribe(database, workspace, receiver.url, events=["case.opened"], clock=clock)
    receiver.script(Reply.error(500), Reply.error(503, "try later"))
    answer(client, workspace, clock, "F-102", 1)
    w = worker(database, settings, clock)
    w.run_until_idle()
    [job] = deliveries(database)
    assert (job.status, job.attempts) == ("queued", 1) and job.run_at > clock.now  # backing off, not hammering
    assert job.last_error == "DeliveryFailed: HTTP 500: internal error"
    for _ in range(2):
        clock.advance(hours=1)
        w.run_until_idle()
    assert [c.status_code for c in calls(database, sub)] == [500, 503, 200]
    assert [c.attempt for c in calls(database, sub)] == [1, 2, 3]
    assert deliveries(database)[0].status == "done"
    # The same event each time: a receiver dedupes on the id.
    assert len({r.headers["x-doorstep-event-id"] for r in receiver.requests}) == 1


def test_a_hanging_receiver_times_out_and_is_retried(client, database, settings, clock, workspace,
                                                     receiver) -> None:
    fast = settings.model_copy(update={"webhook_timeout_seconds": 0.3})
    sub = subscribe(database, workspace, receiver.url, events=["case.opened"], clock=clock)
    receiver.script(Reply.hang(3.0))
    answer(client, workspace, clock, "F-103", 3)
    w = worker(database, fast, clock)
    w.run_until_idle()
    first = calls(database, sub)
    assert [(c.status_code, c.error) for c in first] == [(None, "timed out after 0.3 s")]
    assert first[0].duration_ms is not None and first[0].duration_ms < 2500
    clock.advance(hours=1)
    w.run_until_idle()
    assert [c.status_code for c in calls(database, sub)] == [None, 200]
    assert deliveries(database)[0].status == "done"


def test_a_redirect_is_not_followed_and_fails_at_once(client, database, settings, clock, workspace,
                                                      receiver) -> None:
    sub = subscribe(database, workspace, f"{receiver.url}/old", events=["case.opened"], clock=clock)
    receiver.script(Reply.redirect(f"{receiver.url}/new", 307))
    answer(client, workspace, clock, "F-104", 0)
    worker(database, settings, clock).run_until_idle()
    assert [r.path for r in receiver.requests] == ["/old"]  # never sent to /new
    [job] = deliveries(database)
    assert job.status == "dead" and job.attempts == 1
    assert job.last_error is not None and f"redirects to {receiver.url}/new" in job.last_error
    [log] = calls(database, sub)
    assert log.status_code == 307 and "not followed" in (log.error or "")


def test_a_4xx_is_permanent_and_429_is_retried(client, database, settings, clock, workspace, receiver) -> None:
    subscribe(database, workspace, receiver.url, events=["case.opened"], clock=clock)
    receiver.script(Reply.error(429, "slow down"), Reply.error(404, "no such hook"))
    answer(client, workspace, clock, "F-105", 4)
    w = worker(database, settings, clock)
    w.run_until_idle()
    assert deliveries(database)[0].status == "queued"
    clock.advance(hours=1)
    w.run_until_idle()
    [job] = deliveries(database)
    assert (job.status, job.attempts, job.last_error) == ("dead", 2, "HTTP 404: no such hook")


def test_dead_letter_after_max_attempts_with_the_last_error(client, database, settings, clock, workspace,
                                                            receiver) -> None:
    sub = subscribe(database, workspace, receiver.url, events=["case.opened"], clock=clock)
    receiver.default = Reply.error(502, "bad gateway")
    answer(client, workspace, clock, "F-106", 2)
    w = worker(database, settings, clock)
    for _ in range(12):
        w.run_until_idle()
        clock.advance(hours=7)  # past the longest backoff
    [job] = deliveries(database)
    assert (job.status, job.attempts) == ("dead", job.max_attempts)
    assert job.last_error == "DeliveryFailed: HTTP 502: bad gateway"
    assert len(receiver.requests) == job.max_attempts
    assert [c.attempt for c in calls(database, sub)] == list(range(1, job.max_attempts + 1))


def test_a_removed_or_paused_subscription_gets_nothing(client, database, settings, clock, workspace,
                                                       receiver) -> None:
    from doorstep.channels.webhooks import delete_subscription, update_subscription

    gone = subscribe(database, workspace, f"{receiver.url}/gone", events=["case.opened"], clock=clock)
    paused = subscribe(database, workspace, f"{receiver.url}/paused", events=["case.opened"], clock=clock)
    answer(client, workspace, clock, "F-107", 1)
    assert len(deliveries(database)) == 2
    with database.write() as session:
        ws = get_workspace(session=session, slug=workspace.slug)
        delete_subscription(session=session, workspace=ws, subscription_id=gone)
        update_subscription(session=session, workspace=ws, subscription_id=paused, active=False)
    worker(database, settings, clock).run_until_idle()
    assert receiver.requests == []
    assert [j.status for j in deliveries(database)] == ["done", "done"]


def test_emit_is_idempotent_and_only_reaches_listeners(database, clock, workspace, receiver) -> None:
    listening = subscribe(database, workspace, receiver.url, events=["case.closed", "brief.published"], clock=clock)
    subscribe(database, workspace, receiver.url, events=["case.opened"], clock=clock)
    with database.write() as session:
        args = dict(workspace_id=workspace.id, event="brief.published", event_id="brief:7", data={"title": "W10"},
                    now=clock.now)
        assert events.emit(session, **args) == 1  # type: ignore[arg-type]
        assert events.emit(session, **args) == 0  # type: ignore[arg-type]
    [job] = deliveries(database)
    assert job.dedupe_key == f"wh:{listening}:brief:7"
    assert job.payload["subscription_id"] == listening and job.payload["data"] == {"title": "W10"}
    with database.write() as session, pytest.raises(ValueError, match="unknown event"):
        events.emit(session, workspace_id=workspace.id, event="case.deleted", event_id="x", data={}, now=clock.now)


def test_case_closed_and_escalated_events(client, database, settings, clock, workspace, receiver) -> None:
    subscribe(database, workspace, receiver.url, events=["case.closed", "case.escalated"], clock=clock)
    case_id = answer(client, workspace, clock, "F-108", 2, owner="rider-1")
    w = worker(database, settings, clock)
    clock.advance(days=3)  # both clocks (24 h, 72 h) run out
    w.run_until_idle()
    escalated = [r.json() for r in receiver.requests]
    assert {(b["event"], b["data"]["escalation"]["clock"]) for b in escalated} == {
        ("case.escalated", "first_contact"), ("case.escalated", "resolution")}
    assert all(b["data"]["case"]["id"] == case_id for b in escalated)
    assert all(b["data"]["url"] == f"http://testserver/cases/{case_id}" for b in escalated)

    for to in ("contacted", "resolved", "closed_unverified"):
        moved = client.post(f"/api/v1/cases/{case_id}/transitions", headers=workspace.headers, json={"to": to})
        assert moved.status_code == 200, moved.text
    w.run_until_idle()
    closed = [r.json() for r in receiver.requests[2:]]
    assert [b["event"] for b in closed] == ["case.closed"]
    assert closed[0]["data"]["case"]["status"] == "closed_unverified"
    assert closed[0]["data"]["case"]["url"] == f"http://testserver/cases/{case_id}"  # made absolute at delivery


def test_a_verified_case_closes_with_its_resurvey_score(client, database, settings, clock, workspace,
                                                       receiver) -> None:
    from urllib.parse import urlparse

    subscribe(database, workspace, receiver.url, events=["case.closed"], clock=clock)
    case_id = answer(client, workspace, clock, "F-112", 3)
    for to in ("contacted", "resolved"):
        moved = client.post(f"/api/v1/cases/{case_id}/transitions", headers=workspace.headers, json={"to": to})
        assert moved.status_code == 200, moved.text
    resurvey = urlparse(moved.json()["resurvey_url"]).path
    assert client.post(resurvey, data={"score": "9"}).status_code == 200
    worker(database, settings, clock).run_until_idle()
    [request] = receiver.requests
    body = request.json()
    assert body["event"] == "case.closed" and body["id"].startswith(f"case.closed:{case_id}:")
    assert (body["data"]["case"]["status"], body["data"]["case"]["resurvey_score"]) == ("verified", 9)


def test_response_created_for_the_lead_to_wire(client, database, clock, workspace, receiver) -> None:
    subscribe(database, workspace, receiver.url, events=["response.created"], clock=clock)
    answer(client, workspace, clock, "F-109", 9, comment="fast")
    with database.write() as session:
        from doorstep.surveys.models import Response

        ws = get_workspace(session=session, slug=workspace.slug)
        ids = list(session.scalars(select(Response.id)))
        created = events.emit_responses_created(session, ws, ids, clock.now)
    assert created in (0, 1)  # 0 when surveys/services already emitted it for this answer
    [job] = deliveries(database)
    data = job.payload["data"]
    assert (data["response"]["score"], data["response"]["comment"], data["case"]) == (9, "fast", None)
    assert job.payload["event"] == "response.created"


def test_data_builders_share_one_shape(client, database, clock, workspace) -> None:
    case_id = answer(client, workspace, clock, "F-110", 5, comment="late")
    with database.read() as session:
        data = events.case_data(session, case_id, "https://cx.example.com")
        from_response = events.response_data(session, data["response"]["id"], "https://cx.example.com")
    assert data == from_response
    assert set(data) == {"case", "response", "delivery", "customer", "url"}
    assert data["url"] == f"https://cx.example.com/cases/{case_id}"
    assert data["case"]["first_contact_due"] and data["customer"] == {"external_id": "c-F-110"}


def test_no_subscription_costs_nothing(client, database, clock, workspace) -> None:
    answer(client, workspace, clock, "F-111", 1)
    assert deliveries(database) == []
    with database.write() as session:
        ws = get_workspace(session=session, slug=workspace.slug)
        assert events.emit_responses_created(session, ws, [1, 2, 3], clock.now) == 0


def test_the_subscriptions_api(client, database, settings, clock, workspace, receiver) -> None:
    base = "/api/v1/webhooks/subscriptions"
    created = client.post(base, headers=workspace.headers, json={
        "url": f"{receiver.url}/hook?token=abcdefgh1234", "format": "json", "events": ["case.opened"],
        "secret": "topsecret-WXYZ"})
    assert created.status_code == 201, created.text
    sub = created.json()
    assert sub["secret_last4"] == "…WXYZ" and "topsecret" not in created.text and "abcdefgh" not in created.text
    assert client.get(base).status_code == 401  # an API key is needed
    listed = client.get(base, headers=workspace.headers).json()["subscriptions"]
    assert [s["id"] for s in listed] == [sub["id"]]
    refused = client.post(base, headers=workspace.headers, json={"url": "ftp://x", "events": ["case.opened"]})
    assert refused.status_code == 422 and "http:// or https://" in refused.text
    unknown = client.post(base, headers=workspace.headers, json={"url": "https://x.example", "events": ["nope"]})
    assert unknown.status_code == 422

    paused = client.patch(f"{base}/{sub['id']}", headers=workspace.headers, json={"active": False})
    assert paused.json()["active"] is False
    client.patch(f"{base}/{sub['id']}", headers=workspace.headers, json={"active": True})
    queued = client.post(f"{base}/{sub['id']}/test", headers=workspace.headers)
    assert queued.status_code == 202
    worker(database, settings, clock).run_until_idle()
    [request] = receiver.requests
    assert request.json()["event"] == "webhook.test" and request.json()["id"] == queued.json()["event_id"]
    assert verify_signature("topsecret-WXYZ", request.headers, request.body, clock.now.timestamp())
    log = client.get(f"{base}/{sub['id']}/calls", headers=workspace.headers).json()["calls"]
    assert [(c["event"], c["status_code"], c["ok"]) for c in log] == [("webhook.test", 200, True)]

    other = make_workspace(database, "other")
    assert client.get(f"{base}/{sub['id']}", headers=other.headers).status_code == 404
    assert client.delete(f"{base}/{sub['id']}", headers=other.headers).status_code == 404
    assert client.delete(f"{base}/{sub['id']}", headers=workspace.headers).status_code == 204
    assert client.get(f"{base}/{sub['id']}/calls", headers=workspace.headers).status_code == 404
