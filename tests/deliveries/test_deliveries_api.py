"""POST /api/v1/deliveries: idempotent by external_id, batches, invitations, isolation."""

from sqlalchemy import func, select

from conftest import make_workspace
from doorstep.deliveries.models import Delivery, Stage, StageEvent
from doorstep.surveys.models import Invitation


def delivery(ext: str, customer: str = "c-1", **extra):
    body = {
        "external_id": ext,
        "customer_id": customer,
        "customer_locale": "zh-CN",
        "owner": "rider-1",
        "promised_at": "2026-03-02T08:30:00Z",
        "stages": {"ordered": "2026-03-02T08:00:00Z", "picked_up": "2026-03-02T08:20:00Z"},
        "attributes": {"team": "north", "region": "east"},
    }
    body.update(extra)
    return body


def count(database, model) -> int:
    with database.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_single_delivery_is_created_and_replay_changes_nothing(client, workspace, database) -> None:
    r = client.post("/api/v1/deliveries", json=delivery("F-1"), headers=workspace.headers)
    assert r.status_code == 200, r.text
    assert r.json() == {"created": 1, "updated": 0, "unchanged": 0, "invitations": []}
    again = client.post("/api/v1/deliveries", json=delivery("F-1"), headers=workspace.headers)
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 1, "invitations": []}
    assert count(database, Delivery) == 1
    assert count(database, StageEvent) == 2
    with database.read() as s:
        assert [st.key for st in s.scalars(select(Stage).order_by(Stage.position))] == ["ordered", "picked_up"]


def test_later_stage_event_and_delivery_update_and_invite_once(client, workspace, database, clock) -> None:
    client.post("/api/v1/deliveries", json=delivery("F-2"), headers=workspace.headers)
    later = delivery("F-2", delivered_at="2026-03-02T08:45:00Z", stages={"delivered": "2026-03-02T08:45:00Z"})
    # 'delivered' is not a stage of the journey yet: refused, naming the field.
    r = client.post("/api/v1/deliveries", json=later, headers=workspace.headers)
    assert r.status_code == 422
    assert r.json()["error"]["problems"][0]["field"] == "stage.delivered"

    later["stages"] = {"picked_up": "2026-03-02T08:25:00Z"}
    r = client.post("/api/v1/deliveries", json=later, headers=workspace.headers)
    body = r.json()
    assert body["updated"] == 1 and body["created"] == 0
    assert len(body["invitations"]) == 1
    link = body["invitations"][0]
    assert link["delivery_external_id"] == "F-2"
    assert link["url"] == f"http://testserver/s/{link['token']}"
    assert len(link["token"]) >= 22  # ≥128 bits in URL-safe base64
    # Replaying the delivered event does not invite again.
    r = client.post("/api/v1/deliveries", json=later, headers=workspace.headers)
    assert r.json()["unchanged"] == 1 and r.json()["invitations"] == []
    assert count(database, Invitation) == 1
    got = client.get("/api/v1/deliveries/F-2", headers=workspace.headers).json()
    assert got["status"] == "delivered"
    assert got["invitation_url"] == link["url"]
    assert {s["key"]: s["completed_at"] for s in got["stages"]}["picked_up"].startswith("2026-03-02T08:25")


def test_batch_and_quiet_period(client, workspace, database) -> None:
    batch = {
        "deliveries": [
            delivery("F-10", "c-1", delivered_at="2026-03-02T08:40:00Z"),
            delivery("F-11", "c-1", delivered_at="2026-03-02T08:50:00Z"),  # same customer: quiet period
            delivery("F-12", "c-2", delivered_at="2026-03-02T08:55:00Z"),
        ]
    }
    r = client.post("/api/v1/deliveries", json=batch, headers=workspace.headers)
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 3
    assert sorted(i["delivery_external_id"] for i in r.json()["invitations"]) == ["F-10", "F-12"]


def test_old_deliveries_are_not_surveyed(client, workspace) -> None:
    # The fake clock says 2026-03-02; a hand-over from last year is history, not a survey.
    r = client.post(
        "/api/v1/deliveries", json=delivery("OLD", delivered_at="2025-01-01T10:00:00Z"), headers=workspace.headers
    )
    assert r.json()["created"] == 1 and r.json()["invitations"] == []


def test_naive_times_are_read_in_the_workspace_timezone(client, database) -> None:
    ws = make_workspace(database, "shanghai", timezone="Asia/Shanghai")
    client.post(
        "/api/v1/deliveries", json=delivery("T-1", promised_at="2026-03-02T12:00:00", stages={}), headers=ws.headers
    )
    got = client.get("/api/v1/deliveries/T-1", headers=ws.headers).json()
    assert got["promised_at"].startswith("2026-03-02T04:00:00")


def test_batch_limits_and_bad_items_store_nothing(client, workspace, database) -> None:
    too_many = {"deliveries": [delivery(f"X-{i}") for i in range(1001)]}
    assert client.post("/api/v1/deliveries", json=too_many, headers=workspace.headers).status_code == 422
    bad = {"deliveries": [delivery("OK-1"), delivery("BAD", customer_email="not-an-email")]}
    r = client.post("/api/v1/deliveries", json=bad, headers=workspace.headers)
    assert r.status_code == 422
    assert r.json()["error"]["problems"][0]["field"] == "deliveries[1].customer_email"
    assert count(database, Delivery) == 0


