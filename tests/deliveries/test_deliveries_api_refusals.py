"""POST /api/v1/deliveries as an outside integrator gets it wrong: each refusal names the one
field at fault, a number is never read as a time, and nothing of a refused batch is stored."""

from __future__ import annotations

from sqlalchemy import func, select

from doorstep.deliveries.models import Delivery, StageEvent

GOOD = {"external_id": "ONB-1", "customer_id": "C-1", "stages": {"signed": "2026-02-01T10:00:00"}}


def post(client, workspace, body):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/deliveries", json=body, headers=workspace.headers)


def stored(database) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with database.read() as s:
        return (s.scalar(select(func.count()).select_from(Delivery)) or 0,
                s.scalar(select(func.count()).select_from(StageEvent)) or 0)


def test_a_small_number_is_not_a_time(client, workspace, database) -> None:
    # Pydantic alone reads 5 as 1970-01-01T00:00:05Z: a sender's slip became a stage in 1970.
    for body in ({**GOOD, "stages": {"kickoff": 5}}, {**GOOD, "delivered_at": 86_400},
                 {**GOOD, "promised_at": "1.5"}, {**GOOD, "promised_at": True}):
        r = post(client, workspace, body)
        assert r.status_code == 422, r.text
        [err] = r.json()["detail"]
        assert "not a time" in err["msg"], err
    r = post(client, workspace, {**GOOD, "stages": {"kickoff": 5}})
    assert r.json()["detail"][0]["loc"] == ["body", "delivery", "stages", "kickoff"]
    assert stored(database) == (0, 0)
    # Unix seconds stay a time (docs/webhooks.md): 2024-05-29T04:26:40Z.
    r = post(client, workspace, {**GOOD, "delivered_at": 1_716_956_800})
    assert r.status_code == 200, r.text
    got = client.get("/api/v1/deliveries/ONB-1", headers=workspace.headers).json()
    assert got["delivered_at"].startswith("2024-05-29T04:26:40")


def test_a_refused_field_is_named_once_not_for_both_shapes(client, workspace, database) -> None:
    r = post(client, workspace, {"external_id": "ONB-2"})
    assert r.status_code == 422
    assert [e["loc"] for e in r.json()["detail"]] == [["body", "delivery", "customer_id"]]

    batch = {"deliveries": [GOOD, {**GOOD, "external_id": "ONB-3"},
                            {**GOOD, "external_id": "ONB-4", "customer_id": ""}]}
    r = post(client, workspace, batch)
    assert r.status_code == 422
    assert [e["loc"] for e in r.json()["detail"]] == [["body", "batch", "deliveries", 2, "customer_id"]]
    assert stored(database) == (0, 0)


def test_an_unknown_stage_is_named_by_the_delivery_that_sent_it(client, workspace, database) -> None:
    assert post(client, workspace, GOOD).status_code == 200  # the journey learns 'signed'
    batch = {"deliveries": [{**GOOD, "external_id": "ONB-5"}, {**GOOD, "external_id": "ONB-6"},
                            {**GOOD, "external_id": "ONB-7", "stages": {"qa_signoff": "2026-02-02T10:00:00"}}]}
    r = post(client, workspace, batch)
    assert r.status_code == 422
    [problem] = r.json()["error"]["problems"]
    assert problem["field"] == "deliveries[2].stage.qa_signoff" and problem["line"] is None
    assert r.json()["error"]["message"].startswith("request: 1 bad row(s), nothing was imported")
    assert stored(database) == (1, 1)  # ONB-5 and ONB-6 were not half-written

    r = post(client, workspace, {**GOOD, "stages": {"qa_signoff": "2026-02-02T10:00:00"}})
    assert r.json()["error"]["problems"] == [
        {"line": None, "field": "stage.qa_signoff", "message": "unknown stage 'qa_signoff'; the journey has: signed"}
    ]


def test_the_document_declares_the_error_body_of_a_missing_delivery(client, workspace) -> None:
    spec = client.get("/openapi.json").json()
    declared = spec["paths"]["/api/v1/deliveries/{external_id}"]["get"]["responses"]["404"]
    assert declared["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
    r = client.get("/api/v1/deliveries/NOPE", headers=workspace.headers)
    assert r.status_code == 404 and set(r.json()["error"]) >= {"type", "message"}


def test_a_shape_refusal_also_answers_in_the_error_shape_of_every_other_refusal(client, workspace) -> None:
    # FastAPI's "detail" stays for the clients that read it; "error.problems" names the same
    # fields the way our own refusals do, so a client reads one shape whichever layer refused.
    batch = {"deliveries": [GOOD, {**GOOD, "external_id": "ONB-4", "customer_id": ""}]}
    body = post(client, workspace, batch).json()
    assert body["detail"][0]["loc"] == ["body", "batch", "deliveries", 1, "customer_id"]
    assert body["error"]["type"] == "InvalidInput"
    [problem] = body["error"]["problems"]
    assert problem["field"] == "deliveries[1].customer_id" and problem["message"] == body["detail"][0]["msg"]
    r = client.get("/api/v1/metrics/nps", params={"since": "yesterday-ish"}, headers=workspace.headers)
    assert r.status_code == 422 and r.json()["error"]["problems"][0]["field"] == "since", r.text
