"""POST /api/v1/webhooks/deliveries: signed pushes from an order system, as it sends them.

Every refusal (bad or missing signature, unknown workspace, old timestamp, replay,
wrong JSON, a mapping that does not fit) stores nothing at all.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from doorstep.accounts.services import get_workspace, update_settings
from doorstep.channels import signing
from doorstep.channels.models import InboundRequest
from doorstep.channels.secrets import ensure_inbound_secret
from doorstep.deliveries.models import Delivery, StageEvent
from doorstep.surveys.models import Invitation

URL = "/api/v1/webhooks/deliveries"


@pytest.fixture
def secret(database, workspace, clock) -> str:
    with database.write() as session:
        ws = get_workspace(session=session, slug=workspace.slug)
        return ensure_inbound_secret(session=session, workspace=ws, now=clock.now).value


def push(client, clock, secret: str, payload: Any, *, slug: str = "default", raw: bytes | None = None,
         at: dt.datetime | None = None, headers: dict[str, str] | None = None, query: bool = False) -> Any:
    body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
    sent = signing.signed_headers(secret, body, at or clock.now)
    all_headers = {"Content-Type": "application/json", **sent, **(headers or {})}
    if not query:
        all_headers["X-Doorstep-Workspace"] = slug
    return client.post(URL, content=body, headers=all_headers, params={"workspace": slug} if query else None)


def counts(database) -> tuple[int, int, int]:
    with database.read() as session:
        return (session.scalar(select(func.count()).select_from(Delivery)) or 0,
                session.scalar(select(func.count()).select_from(Invitation)) or 0,
                session.scalar(select(func.count()).select_from(InboundRequest)) or 0)


def delivery(clock, ext: str, **extra: Any) -> dict[str, Any]:
    return {"external_id": ext, "customer_id": f"c-{ext}",
            "delivered_at": (clock.now - dt.timedelta(minutes=5)).isoformat(), **extra}


def test_a_signed_push_stores_deliveries_and_invites_like_the_api(client, database, clock, workspace,
                                                                  secret) -> None:
    pushed = push(client, clock, secret, [delivery(clock, "W-1", customer_email="a@example.com"),
                                          delivery(clock, "W-2")])
    assert pushed.status_code == 200, pushed.text
    result = pushed.json()
    assert (result["created"], result["updated"], result["unchanged"]) == (2, 0, 0)
    assert {i["delivery_external_id"] for i in result["invitations"]} == {"W-1", "W-2"}
    # The API path, for the same kind of delivery, invites the same way.
    api = client.post("/api/v1/deliveries", headers=workspace.headers, json=delivery(clock, "A-1"))
    assert len(api.json()["invitations"]) == 1
    assert counts(database) == (3, 3, 1)
    # The same deliveries pushed again (a fresh signature): idempotent by external_id.
    clock.advance(seconds=1)
    again = push(client, clock, secret, {"deliveries": [delivery(clock, "W-1"), delivery(clock, "W-2")]})
    assert again.status_code == 200, again.text
    assert again.json()["created"] == 0 and again.json()["invitations"] == []
    assert counts(database)[:2] == (3, 3)


def test_one_object_and_the_workspace_in_the_query(client, database, clock, workspace, secret) -> None:
    pushed = push(client, clock, secret, delivery(clock, "W-3"), query=True)
    assert pushed.status_code == 200, pushed.text
    assert pushed.json()["created"] == 1


def test_a_mapping_reads_the_order_systems_own_shape(client, database, clock, workspace, secret) -> None:
    with database.write() as session:
        ws = get_workspace(session=session, slug=workspace.slug)
        update_settings(session=session, workspace=ws, inbound_mapping={
            "external_id": "order.id", "customer_id": "buyer.id", "delivered_at": "order.delivered_time",
            "customer_email": "buyer.email?", "stage.picked_up": "timeline.pickup", "team": "order.team?",
        })
    delivered = clock.now - dt.timedelta(minutes=10)
    orders = [
        {"order": {"id": 9001, "delivered_time": delivered.isoformat(), "team": "north"},
         "buyer": {"id": "u-1", "email": "li@example.com"},
         "timeline": {"pickup": (delivered - dt.timedelta(minutes=20)).isoformat()}},
        {"order": {"id": 9002, "delivered_time": int(delivered.timestamp())}, "buyer": {"id": 77},
         "timeline": {"pickup": (delivered - dt.timedelta(minutes=15)).isoformat()}},
    ]
    pushed = push(client, clock, secret, orders)
    assert pushed.status_code == 200, pushed.text
    assert pushed.json()["created"] == 2 and len(pushed.json()["invitations"]) == 2
    with database.read() as session:
        rows = {d.external_id: d for d in session.scalars(select(Delivery))}
        assert set(rows) == {"9001", "9002"}
        assert rows["9001"].attributes == {"team": "north"} and rows["9002"].attributes == {}
        assert rows["9002"].delivered_at == delivered.replace(microsecond=0)
        assert session.scalar(select(func.count()).select_from(StageEvent)) == 2


def test_mapping_problems_name_the_item_and_field_and_store_nothing(client, database, clock, workspace,
                                                                    secret) -> None:
    with database.write() as session:
        ws = get_workspace(session=session, slug=workspace.slug)
        update_settings(session=session, workspace=ws, inbound_mapping={
            "external_id": "order.id", "customer_id": "buyer.id", "delivered_at": "order.delivered_time"})
    good = {"order": {"id": "1", "delivered_time": clock.now.isoformat()}, "buyer": {"id": "b"}}
    missing = {"order": {"id": "2", "delivered_time": clock.now.isoformat()}, "buyer": {}}
    bad_time = {"order": {"id": "3", "delivered_time": "yesterday"}, "buyer": {"id": "b"}}
    pushed = push(client, clock, secret, [good, missing, bad_time])
    assert pushed.status_code == 422, pushed.text
    problems = pushed.json()["error"]["problems"]
    fields = [p["field"] for p in problems]
    assert fields == ["items[1].customer_id", "items[2].delivered_at"]
    assert "path 'buyer.id' is not in the item" in problems[0]["message"]
    assert counts(database) == (0, 0, 0)  # not the good item, not even the replay guard's row


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        (b"{not json", "body", "not valid JSON"),
        (b"[]", "body", "empty list"),
        (b'"a string"', "items[0]", "must be a JSON object"),
        (b'[{"external_id": "x", "customer_id": "c"}, 42]', "items[1]", "must be a JSON object"),
        (b'{"external_id": "x"}', "items[0].customer_id", "required"),
        (b'{"external_id": "x", "customer_id": "c", "colour": "red"}', "items[0].colour", "not permitted"),
        (b'{"external_id": "x", "customer_id": "c", "customer_email": "nope"}', "items[0].customer_email",
         "not an e-mail"),
    ],
)
def test_wrong_json_is_a_422_and_stores_nothing(client, database, clock, workspace, secret, raw: bytes,
                                                field: str, message: str) -> None:
    pushed = push(client, clock, secret, None, raw=raw)
    assert pushed.status_code == 422, pushed.text
    error = pushed.json()["error"]
    assert message in error["message"]
    assert f"field '{field}'" in error["message"]
    assert counts(database) == (0, 0, 0)


def test_too_many_items_is_refused(client, database, clock, workspace, secret) -> None:
    pushed = push(client, clock, secret, [delivery(clock, f"X-{i}") for i in range(1001)])
    assert pushed.status_code == 422 and "at most 1,000 items" in pushed.text
    assert counts(database) == (0, 0, 0)


def test_signature_failures_are_401_and_an_unknown_workspace_looks_the_same(client, database, clock, workspace,
                                                                            secret) -> None:
    body = delivery(clock, "S-1")
    wrong = push(client, clock, "not-the-secret", body)
    unknown = push(client, clock, secret, body, slug="nosuch")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert "signature does not match" in wrong.json()["error"]["message"]
    # A workspace that never set up an inbound secret looks the same too.
    from conftest import make_workspace as make

    make(database, "other")
    assert push(client, clock, secret, body, slug="other").json() == wrong.json()

    missing = client.post(URL, content=b"{}", headers={"X-Doorstep-Workspace": "default"})
    assert missing.status_code == 401 and "missing X-Doorstep-Timestamp" in missing.text
    tampered_body = json.dumps(body).encode()
    headers = signing.signed_headers(secret, tampered_body, clock.now)
    tampered = client.post(URL, content=tampered_body + b" ", headers={**headers, "X-Doorstep-Workspace": "default"})
    assert tampered.status_code == 401
    assert counts(database) == (0, 0, 0)


@pytest.mark.parametrize("minutes", [6, -6, 60 * 24])
def test_an_old_or_future_timestamp_is_refused(client, database, clock, workspace, secret, minutes: int) -> None:
    pushed = push(client, clock, secret, delivery(clock, "T-1"), at=clock.now - dt.timedelta(minutes=minutes))
    assert pushed.status_code == 401 and "away from the server's clock" in pushed.text
    assert counts(database) == (0, 0, 0)


def test_a_replay_is_refused_and_the_guard_forgets_after_ten_minutes(client, database, clock, workspace,
                                                                     secret) -> None:
    body = json.dumps(delivery(clock, "R-1")).encode()
    headers = {**signing.signed_headers(secret, body, clock.now), "X-Doorstep-Workspace": "default"}
    assert client.post(URL, content=body, headers=headers).status_code == 200
    replay = client.post(URL, content=body, headers=headers)
    assert replay.status_code == 401 and "already received (a replay)" in replay.text
    assert counts(database) == (1, 1, 1)
    clock.advance(minutes=4)
    assert client.post(URL, content=body, headers=headers).status_code == 401  # still inside the window
    clock.advance(minutes=7)
    push(client, clock, secret, delivery(clock, "R-2"))  # any accepted request prunes old signatures
    assert counts(database)[2] == 1  # only the new one is remembered


def test_a_rotated_secret_keeps_the_old_one_for_a_grace_period(client, database, clock, workspace, secret) -> None:
    with database.write() as session:
        ws = get_workspace(session=session, slug=workspace.slug)
        new = ensure_inbound_secret(session=session, workspace=ws, now=clock.now, rotate=True)
    assert new.shown and new.value != secret
    assert push(client, clock, secret, delivery(clock, "G-1")).status_code == 200
    assert push(client, clock, new.value, delivery(clock, "G-2")).status_code == 200
    clock.advance(hours=25)
    assert push(client, clock, secret, delivery(clock, "G-3")).status_code == 401
    assert push(client, clock, new.value, delivery(clock, "G-4")).status_code == 200


def test_an_oversized_body_is_refused_unread(client, database, clock, workspace, secret) -> None:
    from doorstep.channels.inbound import MAX_BODY

    raw = b"[" + b" " * MAX_BODY + b"]"
    pushed = push(client, clock, secret, None, raw=raw)
    assert pushed.status_code == 413
    assert counts(database) == (0, 0, 0)


def test_the_inbound_secret_over_the_api_is_shown_only_when_made(client, database, clock, workspace) -> None:
    first = client.get("/api/v1/webhooks/inbound-secret", headers=workspace.headers).json()
    assert first["created"] is True and len(first["secret"]) >= 40
    again = client.get("/api/v1/webhooks/inbound-secret", headers=workspace.headers)
    assert again.json()["secret"] is None and again.json()["last4"] == first["secret"][-4:]
    assert first["secret"] not in again.text
    rotated = client.post("/api/v1/webhooks/inbound-secret/rotate", headers=workspace.headers).json()
    assert rotated["created"] is True and rotated["secret"] != first["secret"]
    assert push(client, clock, rotated["secret"], delivery(clock, "K-1")).status_code == 200
    assert client.get("/api/v1/webhooks/inbound-secret").status_code == 401


def test_the_same_request_twice_at_once_is_stored_once(database, clock, workspace, secret) -> None:
    import threading

    from doorstep.channels.inbound import receive_deliveries
    from doorstep.errors import AuthError

    body = json.dumps(delivery(clock, "C-1")).encode()
    headers = signing.signed_headers(secret, body, clock.now)
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def send() -> None:
        start.wait()
        try:
            with database.write() as session:
                receive_deliveries(session=session, slug="default", timestamp=headers["X-Doorstep-Timestamp"],
                                   signature=headers["X-Doorstep-Signature"], body=body, now=clock.now)
            outcomes.append("stored")
        except AuthError as exc:
            outcomes.append("replay" if "replay" in str(exc) else str(exc))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["replay", "stored"]
    assert counts(database) == (1, 1, 1)
