"""Loop figures: SLA attainment, medians in business time, breaches, recovery with its interval."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.cases.helpers import answer

from doorstep.accounts.services import get_workspace, update_settings
from doorstep.stats import proportion_interval


def move(client, workspace, case_id, *states):
    for to in states:
        r = client.post(f"/api/v1/cases/{case_id}/transitions", headers=workspace.headers, json={"to": to})
        assert r.status_code == 200, r.text
    return r.json()


def test_figures_overall_and_by_owner_and_attribute(client, workspace, database, clock) -> None:
    h = workspace.headers
    fast = answer(client, workspace, clock, "A", 2, owner="rider-1", attributes={"team": "north"})
    slow = answer(client, workspace, clock, "B", 5, attributes={"team": "south"})
    answer(client, workspace, clock, "C", 6, attributes={"team": "south"})
    client.post(f"/api/v1/cases/{fast}/assign", headers=h, json={"owner": "cs-fast"})
    clock.advance(hours=2)
    move(client, workspace, fast, "contacted")
    clock.advance(hours=2)
    resolved = move(client, workspace, fast, "resolved")
    clock.advance(hours=26)  # 30 h after opening: B and C missed the first-contact clock
    move(client, workspace, slow, "contacted")
    client.post(resolved["resurvey_url"].replace("http://testserver", ""), data={"score": "8"})

    loop = client.get("/api/v1/metrics/loop", headers=h).json()
    assert loop["cases_opened"] == 3
    assert (loop["contact_sla_decided"], loop["contacted_within_sla"], loop["contacted_within_sla_pct"]) == (3, 1, 33.3)
    # The other two resolution clocks still run: not counted either way.
    assert (loop["resolution_sla_decided"], loop["resolved_within_sla_pct"]) == (1, 100.0)
    assert loop["median_hours_to_first_contact"] == 16.0  # median of 2 h and 30 h
    assert loop["median_hours_to_resolution"] == 4.0
    assert loop["breached_now"] == 1  # C: not contacted, past due; B was contacted late but its resolution clock runs
    assert (loop["verified"], loop["recovered"], loop["recovery_rate"], loop["recovery_ci95"]) == (1, 1, 100.0,
                                                                                                 [20.7, 100.0])
    assert loop["business_hours"] is False

    by_owner = client.get("/api/v1/metrics/loop", headers=h, params={"by": "owner"}).json()
    assert by_owner["by"] == "owner"
    groups = {g["key"]: g for g in by_owner["groups"]}
    assert set(groups) == {"cs-fast", None} and groups["cs-fast"]["recovered"] == 1
    by_team = client.get("/api/v1/metrics/loop", headers=h, params={"by": "team"}).json()
    assert [(g["key"], g["cases_opened"]) for g in by_team["groups"]] == [("south", 2), ("north", 1)]
    none = client.get("/api/v1/metrics/loop", headers=h, params={"since": "2027-01-01"}).json()
    assert none["cases_opened"] == 0 and none["recovery_rate"] is None and none["contacted_within_sla_pct"] is None
    assert client.get("/api/v1/metrics/loop", headers=h, params={"since": "soon"}).status_code == 422


def test_medians_count_business_hours_only(client, workspace, database, clock) -> None:
    with database.write() as s:
        update_settings(session=s, workspace=get_workspace(session=s, slug="default"),
                        business_hours={"start": "09:00", "end": "17:00"})
    clock.now = dt.datetime(2026, 3, 6, 16, 0, tzinfo=dt.UTC)  # Friday 16:00 UTC
    case_id = answer(client, workspace, clock, "A", 3)
    clock.now = dt.datetime(2026, 3, 9, 10, 0, tzinfo=dt.UTC)  # Monday 10:00: 1 h Friday + 1 h Monday
    move(client, workspace, case_id, "contacted")
    loop = client.get("/api/v1/metrics/loop", headers=workspace.headers).json()
    assert loop["median_hours_to_first_contact"] == 2.0 and loop["contacted_within_sla_pct"] == 100.0


@pytest.mark.parametrize(
    ("k", "n", "expected"),  # checked by hand: 3/3 → [3/(3+z²), 1]
    [(0, 0, None), (1, 1, (20.7, 100.0)), (3, 3, (43.8, 100.0)), (0, 3, (0.0, 56.2)), (25, 40, (47.0, 75.8)),
     (50, 100, (40.4, 59.6))],
)
def test_wilson_interval(k: int, n: int, expected) -> None:
    assert proportion_interval(k, n) == expected


def test_wilson_interval_refuses_nonsense() -> None:
    for k, n in ((2, 1), (-1, 3), (1, -1)):
        with pytest.raises(ValueError):
            proportion_interval(k, n)
