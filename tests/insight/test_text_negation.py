"""Negation in both languages: a denied complaint is no complaint, and it leans positive."""

import pytest

from doorstep.insight.analysis import Analyzer
from doorstep.insight.taxonomy import default_taxonomy

FOOD = ("ordered", "prepared", "dispatched", "picked_up", "delivered")


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(default_taxonomy(), FOOD)


@pytest.mark.parametrize(
    "comment",
    ["不凉", "一点都不凉", "一点也不凉", "饭菜很热，没有凉", "没有洒", "汤一滴都没洒", "一点都不慢", "没有超时"],
)
def test_chinese_negated_complaints_are_no_complaints_and_lean_positive(analyzer: Analyzer, comment: str) -> None:
    result = analyzer.analyze(comment)
    assert not set(result.themes) & {"temperature", "spillage", "timeliness"}, result
    assert result.sentiment > 0 and result.label != "negative", result


@pytest.mark.parametrize(
    ("comment", "theme"),
    [
        ("不热", "temperature"),
        ("拿到手一点都不热", "temperature"),
        ("饭菜都凉了", "temperature"),
        ("汤洒了一半", "spillage"),
        ("送得太慢了，等了一个多小时", "timeliness"),
        ("特别慢", "timeliness"),  # 特别 holds a 别 that negates nothing
    ],
)
def test_chinese_complaints_count(analyzer: Analyzer, comment: str, theme: str) -> None:
    result = analyzer.analyze(comment)
    assert theme in result.themes and result.label == "negative", result


def test_words_that_only_look_negated_negate_nothing(analyzer: Analyzer) -> None:
    assert "temperature" in analyzer.analyze("不错，就是凉了").themes  # 不错
    assert "timeliness" in analyzer.analyze("非常慢").themes  # 非常


def test_negation_stays_inside_its_clause(analyzer: Analyzer) -> None:
    result = analyzer.analyze("一点都不慢，但是汤洒了")
    assert result.themes == ("spillage",) and result.stage == "delivered"


@pytest.mark.parametrize("comment", ["not late", "not late at all", "wasn't cold", "never late", "nothing spilled"])
def test_english_negated_complaints(analyzer: Analyzer, comment: str) -> None:
    result = analyzer.analyze(comment)
    assert not result.themes, result
    assert result.sentiment > 0 and result.label != "negative", result


@pytest.mark.parametrize(
    ("comment", "theme"),
    [("not hot at all", "temperature"), ("Food arrived cold", "temperature"), ("the soup spilled", "spillage")],
)
def test_english_complaints_count(analyzer: Analyzer, comment: str, theme: str) -> None:
    result = analyzer.analyze(comment)
    assert theme in result.themes and result.label == "negative", result


def test_a_denied_complaint_next_to_a_bad_word_is_not_forced_positive(analyzer: Analyzer) -> None:
    assert analyzer.analyze("没有超时，但是太难吃了，很失望").label == "negative"


@pytest.mark.parametrize(
    "comment",
    [
        "Not bad at all", "No complaints", "Nothing to complain about", "Never had a problem", "not disappointed",
        "No issues whatsoever", "不差", "没毛病", "没什么毛病", "没有任何问题",
    ],
)  # fmt: skip
def test_denied_negative_words_are_no_complaint(analyzer: Analyzer, comment: str) -> None:
    # Litotes: a comment whose only polarity words are denied negative ones reads as praise.
    result = analyzer.analyze(comment)
    assert result.label == "positive" and not result.themes, result


@pytest.mark.parametrize(
    "comment",
    ["not great", "Not bad but the food was cold", "Not bad, but the driver was rude", "No complaints, just not great"],
)
def test_a_denial_beside_a_complaint_or_denied_praise_is_not_forced_positive(analyzer: Analyzer, comment: str) -> None:
    assert analyzer.analyze(comment).label == "negative"


@pytest.mark.parametrize(
    ("comment", "negative"),
    [
        ("The migration went smoothly, zero downtime", False),
        ("zero issues so far", False),
        ("zero help from support", True),
        ("Zero communication from the courier", True),
    ],
)
def test_zero_denies_what_it_counts(analyzer: Analyzer, comment: str, negative: bool) -> None:
    # "zero downtime" is "no downtime"; "zero help" is a complaint like "no help".
    result = analyzer.analyze(comment)
    assert (result.label == "negative") is negative, result
    if not negative:
        assert not result.themes, result
