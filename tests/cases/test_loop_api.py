"""A detractor from answer to verified recovery, through the public API and survey page only."""

from __future__ import annotations

from urllib.parse import urlparse


def test_detractor_to_verified_recovery(client, workspace, clock) -> None:
    h = workspace.headers
    posted = client.post("/api/v1/deliveries", headers=h, json={
        "external_id": "D-1", "customer_id": "c-1", "customer_name": "Ann",
        "delivered_at": clock.now.isoformat(), "attributes": {"team": "north"},
    })
    assert posted.status_code == 200, posted.text
    [invitation] = posted.json()["invitations"]
    clock.advance(minutes=30)
    page = client.post(urlparse(invitation["url"]).path, data={"score": "2", "comment": "<b>cold</b> soup"})
    assert page.status_code == 200 and "Thank you" in page.text

    listed = client.get("/api/v1/cases", headers=h).json()
    [case] = listed["cases"]
    assert (case["delivery_external_id"], case["score"], case["status"], case["version"]) == ("D-1", 2, "open", 1)
    assert case["comment"] == "<b>cold</b> soup"

    clock.advance(hours=1)
    contacted = client.post(f"/api/v1/cases/{case['id']}/transitions", headers=h,
                            json={"to": "contacted", "note": "called her", "expected_version": 1})
    assert contacted.status_code == 200, contacted.text
    assert (contacted.json()["status"], contacted.json()["version"]) == ("contacted", 2)
    # Verified is the customer's to say, not ours.
    claimed = client.post(f"/api/v1/cases/{case['id']}/transitions", headers=h, json={"to": "verified"})
    assert claimed.status_code == 409
    assert claimed.json()["error"]["case"] == {"id": case["id"], "status": "contacted", "version": 2,
                                               "allowed": ["resolved"]}

    clock.advance(hours=2)
    resolved = client.post(f"/api/v1/cases/{case['id']}/transitions", headers=h,
                           json={"to": "resolved", "resolution": "refund + voucher", "expected_version": 2})
    assert resolved.status_code == 200, resolved.text
    detail = resolved.json()
    assert detail["status"] == "resolved" and detail["resolution"] == "refund + voucher"
    assert detail["resurvey"]["status"] == "pending"
    resurvey_path = urlparse(detail["resurvey_url"]).path

    clock.advance(days=2)
    again = client.post(resurvey_path, data={"score": "9", "comment": "much better, thanks"})
    assert again.status_code == 200

    final = client.get(f"/api/v1/cases/{case['id']}", headers=h).json()
    assert (final["status"], final["resurvey_score"]) == ("verified", 9)
    assert [e["kind"] for e in final["timeline"]] == ["opened", "transition", "transition", "transition"]
    assert [e["to"] for e in final["timeline"]][1:] == ["contacted", "resolved", "verified"]
    # The re-survey answer opened no case of its own.
    assert client.get("/api/v1/cases", headers=h).json()["total"] == 1

    loop = client.get("/api/v1/metrics/loop", headers=h).json()
    assert (loop["cases_opened"], loop["verified"], loop["recovered"], loop["recovery_rate"]) == (1, 1, 1, 100.0)
    assert loop["recovery_ci95"] == [20.7, 100.0]
    assert loop["contacted_within_sla_pct"] == 100.0 and loop["resolved_within_sla_pct"] == 100.0
    assert loop["median_hours_to_first_contact"] == 1.0 and loop["median_hours_to_resolution"] == 3.0

    # The re-survey proves the loop closed; it does not count as a second NPS answer.
    nps = client.get("/api/v1/metrics/nps", headers=h).json()
    assert (nps["responses"], nps["detractors"], nps["promoters"]) == (1, 1, 0)
    trend = client.get("/api/v1/metrics/trend", headers=h).json()
    assert sum(point["responses"] for point in trend["points"]) == 1
    drivers = client.get("/api/v1/metrics/drivers", headers=h).json()
    assert drivers["responses"] == 1


def test_ids_past_the_integer_columns_are_422(client, workspace) -> None:
    # Found by the fuzzer: /cases/9223372036854775808 was an OverflowError on SQLite (a 500).
    for path in ("/api/v1/cases/{}", "/api/v1/webhooks/subscriptions/{}", "/api/v1/links/{}"):
        assert client.get(path.format(2**63), headers=workspace.headers).status_code == 422
        assert client.get(path.format(2**31 - 1), headers=workspace.headers).status_code == 404
    r = client.post(f"/api/v1/cases/{2**63}/notes", headers=workspace.headers, json={"note": "hello"})
    assert r.status_code == 422
    assert client.get("/api/v1/cases", headers=workspace.headers, params={"offset": 2**63}).status_code == 422
