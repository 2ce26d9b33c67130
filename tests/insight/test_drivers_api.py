"""The insight routes over HTTP: shapes (DESIGN.md), filters, paging, errors, workspace isolation.

The comments go through the real analysis on import (surveys.services.after_responses).
"""

import io

from conftest import make_workspace
from doorstep.accounts.services import get_workspace
from doorstep.deliveries.csv_import import import_deliveries_csv, import_responses_csv
from doorstep.deliveries.services import add_stage

DELIVERIES = (
    "external_id,customer_id,promised_at,delivered_at,stage.ordered,stage.prepared,stage.delivered,team\n"
    "O1,c1,2026-02-02T12:30:00Z,2026-02-02T12:50:00Z,2026-02-02T12:00:00Z,2026-02-02T12:10:00Z,2026-02-02T12:50:00Z,north\n"
    "O2,c2,2026-02-02T12:30:00Z,2026-02-02T12:25:00Z,2026-02-02T12:00:00Z,2026-02-02T12:10:00Z,2026-02-02T12:25:00Z,south\n"
    "O3,c3,2026-02-03T18:30:00Z,2026-02-03T18:20:00Z,2026-02-03T18:00:00Z,2026-02-03T18:05:00Z,2026-02-03T18:20:00Z,north\n"
    "O4,c4,2026-02-03T18:30:00Z,2026-02-03T19:20:00Z,2026-02-03T18:00:00Z,2026-02-03T18:40:00Z,2026-02-03T19:20:00Z,south\n"
    "O5,c5,2026-02-10T18:30:00Z,2026-02-10T18:20:00Z,2026-02-10T18:00:00Z,2026-02-10T18:05:00Z,2026-02-10T18:20:00Z,north\n"
)
RESPONSES = (
    "delivery_external_id,score,comment,stage,responded_at\n"
    "O1,3,送得太慢了，饭都凉了,,2026-02-02T13:30:00Z\n"
    'O2,9,"On time, thanks!",,2026-02-02T13:00:00Z\n'
    "O3,10,不凉，很好吃,,2026-02-03T19:00:00Z\n"
    "O4,2,Terrible: the soup spilled everywhere and it was late,prepared,2026-02-03T20:00:00Z\n"
    "O5,8,,,2026-02-10T19:00:00Z\n"
)


def load(database, clock, slug="default"):
    with database.write() as s:
        ws = get_workspace(session=s, slug=slug)
        add_stage(session=s, workspace=ws, key="ordered", name="Ordered", name_zh="已下单")
        add_stage(session=s, workspace=ws, key="prepared", name="Prepared", name_zh="出餐", target_minutes=15)
        add_stage(session=s, workspace=ws, key="delivered", name="Delivered", name_zh="已送达", target_minutes=20)
        import_deliveries_csv(session=s, workspace=ws, stream=io.StringIO(DELIVERIES), now=clock())
        import_responses_csv(session=s, workspace=ws, stream=io.StringIO(RESPONSES), now=clock())


def test_stages_shape(client, workspace, database, clock) -> None:
    load(database, clock)
    body = client.get("/api/v1/metrics/stages", headers=workspace.headers).json()
    keys = {"key", "name", "deliveries", "late", "late_rate", "median_overrun_minutes", "attributed_responses", "nps"}
    assert all(keys | {"nps_impact", "ci95", "p90_overrun_minutes", "name_zh"} <= set(s) for s in body["stages"])
    stages = {s["key"]: s for s in body["stages"]}
    assert list(stages) == ["ordered", "prepared", "delivered"]
    # prepared: 10, 10, 5, 40, 5 minutes against 15 → one late (O4)
    assert (stages["prepared"]["deliveries"], stages["prepared"]["late"], stages["prepared"]["late_rate"]) == (
        5,
        1,
        0.2,
    )
    # O1 (text: cold, late → delivered), O4 picked prepared
    assert stages["prepared"]["attributed_responses"] >= 1 and stages["delivered"]["attributed_responses"] >= 1
    assert body["responses"] == 5
    picked = client.get("/api/v1/metrics/stages?attribution=picked", headers=workspace.headers).json()
    assert {s["key"]: s["attributed_responses"] for s in picked["stages"]} == {
        "ordered": 0,
        "prepared": 1,
        "delivered": 0,
    }