def test_authentication_and_workspace_isolation(client, workspace, database) -> None:
    other = make_workspace(database, "other")
    assert client.post("/api/v1/deliveries", json=delivery("F-1")).status_code == 401
    bad_key = {"Authorization": "Bearer dsk_000000000000_nope"}
    assert client.post("/api/v1/deliveries", json=delivery("F-1"), headers=bad_key).status_code == 401
    client.post("/api/v1/deliveries", json=delivery("MINE"), headers=workspace.headers)
    # The other workspace cannot see it, and may use the same external id for its own.
    assert client.get("/api/v1/deliveries/MINE", headers=other.headers).status_code == 404
    r = client.post("/api/v1/deliveries", json=delivery("MINE"), headers=other.headers)
    assert r.json()["created"] == 1
    assert count(database, Delivery) == 2


def test_nul_characters_are_refused_and_never_stored(client, workspace, database) -> None:
    # Found by the fuzzer: psycopg refuses NUL in text (a 500 on PostgreSQL, stored as-is on SQLite), and a
    # NUL inside a JSON attribute was stored on PostgreSQL and then broke every later by=<attribute> query.
    for body in (delivery("F-\x00"), delivery("F-1", customer="c\x00"), delivery("F-1", attributes={"team": "n\x00"}),
                 delivery("F-1", attributes={"te\x00am": "north"}),
                 delivery("F-1", stages={"s\x00": "2026-03-02T08:00:00Z"})):
        r = client.post("/api/v1/deliveries", json=body, headers=workspace.headers)
        assert r.status_code == 422, r.text
        assert "NUL" in r.json()["error"]["message"]
    assert count(database, Delivery) == 0
    assert client.get("/api/v1/deliveries/F-%00", headers=workspace.headers).status_code == 422
    assert client.get("/api/v1/metrics/nps", headers=workspace.headers, params={"by": "team"}).status_code == 200


def test_numbers_json_cannot_hold_are_refused(client, workspace, database) -> None:
    # Found by the fuzzer: Python's JSON parser takes NaN, Infinity and 1e400; PostgreSQL refused them (500)
    # and SQLite handed them back as null.
    for number in (b"NaN", b"Infinity", b"-Infinity", b"1e400"):
        raw = b'{"external_id": "F-1", "customer_id": "c-1", "attributes": {"weight": ' + number + b"}}"
        r = client.post("/api/v1/deliveries", content=raw,
                        headers={**workspace.headers, "Content-Type": "application/json"})
        assert r.status_code == 422, (number, r.text)
    assert count(database, Delivery) == 0
    big = client.post("/api/v1/deliveries", json=delivery("F-2", attributes={"weight": 1e308, "n": 2**70}),
                      headers=workspace.headers)
    assert big.status_code == 200
    assert client.get("/api/v1/deliveries/F-2", headers=workspace.headers).json()["attributes"] == {
        "weight": 1e308, "n": 2**70}


def test_times_past_the_calendar_are_422(client, database) -> None:
    # Found by the fuzzer: year 1 without an offset, read in UTC+8, has no UTC form (OverflowError, a 500).
    ws = make_workspace(database, "east", timezone="Asia/Shanghai")
    for when in ("0001-01-01T00:00:00", "9999-12-31T23:59:59-05:00"):
        for body in (delivery("F-1", delivered_at=when), delivery("F-1", stages={"ordered": when})):
            r = client.post("/api/v1/deliveries", json=body, headers=ws.headers)
            assert r.status_code == 422, r.text
    assert count(database, Delivery) == 0


def test_an_error_echoing_unencodable_input_is_still_sent(client, workspace) -> None:
    # Found by the fuzzer: a 422 echoes the input; a lone surrogate (valid JSON "\ud800", not UTF-8-able)
    # or an infinite number in it made the error answer itself fail with a 500.
    headers = {**workspace.headers, "Content-Type": "application/json"}
    r = client.post("/api/v1/deliveries", content=b'{"external_id": "F-\\ud800", "customer_id": "c"}', headers=headers)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-1] == "external_id"
    r = client.post("/api/v1/deliveries", content=b'{"external_id": 1e400, "customer_id": "c"}', headers=headers)
    assert r.status_code == 422 and r.json()["detail"][0]["input"] == "inf"


def test_json_columns_keep_chinese_as_itself_and_a_lone_surrogate_escaped() -> None:
    # SQLite before 3.45 matches a JSON path against the raw key: "区域" stored as \u533a\u57df
    # could not be found, and a segment by it was one group of "—" (migration 0014).
    from doorstep.db import to_json

    assert to_json({"区域": "华东"}) == '{"区域": "华东"}'
    assert to_json({"note": "\ud800"}) == '{"note": "\\ud800"}'  # UTF-8 cannot hold it: escaped
