"""GET /api/v1/metrics/nps: exact counts, periods in the workspace timezone, segments."""

import io

from conftest import make_workspace
from doorstep.accounts.services import get_workspace
from doorstep.deliveries.csv_import import import_deliveries_csv, import_responses_csv

DELIVERIES = "external_id,customer_id,delivered_at,team\n" + "".join(
    f"D{i},c{i},2026-02-01T10:00:00Z,{'north' if i < 6 else 'south'}\n" for i in range(10)
)
# north: 10,9,9,7,3,0 → 3 promoters, 2 detractors of 6; south: 10,10,6,8 → 2 promoters, 1 detractor of 4.
SCORES = [10, 9, 9, 7, 3, 0, 10, 10, 6, 8]
RESPONSES = "delivery_external_id,score,responded_at,channel\n" + "".join(
    f"D{i},{s},2026-02-{1 + i:02d}T20:00:00Z,{'app' if i % 2 else 'email'}\n" for i, s in enumerate(SCORES)
)


def load(database, clock, slug="default", tz="UTC"):
    with database.write() as s:
        ws = get_workspace(session=s, slug=slug)
        ws.timezone = tz
        import_deliveries_csv(session=s, workspace=ws, stream=io.StringIO(DELIVERIES), now=clock())
        import_responses_csv(session=s, workspace=ws, stream=io.StringIO(RESPONSES), now=clock())


def test_overall_and_by_segment(client, workspace, database, clock) -> None:
    load(database, clock)
    overall = client.get("/api/v1/metrics/nps", headers=workspace.headers).json()
    assert overall == {
        "nps": 20.0,
        "responses": 10,
        "promoters": 5,
        "passives": 2,
        "detractors": 3,
        "ci95": overall["ci95"],
    }
    low, high = overall["ci95"]
    assert low < 20.0 < high
    by_team = client.get("/api/v1/metrics/nps?by=team", headers=workspace.headers).json()
    assert by_team["by"] == "team"
    groups = {g["key"]: g for g in by_team["groups"]}
    assert (groups["north"]["responses"], groups["north"]["nps"]) == (6, 16.7)
    assert (groups["south"]["responses"], groups["south"]["nps"]) == (4, 25.0)
    by_channel = client.get("/api/v1/metrics/nps?by=channel", headers=workspace.headers).json()
    assert sorted(g["responses"] for g in by_channel["groups"]) == [5, 5]
    unknown = client.get("/api/v1/metrics/nps?by=nosuch", headers=workspace.headers).json()
    assert unknown["groups"] == [
        {"key": None, **overall, "nps_impact": 0.0, "impact_ci95": None, "significant": False, "small_sample": True}
    ]


def test_period_bounds_follow_the_workspace_timezone(client, database, clock) -> None:
    ws = make_workspace(database, "sh")
    load(database, clock, slug="sh", tz="Asia/Shanghai")
    # Responses are at 20:00 UTC = 04:00 next day in Shanghai: D0 (Feb 1 UTC) is Feb 2 in Shanghai.
    day = client.get("/api/v1/metrics/nps?since=2026-02-02&until=2026-02-02", headers=ws.headers).json()
    assert day["responses"] == 1 and day["promoters"] == 1
    until = client.get("/api/v1/metrics/nps?until=2026-02-01", headers=ws.headers).json()
    assert until["responses"] == 0 and until["nps"] is None and until["ci95"] is None
    bad = client.get("/api/v1/metrics/nps?since=yesterday", headers=ws.headers)
    assert bad.status_code == 422 and bad.json()["error"]["message"].startswith("field 'since'")


def test_no_responses_and_isolation(client, workspace, database, clock) -> None:
    other = make_workspace(database, "other")
    load(database, clock)
    empty = client.get("/api/v1/metrics/nps", headers=other.headers).json()
    assert empty == {"nps": None, "responses": 0, "promoters": 0, "passives": 0, "detractors": 0, "ci95": None}


def test_dates_past_the_calendar_are_422_not_500(client, workspace, database, clock) -> None:
    # Found by the fuzzer: the day after 9999-12-31 and year 1 shifted to UTC overflowed datetime.
    load(database, clock, tz="Asia/Shanghai")
    for query in ({"until": "9999-12-31"}, {"since": "0001-01-01"}, {"since": "0001-01-01T00:00:00"},
                  {"until": "9999-12-31T23:59:59-05:00"}):
        for route in ("nps", "trend", "compare", "stages", "lateness", "drivers", "loop"):
            r = client.get(f"/api/v1/metrics/{route}", headers=workspace.headers, params=query)
            assert r.status_code == 422, (route, query, r.text)
            assert "outside the years 1900 to 2999" in r.json()["error"]["message"]
    edge = client.get("/api/v1/metrics/nps", headers=workspace.headers,
                      params={"since": "1900-01-01", "until": "2999-12-31"})
    assert edge.status_code == 200 and edge.json()["responses"] == 10


def test_a_trend_of_centuries_is_refused_not_counted(client, workspace, database, clock) -> None:
    # Found by the fuzzer: since=1900 by week meant ~6,600 bucket queries (11 s on SQLite), until=2999 ~50,000.
    load(database, clock)
    r = client.get("/api/v1/metrics/trend", headers=workspace.headers, params={"since": "1900-01-01"})
    assert r.status_code == 422 and "more than 1,000 points" in r.json()["error"]["message"]
    by_month = client.get("/api/v1/metrics/trend", headers=workspace.headers,
                          params={"since": "1990-01-01", "every": "month"})
    assert by_month.status_code == 200 and len(by_month.json()["points"]) > 400
