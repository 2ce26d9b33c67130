"""NPS over time (weeks from Monday, months, in the workspace timezone), period comparison,
and segment tables sorted by impact."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

from conftest import make_workspace
from doorstep.accounts.services import get_workspace
from doorstep.deliveries.csv_import import import_deliveries_csv, import_responses_csv
from doorstep.surveys.metrics import bucket_start, next_bucket, nps_by, nps_compare, trend

SHANGHAI = ZoneInfo("Asia/Shanghai")


def load(database, clock, answers: list[tuple[str, int, str]], slug: str = "default") -> None:
    """answers: (responded_at ISO, score, team)."""
    deliveries = "external_id,customer_id,delivered_at,team\n" + "".join(
        f"D{i},c{i},2026-01-01T00:00:00Z,{team}\n" for i, (_, _, team) in enumerate(answers)
    )
    rows = "delivery_external_id,score,responded_at\n" + "".join(
        f"D{i},{score},{at}\n" for i, (at, score, _) in enumerate(answers)
    )
    with database.write() as s:
        ws = get_workspace(session=s, slug=slug)
        import_deliveries_csv(session=s, workspace=ws, stream=io.StringIO(deliveries), now=clock())
        import_responses_csv(session=s, workspace=ws, stream=io.StringIO(rows), now=clock())


def test_bucket_bounds_are_local_and_dst_safe() -> None:
    # Sunday 2026-03-01 17:00 UTC is Monday 01:00 in Shanghai: its week starts that Monday.
    moment = dt.datetime(2026, 3, 1, 17, 0, tzinfo=dt.UTC)
    start = bucket_start(moment, "week", SHANGHAI)
    assert start == dt.datetime(2026, 3, 2, tzinfo=SHANGHAI)
    assert bucket_start(moment, "week", ZoneInfo("UTC")) == dt.datetime(2026, 2, 23, tzinfo=dt.UTC)
    assert bucket_start(moment, "month", SHANGHAI) == dt.datetime(2026, 3, 1, tzinfo=SHANGHAI)
    berlin = ZoneInfo("Europe/Berlin")
    # The week of the spring change is 167 hours long, and still from Monday midnight to Monday midnight.
    week = bucket_start(dt.datetime(2026, 3, 25, tzinfo=dt.UTC), "week", berlin)
    after = next_bucket(week, "week", berlin)
    assert after - week == dt.timedelta(hours=167)
    assert after.astimezone(berlin).hour == 0
    december = bucket_start(dt.datetime(2026, 12, 15, tzinfo=dt.UTC), "month", berlin)
    assert next_bucket(december, "month", berlin).astimezone(berlin).date() == dt.date(2027, 1, 1)


def test_weekly_trend_with_gaps(database, workspace, clock) -> None:
    answers = [
        ("2026-02-02T10:00:00Z", 10, "a"),  # week of Mon 2026-02-02
        ("2026-02-03T10:00:00Z", 2, "a"),
        ("2026-02-08T23:59:00Z", 9, "a"),
        # no answers in the week of 2026-02-09
        ("2026-02-16T00:00:00Z", 3, "a"),  # week of 2026-02-16
    ]
    load(database, clock, answers)
    with database.read() as s:
        ws = get_workspace(session=s, slug="default")
        result = trend(session=s, workspace=ws, every="week")
    points = result["points"]
    assert [p["start"] for p in points] == ["2026-02-02", "2026-02-09", "2026-02-16"]
    assert [p["end"] for p in points] == ["2026-02-09", "2026-02-16", "2026-02-23"]
    assert (points[0]["responses"], points[0]["nps"]) == (3, 33.3)
    assert points[0]["ci95"] is not None and points[0]["small_sample"] and points[0]["change"] is None
    assert (points[1]["responses"], points[1]["nps"], points[1]["ci95"]) == (0, None, None)
    assert points[2]["nps"] == -100.0
    assert points[2]["change"]["delta"] is None  # nothing to compare with the week before
    assert not any(p["partial"] for p in points)
    # Seen on Wednesday 2026-02-18, the last week is still running: its answers are not all in.
    with database.read() as s:
        ws = get_workspace(session=s, slug="default")
        midweek = trend(session=s, workspace=ws, every="week", now=dt.datetime(2026, 2, 18, 12, tzinfo=dt.UTC))
    assert [p["partial"] for p in midweek["points"]] == [False, False, True]


def test_monthly_trend_in_the_workspace_timezone(database, clock) -> None:
    make_workspace(database, "sh", timezone="Asia/Shanghai")
    # 2026-01-31T20:00Z is already February 1st in Shanghai.
    load(database, clock, [("2026-01-31T20:00:00Z", 10, "a"), ("2026-01-15T00:00:00Z", 0, "a")], slug="sh")
    with database.read() as s:
        ws = get_workspace(session=s, slug="sh")
        result = trend(session=s, workspace=ws, every="month")
        cut = trend(session=s, workspace=ws, every="month", since=dt.datetime(2026, 1, 10, tzinfo=dt.UTC), until=None)
    assert result["timezone"] == "Asia/Shanghai"
    assert [(p["start"], p["nps"]) for p in result["points"]] == [("2026-01-01", -100.0), ("2026-02-01", 100.0)]
    assert cut["points"][0]["partial"] and not cut["points"][1]["partial"]


def test_trend_of_nothing(database, workspace) -> None:
    with database.read() as s:
        ws = get_workspace(session=s, slug="default")
        assert trend(session=s, workspace=ws)["points"] == []


def test_compare_with_the_previous_period(database, workspace, clock) -> None:
    # Previous 30 days: 40 answers, 10 P, 20 D (−25). Last 30 days: 40 answers, 30 P, 5 D (+62.5).
    now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    before = [
        ((now - dt.timedelta(days=45, minutes=i)).isoformat(), s, "a")
        for i, s in enumerate([10] * 10 + [8] * 10 + [2] * 20)
    ]
    after = [
        ((now - dt.timedelta(days=5, minutes=i)).isoformat(), s, "a")
        for i, s in enumerate([10] * 30 + [8] * 5 + [2] * 5)
    ]
    load(database, clock, before + after)
    with database.read() as s:
        ws = get_workspace(session=s, slug="default")
        result = nps_compare(session=s, workspace=ws, since=None, until=None, now=now)
        flat = nps_compare(
            session=s, workspace=ws, since=now - dt.timedelta(days=10), until=now, now=now
        )  # previous 10 days: empty
    assert (result["nps"], result["responses"], result["previous"]["nps"], result["previous"]["responses"]) == (
        62.5,
        40,
        -25.0,
        40,
    )
    change = result["change"]
    assert change["delta"] == 87.5 and change["significant"] and change["p_value"] < 0.001
    assert result["period"]["until"].startswith("2026-03-01")
    assert result["previous"]["period"]["until"] == result["period"]["since"]
    assert flat["previous"]["responses"] == 0 and flat["change"]["significant"] is False


def test_segments_sort_by_impact_not_raw_nps(database, workspace, clock) -> None:
    # "tiny": 2 detractors (NPS −100, barely moves the whole); "big": 60 answers at NPS 0; "good": 60 at +50.
    answers = (
        [("2026-02-01T10:00:00Z", 0, "tiny")] * 2
        + [("2026-02-01T10:00:00Z", s, "big") for s in [10] * 20 + [8] * 20 + [2] * 20]
        + [("2026-02-01T10:00:00Z", s, "good") for s in [10] * 35 + [8] * 20 + [2] * 5]
    )
    answers = [
        (f"2026-02-01T10:{i // 60:02d}:{i % 60:02d}Z", score, team) for i, (_, score, team) in enumerate(answers)
    ]
    load(database, clock, answers)
    with database.read() as s:
        ws = get_workspace(session=s, slug="default")
        result = nps_by(session=s, workspace=ws, by="team")
        compared = nps_compare(
            session=s,
            workspace=ws,
            since=dt.datetime(2026, 2, 1, tzinfo=dt.UTC),
            until=dt.datetime(2026, 2, 2, tzinfo=dt.UTC),
            now=clock(),
            by="team",
        )
    order = [g["key"] for g in result["groups"]]
    assert order == ["big", "tiny", "good"]  # tiny has the worst NPS, big costs the most
    groups = {g["key"]: g for g in result["groups"]}
    assert groups["tiny"]["nps"] == -100.0 and groups["tiny"]["small_sample"]
    assert groups["big"]["nps_impact"] < groups["tiny"]["nps_impact"] < 0 < groups["good"]["nps_impact"]
    assert set(groups["big"]) >= {"key", "nps", "responses", "promoters", "passives", "detractors", "ci95"}
    assert all(g["previous"]["responses"] == 0 and g["change"]["delta"] is None for g in compared["groups"])