def test_drivers_shape_and_order(client, workspace, database, clock) -> None:
    load(database, clock)
    body = client.get("/api/v1/metrics/drivers", headers=workspace.headers).json()
    assert body["responses"] == 5
    drivers = body["drivers"]
    for d in drivers:
        assert {"kind", "key", "name", "mentions", "nps", "nps_impact", "impact_ci95", "significant"} <= set(d)
        assert d["kind"] in ("theme", "stage")
    impacts = [d["nps_impact"] for d in drivers]
    assert impacts == sorted(impacts)
    mentioned = {d["key"] for d in drivers if d["kind"] == "theme" and d["mentions"]}
    assert {"temperature", "spillage"} <= mentioned
    assert "training" not in {d["key"] for d in drivers}  # a SaaS theme has no place in a food journey
    themes = client.get("/api/v1/metrics/drivers?kind=theme", headers=workspace.headers).json()["drivers"]
    assert {d["kind"] for d in themes} == {"theme"}
    north = client.get("/api/v1/metrics/drivers", params={"where": "team=north"}, headers=workspace.headers).json()
    assert (north["segment"], north["responses"]) == ({"team": "north"}, 3)  # O1, O3, O5
    bad = client.get("/api/v1/metrics/drivers", params={"where": "north"}, headers=workspace.headers)
    assert bad.status_code == 422 and "ATTRIBUTE=VALUE" in bad.json()["error"]["message"]


def test_trend_lateness_and_compare(client, workspace, database, clock) -> None:
    load(database, clock)
    trend = client.get("/api/v1/metrics/trend?every=week", headers=workspace.headers).json()
    assert [p["start"] for p in trend["points"]] == ["2026-02-02", "2026-02-09"]
    assert trend["points"][0]["responses"] == 4 and trend["points"][0]["ci95"] is not None
    monthly = client.get("/api/v1/metrics/trend?every=month", headers=workspace.headers).json()
    assert [p["start"] for p in monthly["points"]] == ["2026-02-01"]
    assert client.get("/api/v1/metrics/trend?every=day", headers=workspace.headers).status_code == 422

    late = client.get("/api/v1/metrics/lateness", headers=workspace.headers).json()
    assert late["unit"] == "minutes"
    assert (late["on_time"]["responses"], late["late"]["responses"]) == (3, 2)
    buckets = {b["key"]: b["responses"] for b in late["buckets"]}
    assert buckets["15–30 min"] == 1 and buckets["30+ min"] == 1

    compare = client.get("/api/v1/metrics/compare?since=2026-02-09&until=2026-02-15", headers=workspace.headers).json()
    assert compare["responses"] == 1 and compare["previous"]["responses"] == 4
    assert compare["change"]["significant"] is False and compare["change"]["small_sample"] is True


def test_verbatim_search(client, workspace, database, clock) -> None:
    load(database, clock)
    h = workspace.headers

    def ids(query: str) -> list[str]:
        body = client.get(f"/api/v1/responses{query}", headers=h).json()
        return [r["delivery_external_id"] for r in body["responses"]]

    everything = client.get("/api/v1/responses", headers=h).json()
    assert everything["total"] == 4  # O5 has no comment
    assert ids("") == ["O4", "O3", "O1", "O2"]  # newest first
    first = everything["responses"][0]
    assert first["comment"] == "Terrible: the soup spilled everywhere and it was late"
    assert (first["stage"], first["attributed_stage"], first["attribution"]) == ("prepared", "prepared", "picked")
    assert "spillage" in first["themes"] and first["sentiment_label"] == "negative"
    assert ids("?with_comment=false&score_min=8") == ["O5", "O3", "O2"]
    assert ids("?theme=temperature") == ["O1"]  # "不凉" is not a complaint about temperature
    assert ids("?stage=prepared") == ["O4"]
    assert ids("?attribution=picked") == ["O4"]
    assert ids("?score_max=6") == ["O4", "O1"]
    assert ids("?language=zh") == ["O3", "O1"]
    assert set(ids("?sentiment=negative")) == {"O4", "O1"}
    assert "O2" in ids("?sentiment=positive")
    assert ids("?q=凉") == ["O3", "O1"]
    assert ids("?q=SOUP") == ["O4"]
    assert ids("?q=100%25") == []  # % matches itself
    page = client.get("/api/v1/responses?limit=2&offset=2", headers=h).json()
    assert (page["total"], [r["delivery_external_id"] for r in page["responses"]]) == (4, ["O1", "O2"])
    assert client.get("/api/v1/responses?score_min=11", headers=h).status_code == 422
    assert client.get("/api/v1/responses?score_min=8&score_max=3", headers=h).status_code == 422
    assert client.get("/api/v1/responses?limit=1000", headers=h).status_code == 422


def test_workspaces_are_isolated(client, workspace, database, clock) -> None:
    load(database, clock)
    other = make_workspace(database, "other")
    assert client.get("/api/v1/responses", headers=other.headers).json()["total"] == 0
    assert client.get("/api/v1/metrics/drivers", headers=other.headers).json()["responses"] == 0
    assert client.get("/api/v1/metrics/stages", headers=other.headers).json()["stages"] == []
    assert client.get("/api/v1/metrics/trend", headers=other.headers).json()["points"] == []
    assert client.get("/api/v1/metrics/stages").status_code == 401


def test_bad_period_is_a_422(client, workspace) -> None:
    response = client.get("/api/v1/metrics/drivers?since=yesterday", headers=workspace.headers)
    assert response.status_code == 422 and "since" in response.json()["error"]["message"]
