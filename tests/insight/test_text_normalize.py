"""Normalisation and segmentation: what the analysis reads, whatever the customer typed."""

from doorstep.insight.text import MAX_CHARS, clause_features, clauses, normalize, tokenize


def test_full_width_folds_to_ascii_and_case_is_ignored() -> None:
    assert normalize("ＡＢＣ１２３，！") == "abc123,!"
    assert normalize("Great SERVICE") == "great service"


def test_traditional_becomes_simplified() -> None:
    assert normalize("湯灑了，餐點冷掉了") == "汤洒了,餐点冷掉了"


def test_html_is_plain_text_and_sql_is_just_words() -> None:
    assert normalize("<b>great</b> service &amp; <script>x</script>").split() == ["great", "service", "&", "x"]
    words = [w for c in clauses(normalize("'; DROP TABLE responses; --")) for w in c.words]
    assert words == ["drop", "table", "responses"]


def test_contractions_are_spelled_out_so_negation_is_one_word() -> None:
    assert normalize("It wasn’t cold, I can't complain") == "it was not cold, i can not complain"


def test_tone_emoji_become_words() -> None:
    assert "angry" in normalize("😡") and "good" in normalize("👍")
    assert normalize("🍜") == "🍜"  # no tone, left alone


def test_long_comments_are_cut() -> None:
    assert len(normalize("好" * (MAX_CHARS + 500))) == MAX_CHARS


def test_mixed_scripts_keep_both_words() -> None:
    assert tokenize(normalize("骑手很nice但是汤洒了"))[:3] == ["骑手", "很", "nice"]


def test_clauses_split_on_punctuation_and_contrast() -> None:
    parts = clauses(normalize("骑手很nice但是汤洒了，一点都不凉!"))
    assert [c.text for c in parts] == ["骑手很nice", "汤洒了", "一点都不凉"]
    parts = clauses(normalize("The food was fine but the soup spilled"))
    assert [c.text for c in parts] == ["the food was fine", "the soup spilled"]


def test_negation_reaches_a_few_words_within_its_clause() -> None:
    (first, second) = clauses(normalize("it was not late at all, cold though"))
    assert dict(zip(first.words, first.negated, strict=True))["late"] is True
    assert not any(second.negated)


def test_features_mark_negated_words_and_skip_lone_negators() -> None:
    (clause,) = clauses(normalize("饭菜不好吃"))
    feats = clause_features(clause)
    # The negator is no feature; the bigram inside the negated word is marked like the word,
    # so the bare "好吃" only ever learns from praise.
    assert "不好" not in feats and "!好吃" in feats and "好吃" not in feats
    (clause,) = clauses(normalize("说明书写得不清楚"))
    assert "!清楚" in clause_features(clause) and "清楚" not in clause_features(clause)
    (clause,) = clauses(normalize("文档写得很清楚"))
    assert "清楚" in clause_features(clause)
    (clause,) = clauses(normalize("not good"))
    assert "!good" in clause_features(clause) and "not" not in clause_features(clause)
