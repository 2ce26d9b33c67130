"""The thank-you page of an answer without a comment is drawn once per (language, workspace
name, new or not, score) and reused: it must be the very page drawn afresh for any
customer, whatever else their invitation holds."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from doorstep.stats import classify
from doorstep.surveys.services import SurveyView
from doorstep.web import pages


def fresh(lang: str, view: SurveyView, created: bool) -> str:
    """The page as `_render` draws it, with everything a real invitation carries filled in."""
    caller = SimpleNamespace(csrf_token="csrf-of-a-signed-in-admin", name="Ann")
    context = pages._page_context(lang) | {
        "me": caller, "csrf_token": caller.csrf_token, "view": view, "created": created,
        "score": view.answered_score, "kind": classify(view.answered_score or 0), "comment": None,
        "why": False, "notice": None,
    }
    return pages.templates.get_template("thanks.html").render(context)


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
@pytest.mark.parametrize("created", [True, False])
@pytest.mark.parametrize("score", [0, 6, 7, 8, 9, 10])
def test_the_reused_page_is_the_page_drawn_afresh(lang, created, score):
    name = '<b>"Tom & Jerry\'s" 外卖</b>'
    view = SurveyView(
        token="tok-" + "x" * 28, workspace_name=name, delivery_external_id="F-<1>",
        delivered_at=dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC), customer_locale="zh-CN", workspace_locale="en",
        stages=[("cooked", "Cooked", "出餐")], answered_score=score,
    )

    cached = pages._thanks_without_comment(lang, name, created, score)

    assert cached.decode() == fresh(lang, view, created)
    assert "&lt;b&gt;&#34;Tom &amp; Jerry&#39;s&#34; 外卖&lt;/b&gt;" in cached.decode()
    assert "<b>" not in cached.decode()


def test_pages_differ_where_they_should():
    pages_drawn = {
        pages._thanks_without_comment(lang, name, created, score)
        for lang in ("en", "zh-CN") for name in ("A", "B") for created in (True, False) for score in (0, 8, 10)
    }
    assert len(pages_drawn) == 2 * 2 * 2 * 3
