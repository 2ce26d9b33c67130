"""The demo generator: deterministic, in the CSV contract, and telling the story it claims to."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from zoneinfo import ZoneInfo

import pytest

from doorstep.demo import phrases_food, phrases_saas
from doorstep.demo.generator import (
    RESPONSE_COLUMNS,
    DemoWorkspace,
    InjectedProblem,
    StageSpec,
    delivery_columns,
    generate,
)

NOW = dt.datetime(2026, 6, 1, 12, 34, 56, tzinfo=ZoneInfo("Asia/Shanghai"))
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
BASE_COLUMNS = (
    "external_id",
    "customer_id",
    "customer_name",
    "customer_email",
    "customer_locale",
    "owner",
    "promised_at",
    "delivered_at",
)
ATTRIBUTES = {
    "food": ("team", "region", "channel", "restaurant"),
    "saas": ("team", "region", "product", "plan", "arr"),
}


@pytest.fixture(scope="module")
def workspaces() -> dict[str, DemoWorkspace]:
    # No timing assertion here: speed is measured in bench/, never asserted on a shared box.
    return {workspace.slug: workspace for workspace in generate(7, now=NOW)}


def ago(**delta: float) -> dt.datetime:
    """An absolute moment before NOW (wall-clock arithmetic would shift across DST)."""
    return NOW.astimezone(dt.UTC) - dt.timedelta(**delta)


def parse(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    assert moment.tzinfo is not None and moment.utcoffset() is not None, value
    return moment


def nps(scores: list[int]) -> float:
    assert scores, "no responses in this group"
    promoters = sum(score >= 9 for score in scores)
    detractors = sum(score <= 6 for score in scores)
    return 100 * (promoters - detractors) / len(scores)


def joined(workspace: DemoWorkspace) -> list[tuple[dict[str, str], dict[str, str]]]:
    """(delivery, response) pairs."""
    by_id = {row["external_id"]: row for row in workspace.deliveries}
    return [(by_id[response["delivery_external_id"]], response) for response in workspace.responses]


def language(comment: str) -> str:
    has_cjk, has_latin = bool(CJK.search(comment)), bool(LATIN.search(comment))
    if has_cjk and has_latin:
        return "mixed"
    return "zh" if has_cjk else "en" if has_latin else "other"


def test_same_seed_and_now_give_identical_output(workspaces):
    again = {workspace.slug: workspace for workspace in generate(7, now=NOW)}
    assert again == workspaces


def test_a_different_seed_gives_different_data():
    first = generate(7, now=NOW, total_deliveries=400)
    second = generate(8, now=NOW, total_deliveries=400)
    assert first[0].deliveries != second[0].deliveries


def test_naive_now_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        generate(now=dt.datetime(2026, 6, 1, 12, 0))


def test_the_two_workspaces_and_their_journeys(workspaces):
    assert list(workspaces) == ["food", "saas"]
    food, saas = workspaces["food"], workspaces["saas"]
    assert [s.key for s in food.stages] == [
        "ordered",
        "prepared",
        "dispatched",
        "picked_up",
        "delivered",
    ]
    assert [s.key for s in saas.stages] == [
        "contract",
        "deployment",
        "training",
        "go_live",
        "adoption",
    ]
    assert all(isinstance(stage, StageSpec) and stage.name and stage.name_zh for stage in food.stages)
    assert (food.timezone, food.locale) == ("Asia/Shanghai", "zh-CN")
    assert saas.locale == "en" and saas.timezone in ("Asia/Shanghai", "Europe/Berlin")
    for workspace in workspaces.values():
        owners = {row["owner"] for row in workspace.deliveries}
        assert owners <= set(workspace.leads), "every frontline owner has a lead"
        assert workspace.default_cs_owner


def test_counts_are_near_the_targets(workspaces):
    food, saas = workspaces["food"], workspaces["saas"]
    assert len(food.deliveries) + len(saas.deliveries) == 20_000
    assert 16_500 <= len(food.deliveries) <= 17_500
    for workspace in workspaces.values():
        delivered = [row for row in workspace.deliveries if row["delivered_at"]]
        in_progress = len(workspace.deliveries) - len(delivered)
        assert in_progress < 0.03 * len(workspace.deliveries)
        rate = len(workspace.responses) / len(delivered)
        assert 0.28 <= rate <= 0.42, rate
        comments = sum(1 for response in workspace.responses if response["comment"])
        assert 0.5 <= comments / len(workspace.responses) <= 0.7
    responses = food.responses + saas.responses
    blamed = sum(1 for response in responses if response["stage"])
    assert 0.10 <= blamed / len(responses) <= 0.20
    blamed_detractors = sum(1 for r in responses if r["stage"] and int(r["score"]) <= 6)
    assert blamed_detractors > 0.7 * blamed


def test_delivery_rows_have_exactly_the_csv_columns(workspaces):
    for slug, workspace in workspaces.items():
        stages = tuple(f"stage.{stage.key}" for stage in workspace.stages)
        expected = BASE_COLUMNS + stages + ATTRIBUTES[slug]
        assert delivery_columns(workspace) == expected
        for row in workspace.deliveries:
            assert tuple(row) == expected
            assert all(isinstance(value, str) for value in row.values())
        ids = [row["external_id"] for row in workspace.deliveries]
        assert len(set(ids)) == len(ids)


def test_response_rows_have_exactly_the_csv_columns(workspaces):
    for workspace in workspaces.values():
        for row in workspace.responses:
            assert tuple(row) == RESPONSE_COLUMNS
            assert row["source"] in ("app", "email")


def test_stage_times_increase_and_end_at_delivery(workspaces):
    start = ago(days=180)
    for workspace in workspaces.values():
        keys = [f"stage.{stage.key}" for stage in workspace.stages]
        for row in workspace.deliveries:
            values = [row[key] for key in keys]
            filled = [value for value in values if value]
            assert filled, row["external_id"]
            assert values[: len(filled)] == filled, "only later stages may be empty"
            times = [parse(value) for value in filled]
            assert all(a < b for a, b in itertools.pairwise(times)), row["external_id"]
            assert times[-1] < NOW
            parse(row["promised_at"])
            if row["delivered_at"]:
                assert len(filled) == len(keys)
                assert parse(row["delivered_at"]) == times[-1]
                if workspace.slug == "food":
                    assert times[0] >= start
            else:
                assert len(filled) < len(keys)
        if workspace.slug == "food":
            pending = [row for row in workspace.deliveries if not row["delivered_at"]]
            assert all(parse(row["stage.ordered"]) > ago(days=1) for row in pending)


def test_saas_hand_overs_happen_on_working_days(workspaces):
    saas = workspaces["saas"]
    tz = ZoneInfo(saas.timezone)
    stamps = [
        parse(row[f"stage.{stage.key}"]).astimezone(tz)
        for row in saas.deliveries
        for stage in saas.stages
        if row[f"stage.{stage.key}"]
    ]
    assert all(moment.weekday() < 5 and 9 <= moment.hour < 18 for moment in stamps)
    durations = [
        (parse(row["delivered_at"]) - parse(row["stage.contract"])).days
        for row in saas.deliveries
        if row["delivered_at"]
    ]
    assert 40 <= sorted(durations)[len(durations) // 2] <= 120, "onboardings take weeks"


def test_food_orders_cluster_at_lunch_and_dinner(workspaces):
    food = workspaces["food"]
    tz = ZoneInfo(food.timezone)
    hours = [parse(row["stage.ordered"]).astimezone(tz).hour for row in food.deliveries]
    meals = sum(1 for hour in hours if 11 <= hour <= 13 or 17 <= hour <= 20)
    assert meals / len(hours) > 0.75
    assert sum(1 for hour in hours if 2 <= hour <= 5) == 0


def test_responses_reference_deliveries_and_come_after_them(workspaces):
    for workspace in workspaces.values():
        limit = dt.timedelta(hours=12) if workspace.slug == "food" else dt.timedelta(days=21)
        for delivery, response in joined(workspace):
            assert delivery["delivered_at"], "no survey before the hand-over"
            delivered, responded = parse(delivery["delivered_at"]), parse(response["responded_at"])
            assert delivered < responded < NOW
            assert responded - delivered <= limit
            assert 0 <= int(response["score"]) <= 10 and response["score"] == str(int(response["score"]))
            assert response["stage"] in ("", *(stage.key for stage in workspace.stages))
        ids = [response["delivery_external_id"] for response in workspace.responses]
        assert len(set(ids)) == len(ids), "at most one response per delivery"


def test_comments_come_in_both_languages_and_match_the_customer(workspaces):
    for workspace in workspaces.values():
        pairs = [(d, r) for d, r in joined(workspace) if r["comment"]]
        languages = [language(r["comment"]) for _, r in pairs]
        assert languages.count("zh") > 100 and languages.count("en") > 100
        assert 0.01 < languages.count("mixed") / len(languages) < 0.12
        matching = sum(
            1
            for (d, _), lang in zip(pairs, languages, strict=True)
            if lang == ("zh" if d["customer_locale"] == "zh-CN" else "en")
        )
        assert matching / len(pairs) > 0.85
        distinct = {r["comment"] for _, r in pairs}
        assert len(distinct) > 300, "text analysis needs variety"


def test_positive_comments_use_negation_and_tricky_text_is_present(workspaces):
    comments = [(int(r["score"]), r["comment"]) for workspace in workspaces.values() for r in workspace.responses]
    promoter_text = " ".join(text for score, text in comments if score >= 9)
    assert "一点都不" in promoter_text and "not late at all" in promoter_text
    tricky = [text for _, text in comments if "<" in text or "DROP TABLE" in text or "👍" in text or "\n" in text]
    assert 8 <= len(tricky) <= 14


def test_late_food_deliveries_score_clearly_lower(workspaces):
    late, on_time = [], []
    for delivery, response in joined(workspaces["food"]):
        lateness = parse(delivery["delivered_at"]) - parse(delivery["promised_at"])
        if lateness > dt.timedelta(minutes=10):
            late.append(int(response["score"]))
        elif lateness <= dt.timedelta(0):
            on_time.append(int(response["score"]))
    assert len(late) > 200
    assert nps(on_time) - nps(late) > 40


def test_late_saas_deliveries_score_lower(workspaces):
    late, on_time = [], []
    for delivery, response in joined(workspaces["saas"]):
        lateness = parse(delivery["delivered_at"]) - parse(delivery["promised_at"])
        (late if lateness > dt.timedelta(days=7) else on_time).append(int(response["score"]))
    assert nps(on_time) - nps(late) > 15


def test_east_region_recent_deliveries_show_the_injected_problem(workspaces):
    food = workspaces["food"]
    assert InjectedProblem("stage", "delivered", food.problems[0].description, {"region": "east"}) in food.problems
    since = ago(weeks=8)
    east, rest, blamed = [], [], []
    for delivery, response in joined(food):
        recent_east = delivery["region"] == "east" and parse(delivery["stage.ordered"]) >= since
        (east if recent_east else rest).append(int(response["score"]))
        if recent_east and response["stage"]:
            blamed.append(response["stage"])
    assert len(east) > 200
    assert nps(rest) - nps(east) > 30
    assert blamed.count("delivered") > 0.6 * len(blamed)


def test_spillage_comments_concentrate_in_the_injected_team(workspaces):
    food = workspaces["food"]
    problem = next(p for p in food.problems if p.key == "spillage")
    assert problem.kind == "theme"
    team = problem.segment["team"]
    spilled = [
        d["team"] for d, r in joined(food) if int(r["score"]) <= 6 and re.search("洒|spill|soup洒", r["comment"], re.I)
    ]
    assert len(spilled) > 30
    assert spilled.count(team) / len(spilled) > 0.5  # one team of eight


def test_saas_injected_problems_show(workspaces):
    saas = workspaces["saas"]
    keys = {(p.kind, p.key) for p in saas.problems}
    assert {("stage", "training"), ("theme", "support_response")} <= keys
    training = next(p for p in saas.problems if p.key == "training")
    support = next(p for p in saas.problems if p.key == "support_response")
    pairs = joined(saas)
    blamed_training = [d for d, r in pairs if r["stage"] == "training"]
    product = training.segment["product"]
    share = sum(1 for d in blamed_training if d["product"] == product) / len(blamed_training)
    assert share > 0.6
    in_segment = [int(r["score"]) for d, r in pairs if d["product"] == product]
    elsewhere = [int(r["score"]) for d, r in pairs if d["product"] != product]
    assert nps(elsewhere) - nps(in_segment) > 20
    support_words = re.compile("客服|支持|support|ticket|工单", re.I)
    complaints = [d["plan"] for d, r in pairs if int(r["score"]) <= 6 and support_words.search(r["comment"])]
    plan = support.segment["plan"]
    assert complaints.count(plan) / len(complaints) > 0.6


def test_problems_are_described(workspaces):
    for workspace in workspaces.values():
        assert workspace.problems
        for problem in workspace.problems:
            assert problem.kind in ("stage", "theme")
            assert len(problem.description) > 40
            if problem.kind == "stage":
                assert problem.key in {stage.key for stage in workspace.stages}


@pytest.mark.parametrize(
    ("bank", "facts", "stages"),
    [
        (phrases_food, {"wait": "40分钟", "late": "12", "item": "饺子"}, ("prepared", "delivered")),
        (phrases_saas, {"weeks": "两周"}, ("contract", "adoption")),
    ],
)
def test_phrase_banks_are_varied_and_complete(bank, facts, stages):
    assert list(bank.ZH) == list(bank.EN), "every topic exists in both languages"
    assert all(f"late_{stage}" in bank.ZH for stage in stages)
    for phrases in (bank.ZH, bank.EN):
        templates = [template for group in phrases.values() for template in group]
        assert len(set(templates)) >= 40
        for template in templates + [t for group in bank.MIXED.values() for t in group]:
            template.format(**facts)  # no placeholder the generator cannot fill
    assert set(bank.MIXED) <= set(bank.ZH)
