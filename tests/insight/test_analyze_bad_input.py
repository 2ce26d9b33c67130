"""Bad input: empty, emoji, huge, mixed, HTML/SQL, traditional characters, no journey stages."""


import pytest

from doorstep.demo import phrases_food, phrases_saas
from doorstep.insight.analysis import EMPTY, Analyzer
from doorstep.insight.taxonomy import default_taxonomy
from doorstep.insight.text import MAX_CHARS

FOOD = ("ordered", "prepared", "dispatched", "picked_up", "delivered")
SAAS = ("contract", "deployment", "training", "go_live", "adoption")


@pytest.fixture(scope="module")
def food() -> Analyzer:
    return Analyzer(default_taxonomy(), FOOD)


@pytest.mark.parametrize("comment", [None, "", "   ", "\n\t", "……", "!!!", "123"])
def test_nothing_to_read_is_neutral_and_themeless(food: Analyzer, comment: str | None) -> None:
    result = food.analyze(comment)
    assert result.themes == () and result.stage is None and result.label == "neutral" and result.sentiment == 0


def test_empty_is_the_empty_result(food: Analyzer) -> None:
    assert food.analyze("") == EMPTY


def test_emoji_only(food: Analyzer) -> None:
    assert food.analyze("😡😡😡").label == "negative"
    assert food.analyze("👍👍").label == "positive"
    assert food.analyze("🍜🍜").themes == ()


def test_ten_thousand_characters_and_bounded_work(food: Analyzer) -> None:
    comment = ("送得太慢了，汤洒了一半。" * 900)[:10_000]
    result = food.analyze(comment)
    # Bounded work without a clock (speed is measured in bench/, not asserted here): what
    # lies past MAX_CHARS is never read, so a megabyte costs what MAX_CHARS cost.
    long = comment * 2
    assert food.analyze(long[:MAX_CHARS] + "好" * 1_000_000) == food.analyze(long[:MAX_CHARS])
    assert {"timeliness", "spillage"} <= set(result.themes) and result.label == "negative"
    assert food.analyze("a" * 10_000).themes == ()
    assert food.analyze("好" * 10_000).language == "zh"


def test_mixed_scripts(food: Analyzer) -> None:
    result = food.analyze("骑手attitude很差")
    assert result.language == "zh" and "courier_manner" in result.themes
    assert "temperature" in food.analyze("饭菜都cold了").themes
    assert "spillage" in food.analyze("soup洒了一半，很无语").themes


def test_html_and_sql_looking_text_is_read_as_words(food: Analyzer) -> None:
    assert food.analyze("<script>alert('x')</script> the soup spilled").themes == ("spillage",)
    result = food.analyze("'; DROP TABLE responses; --")
    assert result.themes == () and result.language == "en"
    assert food.analyze("<b>great</b> service 👍").label == "positive"


def test_traditional_characters(food: Analyzer) -> None:
    result = food.analyze("湯灑了")
    assert result.themes == ("spillage",) and result.stage == "delivered" and result.language == "zh"
    assert "temperature" in food.analyze("飯菜都涼了").themes


def test_no_journey_stages_means_no_stage_but_still_themes() -> None:
    result = Analyzer(default_taxonomy(), ()).analyze("汤洒了")
    assert result.themes == ("spillage",) and result.stage is None


def test_look_alikes_are_not_themes(food: Analyzer) -> None:
    assert food.analyze("凉皮很好吃，凉拌黄瓜也不错").themes == ()
    assert food.analyze("这么冷的天，辛苦骑手了").themes == ()


def test_the_most_specific_theme_picks_the_stage(food: Analyzer) -> None:
    result = food.analyze("骑手很久才来取餐")
    assert result.stage == "picked_up" and "pickup" in result.themes
    assert food.analyze("出餐太慢了，商家一直在备餐").stage == "prepared"


def test_topic_words_count_only_when_negative(food: Analyzer) -> None:
    assert food.analyze("包装很好").themes == ()
    assert "packaging" in food.analyze("包装破了，漏了一袋子").themes
    saas = Analyzer(default_taxonomy(), SAAS)
    assert saas.analyze("培训讲得很清楚").themes == ()
    result = saas.analyze("培训讲得不清楚")
    assert result.themes == ("training",) and result.stage == "training"


@pytest.mark.parametrize(
    ("bank", "topic", "theme", "stages"),
    [
        (phrases_food, "spillage", "spillage", FOOD),
        (phrases_food, "cold", "temperature", FOOD),
        (phrases_food, "missing_items", "missing_items", FOOD),
        (phrases_food, "courier_manner", "courier_manner", FOOD),
        (phrases_food, "late_delivered", "timeliness", FOOD),
        (phrases_saas, "support_response", "support_response", SAAS),
        (phrases_saas, "training_poor", "training", SAAS),
        (phrases_saas, "stability", "stability", SAAS),
        (phrases_saas, "documentation", "documentation", SAAS),
    ],
)
def test_demo_phrases_find_their_theme(bank: object, topic: str, theme: str, stages: tuple[str, ...]) -> None:
    """The demo plants problems in these words; the analysis must find most of them."""
    analyzer = Analyzer(default_taxonomy(), stages)
    facts = {"wait": "一个多小时", "late": "20", "item": "饺子", "weeks": "两周"}
    facts_en = {"wait": "an hour", "late": "20", "item": "dumplings", "weeks": "two weeks"}
    phrases = [p.format(**facts) for p in bank.ZH[topic]]
    phrases += [p.format(**facts_en) for p in bank.EN[topic]]
    found = sum(theme in analyzer.analyze(p).themes for p in phrases)
    assert found / len(phrases) >= 0.8, [p for p in phrases if theme not in analyzer.analyze(p).themes]


@pytest.mark.parametrize("topic", ["pos_hot", "pos_fast", "pos_courier", "pos_general"])
def test_demo_praise_is_no_complaint(food: Analyzer, topic: str) -> None:
    phrases = phrases_food.ZH[topic] + phrases_food.EN[topic]
    flagged = [p for p in phrases if set(food.analyze(p).themes) & {"temperature", "spillage", "timeliness"}]
    assert not flagged


def test_analyze_many_keeps_order(food: Analyzer) -> None:
    texts = ["汤洒了", None, "not late at all", "饭菜都凉了"]
    assert food.analyze_many(texts) == [food.analyze(t) for t in texts]


def test_emoji_only_comment_has_no_language() -> None:
    from doorstep.insight.analysis import Analyzer
    from doorstep.insight.taxonomy import default_taxonomy

    result = Analyzer(default_taxonomy()).analyze("👍👍")
    assert result.language is None  # the customer wrote no words in any language
    assert result.label in ("positive", "neutral")
