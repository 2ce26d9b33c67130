"""The shipped sentiment model: loads offline, scores in [-1, 1], reads obvious comments right."""

import pytest

from doorstep.insight.analysis import Analyzer
from doorstep.insight.sentiment import lexicon_features, load_model, to_sentiment, vader_lexicon
from doorstep.insight.taxonomy import default_taxonomy
from doorstep.insight.text import clauses, normalize


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(default_taxonomy())


def test_model_ships_with_the_package_and_has_thresholds_per_language() -> None:
    model = load_model()
    assert len(model.weights) > 10_000
    for language in ("zh", "en", "default"):
        negative_below, positive_from = model.thresholds[language]
        assert -1 < negative_below < positive_from <= 1


def test_sentiment_is_bounded() -> None:
    assert to_sentiment(1e9) == 1.0 and to_sentiment(-1e9) == -1.0 and to_sentiment(0) == 0


@pytest.mark.parametrize(
    ("comment", "label"),
    [
        ("非常满意，送得很快，饭菜还是热的", "positive"),
        ("太难吃了，再也不点了，差评", "negative"),
        ("骑手态度很差，还骂人", "negative"),
        ("Great food, fast delivery, thank you!", "positive"),
        ("Terrible. The food was cold and the driver was rude.", "negative"),
        ("送餐小哥辛苦了，下雨天还准时送到", "positive"),
        ("driver was rude and food was cold", "negative"),
        ("support never answered my ticket", "negative"),
        ("The app keeps crashing when I try to pay.", "negative"),
        ("Your support team went above and beyond, thank you!", "positive"),
    ],
)
def test_obvious_comments(analyzer: Analyzer, comment: str, label: str) -> None:
    assert analyzer.analyze(comment).label == label


@pytest.mark.parametrize("comment", ["onboarding was smooth", "Setup was painless and the docs are clear."])
def test_plain_praise_of_a_topic_is_not_negative(analyzer: Analyzer, comment: str) -> None:
    assert analyzer.analyze(comment).label != "negative"


def test_english_lexicon_has_inflections_and_no_topic_words() -> None:
    lexicon = vader_lexicon()
    assert lexicon["crashed"] == lexicon["crash"] < 0  # not in VADER's file: added from the stem
    assert lexicon["delays"] == lexicon["delay"] < 0
    assert lexicon["helped"] == lexicon["help"] > 0
    assert lexicon["hated"] == -3.2  # VADER's own entry wins over the stem's
    assert "support" not in lexicon  # a topic in feedback ("support never answered"), not praise
    assert "excel" not in lexicon  # a spreadsheet in feedback, not "to excel" (VADER +2.0)


def test_a_product_name_is_no_praise(analyzer: Analyzer) -> None:
    # Read as positive (+0.84) while VADER's "excel" +2.0 counted as praise.
    assert analyzer.analyze("We still can't export reports to Excel").label != "positive"


def test_negated_praise_is_its_own_feature() -> None:
    (clause,) = clauses(normalize("the courier was not helpful"))
    assert "@!word+" in lexicon_features(clause)
    (clause,) = clauses(normalize("the courier was helpful"))
    feats = lexicon_features(clause)
    assert "@word+" in feats and "@!word+" not in feats


def test_scores_order_by_tone(analyzer: Analyzer) -> None:
    good, meh, bad = (analyzer.analyze(t).sentiment for t in ("很好吃，好评", "一般般", "难吃死了，垃圾"))
    assert good > meh > bad


def test_doorstep_feedback_words_join_the_english_lexicon() -> None:
    lexicon = vader_lexicon()
    assert lexicon["unhelpful"] < 0 and lexicon["buggy"] < 0  # VADER has no such words
    assert lexicon["punctual"] > 0 and lexicon["polite"] > 0
    assert lexicon["excuses"] < 0  # VADER rates it +0.3; in feedback it is no praise
    (clause,) = clauses(normalize("the courier was not punctual"))
    assert "@!word+" in lexicon_features(clause)


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ("arrived early :)", "happy"),
        ("late again :-(", "sad"),
        ("love it <3", "happy"),
        ("meh :/", "sad"),
    ],
)
def test_emoticons_become_words_of_their_tone(comment: str, expected: str) -> None:
    assert expected in normalize(comment).split()


@pytest.mark.parametrize("text", ["meet at 10:30", "see https://example.com/a", "item (see 1)", "a=(b)"])
def test_text_that_only_looks_like_an_emoticon_is_left_alone(text: str) -> None:
    assert "happy" not in normalize(text) and "sad" not in normalize(text)


@pytest.mark.parametrize("comment", ["the", "xyzzy", "of the 4711"])
def test_a_comment_with_nothing_the_model_knows_is_neutral(analyzer: Analyzer, comment: str) -> None:
    result = analyzer.analyze(comment)
    assert result.label == "neutral" and result.sentiment == 0


def test_trie_pattern_finds_what_the_longest_first_alternation_finds() -> None:
    import re

    from doorstep.insight.sentiment import trie_pattern

    words = ["不好吃", "不好", "好", "好吃", "差", "很差", "差评", "a.b", "a"]
    alternation = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))
    trie = re.compile(trie_pattern(words))
    for text in ("不好吃，很差，差评", "好好吃好不好", "a.b a+b ab", "没有"):
        expected = [(m.start(), m.group(0)) for m in alternation.finditer(text)]
        assert [(m.start(), m.group(0)) for m in trie.finditer(text)] == expected, text


def test_a_word_of_the_complaint_itself_is_no_praise(analyzer: Analyzer) -> None:
    # VADER rates "promised" +1.5: inside "longer than promised" it praised, and the complaint
    # read neutral (+0.22). Outside a complaint it still counts.
    assert analyzer.analyze("Implementation took three months longer than promised").label == "negative"
    assert analyzer.analyze("Arrived as promised, thanks").label == "positive"
    assert analyzer.analyze("Took longer than promised but the driver was lovely").label != "negative"


def test_units_of_time_carry_no_verdict_of_their_own(analyzer: Analyzer) -> None:
    # Film reviews taught "minutes" -4.1 ("90 minutes of my life"); in feedback the taxonomy
    # judges how long something took, so a quick, hot delivery is praise.
    model = load_model()
    assert not {"minutes", "!minutes", "day", "hours", "seconds"} & model.weights.keys()
    assert analyzer.analyze("Arrived 10 minutes early, piping hot").label == "positive"
    assert analyzer.analyze("Waited 2 hours for the driver").label == "negative"
