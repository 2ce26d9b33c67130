"""The public survey page, end to end through the app: invitation → page → answer → metrics and cases."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient

from conftest import FakeClock, WorkspaceHandle, make_workspace
from doorstep.accounts.services import get_workspace
from doorstep.db import Database
from doorstep.deliveries.services import add_stage
from doorstep.surveys.services import MAX_COMMENT

STAGES = [("cooked", "Cooked", "出餐"), ("picked_up", "Picked up", "骑手取餐"), ("delivered", "Delivered", None)]


@pytest.fixture
def journey(database: Database, workspace: WorkspaceHandle) -> None:
    """The default workspace's journey; 'delivered' has no Chinese name on purpose."""
    with database.write() as session:
        ws = get_workspace(session=session, slug=workspace.slug)
        for key, name, name_zh in STAGES:
            add_stage(session=session, workspace=ws, key=key, name=name, name_zh=name_zh)


def invite(
    client: TestClient,
    workspace: WorkspaceHandle,
    clock: FakeClock,
    *,
    external_id: str = "F-1",
    customer_id: str = "c-1",
    locale: str | None = "zh-CN",
    stages: tuple[str, ...] = ("cooked", "picked_up", "delivered"),
) -> str:
    """Deliver one order through the API, as an integration would, and return its survey token."""
    delivered = clock.now - dt.timedelta(minutes=20)
    body: dict[str, object] = {
        "external_id": external_id,
        "customer_id": customer_id,
        "delivered_at": delivered.isoformat(),
        "stages": {key: (delivered - dt.timedelta(minutes=10 * (len(stages) - i))).isoformat()
                   for i, key in enumerate(stages)},
    }
    if locale:
        body["customer_locale"] = locale
    response = client.post("/api/v1/deliveries", json=body, headers=workspace.headers)
    assert response.status_code == 200, response.text
    [invitation] = response.json()["invitations"]
    assert invitation["url"].endswith(f"/s/{invitation['token']}")
    return str(invitation["token"])


def nps(client: TestClient, workspace: WorkspaceHandle, **params: str) -> dict[str, object]:
    response = client.get("/api/v1/metrics/nps", params=params, headers=workspace.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def checked_score(html: str) -> str | None:
    found = re.findall(r'name="score" value="(\d+)" checked', html)
    assert len(found) <= 1
    return found[0] if found else None


# --- which language -----------------------------------------------------------------


@pytest.mark.usefixtures("journey")
def test_a_chinese_customer_gets_the_survey_in_chinese(client, workspace, clock):
    token = invite(client, workspace, clock, locale="zh-CN")

    page = client.get(f"/s/{token}", headers={"Accept-Language": "en-US,en;q=0.9"})

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-language"] == "zh-CN"
    assert '<html lang="zh-CN">' in page.text
    assert "您有多大可能向朋友推荐default？" in page.text
    assert "完全不可能" in page.text and "非常可能" in page.text
    assert len(re.findall(r'type="radio" name="score" value="(\d+)"', page.text)) == 11
    # Stages by their Chinese name when they have one, else by their name; then "all good".
    assert "出餐" in page.text and "骑手取餐" in page.text and ">Delivered<" in page.text
    assert "都很好" in page.text
    assert f'maxlength="{MAX_COMMENT}"' in page.text  # the service's limit, not a copy of it
    # The switch goes to English, keeping the page.
    assert 'href="?lang=en"' in page.text


@pytest.mark.usefixtures("journey")
def test_an_english_customer_gets_the_survey_in_english(client, workspace, clock):
    token = invite(client, workspace, clock, locale="en-GB")

    page = client.get(f"/s/{token}", headers={"Accept-Language": "zh-CN,zh;q=0.9"})

    assert '<html lang="en">' in page.text
    assert "How likely are you to recommend default to a friend?" in page.text
    assert "not at all likely" in page.text and "extremely likely" in page.text
    assert "Cooked" in page.text and "Picked up" in page.text and "Nothing went wrong" in page.text
    assert "出餐" not in page.text
    assert 'href="?lang=zh"' in page.text


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
        ("zh-TW", "zh-CN"),
        ("fr-FR, en;q=0.5, zh;q=0.7", "zh-CN"),  # q-values, not order, decide
        ("en-US,en;q=0.9,zh-CN;q=0.1", "en"),
        ("zh;q=0, en;q=0.2", "en"),  # q=0 means "not Chinese"
        ("de-DE", "en"),  # nothing we speak: the workspace's locale
    ],
)
def test_without_a_customer_locale_the_browser_decides(client, workspace, clock, accept_language, expected):
    token = invite(client, workspace, clock, locale=None, stages=())

    page = client.get(f"/s/{token}", headers={"Accept-Language": accept_language})

    assert page.status_code == 200
    assert f'<html lang="{expected}">' in page.text


