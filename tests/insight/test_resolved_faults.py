"""A fault put right is no complaint ("they fixed the problem", "问题很快就解决了"), while a fix
asked for, awaited, denied or only claimed still reads as the complaint it is."""

import pytest

from doorstep.insight.analysis import Analyzer
from doorstep.insight.taxonomy import default_taxonomy
from doorstep.insight.text import clauses, normalize

SAAS = ("contract", "deployment", "data_migration", "training", "go_live", "adoption")


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(default_taxonomy(), SAAS)


@pytest.mark.parametrize(
    "comment",
    [
        "Support sorted my issue in minutes",
        "The agent resolved my problem quickly",
        "They fixed the problem within an hour",
        "The problem was resolved quickly",
        "Issue solved in 5 minutes, great",
        "Bug fixed, thanks",
        "客服几分钟就解决了我的问题",
        "问题很快就解决了",
        "客服帮我解决问题，很耐心",
        "故障已经修复",
    ],
)
def test_a_fault_put_right_reads_positive_and_names_no_theme(analyzer: Analyzer, comment: str) -> None:
    result = analyzer.analyze(comment)
    assert result.label == "positive" and not result.themes, result


@pytest.mark.parametrize(
    "comment",
    [
        "Please fix the problem",  # asked for
        "The issue needs to be fixed",
        "Still waiting for the error to be fixed",  # awaited
        "The issue was never resolved",  # denied
        "Nobody resolved my problem",
        "Support never sorted my issue",
        "They said they fixed the issue but it is still broken",  # claimed, and the second clause
        "问题一直没解决",
        "拖了一周才解决问题",  # a fix after a wait
        "解决不了问题",  # "V不了": could not
        "客服处理不了，联系不上负责人",
        "把我的包裹弄丢了还怪我",  # a lost parcel is a complaint, whoever is blamed
    ],
)
def test_a_fix_asked_for_awaited_denied_or_claimed_stays_negative(analyzer: Analyzer, comment: str) -> None:
    assert analyzer.analyze(comment).label == "negative", comment


@pytest.mark.parametrize(
    ("comment", "resolved"),
    [
        ("they fixed the problem", True),
        ("the bug was fixed", True),
        ("please fix the problem", False),  # "fix" is no done deed
        ("they fixed the door", False),  # no fault named
        ("it has yet to be resolved, the issue", False),
        ("hopefully the issue is resolved soon", False),
        ("问题已解决", True),
        ("解决问题的办法一笔带过", False),  # a method, not a fix
        ("希望尽快解决问题", False),
        ("问题解决了吗", False),  # a question
        ("没有解决问题", False),
    ],
)
def test_which_clauses_say_a_fault_was_put_right(comment: str, resolved: bool) -> None:
    parts = clauses(normalize(comment))
    assert any(part.resolved for part in parts) is resolved, parts


def test_a_praised_fix_in_the_taxonomy_stays_a_praise(analyzer: Analyzer) -> None:
    # "sorted my issue" is a support_response praise: the fault rule must not deny it into a complaint.
    result = analyzer.analyze("Support sorted my issue, very helpful")
    assert result.label == "positive" and "support_response" not in result.themes, result
