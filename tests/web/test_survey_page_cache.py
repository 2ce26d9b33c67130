"""The thank-you page after an answer is drawn once per (language, workspace name, new or
not, score) and reused, the comment put in its place: it must be the very page drawn
afresh for any customer, whatever their comment and whatever else their invitation holds."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from doorstep.stats import classify
from doorstep.surveys.services import SurveyView
from doorstep.web import pages

NAME = '<b>"Tom & Jerry\'s" 外卖</b>'
COMMENTS = [
    None,
    "送得太慢了，饭都凉了",
    "<script>alert('x')</script> & \"quotes\" 'single'",
    "line one\nline two\n\n  indented",
    "😀👍🏽 emoji, 繁體字：外賣送達太慢",
    "{{ 7*7 }} {% if true %}jinja{% endif %} %s {0}",
    "doorstepCommentMark7f3a9c",  # the marker itself, typed by a customer
    "x" * 10_000,
]


def fresh(lang: str, view: SurveyView, created: bool) -> str:
    """The page as `_render` draws it, with everything a real invitation carries filled in."""
    caller = SimpleNamespace(csrf_token="csrf-of-a-signed-in-admin", name="Ann")
    context = pages._page_context(lang) | {
        "me": caller, "csrf_token": caller.csrf_token, "view": view, "created": created,
        "score": view.answered_score, "kind": classify(view.answered_score or 0),
        "comment": view.answered_comment, "why": False, "notice": None,
    }
    return pages.templates.get_template("thanks.html").render(context)


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
@pytest.mark.parametrize("created", [True, False])
@pytest.mark.parametrize("score", [0, 6, 7, 8, 9, 10])
@pytest.mark.parametrize("comment", COMMENTS, ids=range(len(COMMENTS)))
def test_the_reused_page_is_the_page_drawn_afresh(lang, created, score, comment):
    view = SurveyView(
        token="tok-" + "x" * 28, workspace_name=NAME, delivery_external_id="F-<1>",
        delivered_at=dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC), customer_locale="zh-CN", workspace_locale="en",
        stages=[("cooked", "Cooked", "出餐")], answered_score=score, answered_comment=comment,
    )

    page = pages.thanks_page(lang, NAME, created, score, comment)

    assert page == fresh(lang, view, created)
    assert "&lt;b&gt;&#34;Tom &amp; Jerry&#39;s&#34; 外卖&lt;/b&gt;" in page
    assert "<b>" not in page and "<script>" not in page


def test_pages_differ_where_they_should():
    drawn = {
        pages.thanks_page(lang, name, created, score, comment)
        for lang in ("en", "zh-CN") for name in ("A", "B") for created in (True, False) for score in (0, 8, 10)
        for comment in (None, "cold")
    }
    assert len(drawn) == 2 * 2 * 2 * 3 * 2