def test_the_workspace_locale_is_the_last_resort(client, database, clock):
    shop = make_workspace(database, "noodles", name="老王面馆", locale="zh-CN")
    token = invite(client, shop, clock, locale=None, stages=())

    page = client.get(f"/s/{token}")  # no Accept-Language at all

    assert '<html lang="zh-CN">' in page.text
    assert "您有多大可能向朋友推荐老王面馆？" in page.text


@pytest.mark.usefixtures("journey")
@pytest.mark.parametrize(("lang", "expected"), [("en", "en"), ("zh", "zh-CN"), ("zh-CN", "zh-CN"), ("xx", "zh-CN")])
def test_lang_in_the_url_overrides_the_customer_locale(client, workspace, clock, lang, expected):
    token = invite(client, workspace, clock, locale="zh-CN")

    page = client.get(f"/s/{token}", params={"lang": lang})

    assert f'<html lang="{expected}">' in page.text  # an unknown ?lang= is ignored


@pytest.mark.usefixtures("journey")
def test_a_score_in_the_link_is_recorded_and_a_bad_one_is_not(client, workspace, clock):
    # A one-click link records the score (issue 5; tests/channels/test_one_click.py has the rest).
    token = invite(client, workspace, clock)
    page = client.get(f"/s/{token}", params={"score": "99"})
    assert page.status_code == 200 and checked_score(page.text) is None
    assert "链接中的分数无效" in page.text  # the customer is told why nothing was kept
    assert nps(client, workspace)["responses"] == 0

    page = client.get(f"/s/{token}", params={"score": "9"})
    assert page.status_code == 200 and 'action="/s/' + token + '/why"' in page.text
    assert nps(client, workspace)["responses"] == 1


