"""Praise of a theme (taxonomy ``praise_zh`` / ``praise_en``): a short comment that praises the
hand-over is positive, a praise denied is a complaint of its theme, and look-alikes are neither."""

import pytest

from doorstep.errors import ImportFailed
from doorstep.insight.analysis import Analyzer
from doorstep.insight.taxonomy import default_taxonomy, load_taxonomy, taxonomy_from_json, taxonomy_to_json


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(default_taxonomy(), ("ordered", "prepared", "picked_up", "delivered"))


@pytest.mark.parametrize(
    "comment",
    [
        "Food arrived hot and on time.",  # the model alone read this as negative (no polarity word)
        "Arrived early, well packed.",
        "Quick delivery, thanks!",
        "准时送达，包装完好",
        "送得很快，还是热乎的",
        "响应很快",
        "Rider called me before arriving, very considerate",  # was negative, with a courier complaint
    ],
)
def test_praise_of_the_hand_over_is_positive_and_no_complaint(analyzer: Analyzer, comment: str) -> None:
    result = analyzer.analyze(comment)
    assert result.label == "positive" and result.themes == (), result


@pytest.mark.parametrize(
    ("comment", "theme"),
    [
        ("The food wasn't hot.", "temperature"),
        ("Never on time.", "timeliness"),
        ("Delivery is never quick.", "timeliness"),
        ("配送不及时", "timeliness"),
        ("价格不便宜", "pricing"),
        ("文档不清晰", "documentation"),
        ("稳定性差", "stability"),
    ],
)
def test_a_denied_praise_is_a_complaint_of_its_theme(analyzer: Analyzer, comment: str, theme: str) -> None:
    result = analyzer.analyze(comment)
    assert theme in result.themes and result.label == "negative", result


@pytest.mark.parametrize(
    ("comment", "theme"),
    [
        ("Fast delivery but the soup was cold", "temperature"),
        ("送得很快，但是汤洒了", "spillage"),
        ("The hot dog was cold", "temperature"),
    ],
)
def test_praise_does_not_lift_a_comment_that_complains(analyzer: Analyzer, comment: str, theme: str) -> None:
    result = analyzer.analyze(comment)
    assert theme in result.themes and result.label != "positive", result


@pytest.mark.parametrize(
    "comment", ["Quick question: why was I charged twice?", "稳定性很好", "Fast food is fine"]
)
def test_look_alikes_are_no_complaint(analyzer: Analyzer, comment: str) -> None:
    result = analyzer.analyze(comment)
    assert not {"timeliness", "stability"} & set(result.themes), result


def test_quick_question_is_not_praise(analyzer: Analyzer) -> None:
    assert analyzer.analyze("Quick question: why was I charged twice?").label != "positive"


WORKSHOP = """\
themes:
  - key: assembly
    name_en: Assembly
    name_zh: 安装
    stages: [installed]
    cues_en: [wobbly, "?assembly"]
    cues_zh: [晃, "?安装"]
    praise_en: [sturdy, assembled neatly, rock steady]
    praise_zh: [装得很稳, 结实]
"""


def test_a_workspace_taxonomy_brings_its_own_praise() -> None:
    taxonomy = load_taxonomy(WORKSHOP, source="furniture.yaml")
    analyzer = Analyzer(taxonomy, ("ordered", "installed"))
    without = Analyzer(load_taxonomy(WORKSHOP.split("    praise_en")[0]), ("ordered", "installed"))
    for comment in ("Rock steady table", "桌子装得很稳，很结实"):
        assert analyzer.analyze(comment).label == "positive"
        assert without.analyze(comment).label != "positive"  # the model alone does not know these words
    for comment in ("The table is not sturdy", "桌子不结实"):
        denied = analyzer.analyze(comment)
        assert denied.themes == ("assembly",) and denied.stage == "installed", denied
    assert taxonomy_from_json(taxonomy_to_json(taxonomy)) == taxonomy


def test_praise_written_as_a_topic_word_is_refused_with_its_line() -> None:
    text = WORKSHOP.replace("praise_zh: [装得很稳, 结实]", 'praise_zh: ["?装得很稳"]')
    with pytest.raises(ImportFailed) as info:
        load_taxonomy(text, source="furniture.yaml")
    assert {(p.line, p.field) for p in info.value.problems} == {(9, "praise_zh")}