def test_the_page_is_mobile_ready_and_ready_for_a_strict_csp(client, workspace, clock):
    token = invite(client, workspace, clock, stages=())

    page = client.get(f"/s/{token}")

    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page.text
    assert '<link rel="stylesheet" href="/static/style.css' in page.text
    assert "<script" not in page.text.lower()
    assert " style=" not in page.text.lower()
    assert '<form class="survey-form" method="post"' in page.text
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    css = client.get("/static/style.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
    assert '"Noto Sans CJK SC"' in css.text and '"PingFang SC"' in css.text


def test_without_stages_there_is_no_stage_question(client, workspace, clock):
    token = invite(client, workspace, clock, stages=())

    page = client.get(f"/s/{token}")

    assert 'name="stage"' not in page.text
    assert "都很好" not in page.text


# --- answering ----------------------------------------------------------------------


@pytest.mark.usefixtures("journey")
def test_an_answer_is_thanked_counted_and_attributed(client, workspace, clock):
    token = invite(client, workspace, clock, locale="en")
    assert nps(client, workspace)["responses"] == 0
    client.get(f"/s/{token}")

    done = client.post(f"/s/{token}", data={"score": "10", "comment": "Hot and fast", "stage": "", "lang": "en"})

    assert done.status_code == 200
    assert "Thank you!" in done.text
    assert "Your score: 10" in done.text and "Hot and fast" in done.text
    assert "get in touch" not in done.text
    summary = nps(client, workspace)
    assert (summary["responses"], summary["promoters"], summary["detractors"], summary["nps"]) == (1, 1, 0, 100.0)
    # "Nothing went wrong" is no stage at all.
    assert [g["key"] for g in nps(client, workspace, by="stage")["groups"]] == [None]
    assert client.get("/api/v1/cases", headers=workspace.headers).json()["total"] == 0


@pytest.mark.usefixtures("journey")
def test_a_detractor_gets_a_case_and_is_told_someone_will_call(client, workspace, clock):
    token = invite(client, workspace, clock, locale="zh-CN")

    done = client.post(f"/s/{token}", data={"score": "3", "comment": "汤洒了，饭也凉了", "stage": "picked_up"})

    assert done.status_code == 200
    assert '<html lang="zh-CN">' in done.text
    assert "谢谢您！" in done.text and "default的工作人员会尽快与您联系" in done.text
    cases = client.get("/api/v1/cases", headers=workspace.headers).json()
    assert cases["total"] == 1
    [case] = cases["cases"]
    assert (case["delivery_external_id"], case["score"], case["comment"]) == ("F-1", 3, "汤洒了，饭也凉了")
    assert nps(client, workspace, by="stage")["groups"][0]["key"] == "picked_up"


@pytest.mark.usefixtures("journey")
def test_the_thank_you_page_follows_the_form_language(client, workspace, clock):
    token = invite(client, workspace, clock, locale="zh-CN")

    done = client.post(f"/s/{token}", data={"score": "5", "lang": "en"})

    assert '<html lang="en">' in done.text
    assert "Someone from default will get in touch with you soon." in done.text


@pytest.mark.usefixtures("journey")
def test_a_second_answer_keeps_the_first(client, workspace, clock):
    token = invite(client, workspace, clock, locale="zh-CN")
    client.post(f"/s/{token}", data={"score": "3", "comment": "cold"})

    again = client.post(f"/s/{token}", data={"score": "10", "comment": "actually fine"})

    assert again.status_code == 200
    assert "我们已经收到您的回答，谢谢！以第一次提交为准。" in again.text
    assert "您的评分：3" in again.text and "cold" in again.text and "actually fine" not in again.text
    summary = nps(client, workspace)
    assert (summary["responses"], summary["detractors"], summary["promoters"]) == (1, 1, 0)
    assert client.get("/api/v1/cases", headers=workspace.headers).json()["total"] == 1

    english = client.post(f"/s/{token}", data={"score": "9", "lang": "en"})
    assert "We already have your answer — thank you. Your first answer is kept." in english.text
    assert "Your score: 3" in english.text


@pytest.mark.usefixtures("journey")
def test_opening_an_answered_survey_shows_the_kept_answer(client, workspace, clock):
    token = invite(client, workspace, clock, locale="en")
    client.post(f"/s/{token}", data={"score": "8"})

    page = client.get(f"/s/{token}")

    assert page.status_code == 200
    assert "We already have your answer" in page.text and "Your score: 8" in page.text
    assert "<form" not in page.text
    # Even with a broken score, an answered survey says so instead of asking again.
    broken = client.post(f"/s/{token}", data={"score": "eleven"})
    assert broken.status_code == 200 and "Your score: 8" in broken.text


@pytest.mark.parametrize("score", [None, "", "11", "-1", "abc", "7.5", "true"])
@pytest.mark.usefixtures("journey")
def test_an_invalid_score_shows_the_form_again_with_the_comment(client, workspace, clock, score):
    token = invite(client, workspace, clock, locale="en")
    form = {"comment": "The rider was <b>lovely</b>", "stage": "cooked", "lang": "en"}
    if score is not None:
        form["score"] = score

    page = client.post(f"/s/{token}", data=form)

    assert page.status_code == 422
    assert '<html lang="en">' in page.text
    assert 'role="alert"' in page.text and "Please choose a score from 0 to 10." in page.text
    assert ">The rider was &lt;b&gt;lovely&lt;/b&gt;</textarea>" in page.text
    assert 'value="cooked" checked' in page.text
    assert checked_score(page.text) is None
    assert nps(client, workspace)["responses"] == 0


@pytest.mark.usefixtures("journey")
def test_the_error_message_is_bilingual(client, workspace, clock):
    token = invite(client, workspace, clock, locale="zh-CN")

    page = client.post(f"/s/{token}", data={"comment": "汤洒了"})

    assert page.status_code == 422
    assert "请选择一个 0 到 10 之间的分数。" in page.text and ">汤洒了</textarea>" in page.text


@pytest.mark.usefixtures("journey")
def test_a_too_long_comment_is_refused_and_the_score_kept(client, workspace, clock):
    token = invite(client, workspace, clock, locale="en")

    page = client.post(f"/s/{token}", data={"score": "4", "comment": "x" * (MAX_COMMENT + 1)})

    assert page.status_code == 422
    assert f"Your comment is too long: please keep it to {MAX_COMMENT:,} characters." in page.text
    assert checked_score(page.text) == "4"
    assert nps(client, workspace)["responses"] == 0


@pytest.mark.usefixtures("journey")
def test_line_breaks_count_as_typed(client, workspace, clock):
    token = invite(client, workspace, clock, locale="en")
    # What a browser sends for a textarea filled to its maxlength with lines of 10 characters.
    typed = ("a" * 9 + "\n") * (MAX_COMMENT // 10)

    done = client.post(f"/s/{token}", data={"score": "1", "comment": typed.replace("\n", "\r\n")})

    assert done.status_code == 200
    [case] = client.get("/api/v1/cases", headers=workspace.headers).json()["cases"]
    assert case["comment"] == typed.strip()


@pytest.mark.usefixtures("journey")
def test_an_unknown_stage_is_refused(client, workspace, clock):
    token = invite(client, workspace, clock, locale="en")

    page = client.post(f"/s/{token}", data={"score": "4", "stage": "teleported"})

    assert page.status_code == 422
    assert "Please choose one of the steps listed." in page.text
    assert nps(client, workspace)["responses"] == 0


# --- links that do not work -----------------------------------------------------------


@pytest.mark.parametrize("token", ["nope", "A" * 32, "a" * 65, "bad%20token%3Cscript%3E-xxxxxxxxxxxx"])
@pytest.mark.usefixtures("workspace")
def test_an_unknown_link_is_404_in_both_languages(client, token):
    for page in (client.get(f"/s/{token}"), client.post(f"/s/{token}", data={"score": "5"})):
        assert page.status_code == 404
        assert "This survey link is not valid" in page.text and "此问卷链接无效" in page.text
        assert "NotFound" not in page.text and "Traceback" not in page.text
        assert "<script" not in page.text.lower()
        assert "<form" not in page.text


@pytest.mark.usefixtures("journey")
def test_an_expired_survey_is_410(client, workspace, clock):
    token = invite(client, workspace, clock, locale="zh-CN")
    clock.advance(days=15)

    page = client.get(f"/s/{token}")
    posted = client.post(f"/s/{token}", data={"score": "10", "lang": "en"})

    assert page.status_code == 410
    assert "此问卷已关闭" in page.text and "This survey has closed" in page.text
    assert posted.status_code == 410 and '<html lang="en">' in posted.text
    assert nps(client, workspace)["responses"] == 0


# --- user text is text --------------------------------------------------------------


@pytest.mark.usefixtures("journey")
def test_html_in_a_comment_is_shown_escaped_and_never_run(client, workspace, clock):
    token = invite(client, workspace, clock, locale="en")
    evil = '<script>alert("pwned")</script><img src=x onerror=alert(1)>'

    first = client.post(f"/s/{token}", data={"score": "2", "comment": evil})
    again = client.post(f"/s/{token}", data={"score": "9", "comment": "second"})
    opened = client.get(f"/s/{token}")

    for page in (first, again, opened):
        assert page.status_code == 200
        assert "<script" not in page.text.lower()
        assert "<img" not in page.text.lower()
        assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in page.text
    assert "We already have your answer" in again.text
    # Stored as typed: escaping is the page's job, not the database's.
    [case] = client.get("/api/v1/cases", headers=workspace.headers).json()["cases"]
    assert case["comment"] == evil


def test_a_workspace_name_is_escaped_on_the_survey(client, database, clock):
    shop = make_workspace(database, "evil", name="<script>alert(1)</script>")
    token = invite(client, shop, clock, locale="en", stages=())

    page = client.get(f"/s/{token}")

    assert "<script" not in page.text.lower()
    assert "recommend &lt;script&gt;alert(1)&lt;/script&gt; to a friend?" in page.text
