"""A brief made in English is read in Chinese by a Chinese reader (and the other way round).

The stored page stays what was published; a reader whose language differs gets the same
stored content drawn in theirs: the figures and the customers' words unchanged, our words
translated. Before, a zh-CN reader of an English workspace's brief got an all-English page
and an English title in the otherwise Chinese /briefs list.
"""

from __future__ import annotations

from tests.briefs.seed import SLOW, seed
from tests.conftest import login

from doorstep.accounts.services import get_workspace
from doorstep.briefs.services import choose_period, make_brief, publish_brief

BASE = "http://testserver"
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


def _publish(database, clock) -> tuple[int, str, dict]:  # type: ignore[no-untyped-def]
    with database.write() as s:
        ws = get_workspace(session=s, slug="default")
        brief, _ = make_brief(session=s, workspace=ws, period=choose_period(ws, "week", now=clock()), now=clock(),
                              base_url=BASE)
        publish_brief(session=s, workspace=ws, brief=brief, now=clock(), base_url=BASE)
        return brief.id, brief.html, brief.content


def test_a_chinese_reader_gets_the_stored_brief_in_chinese(client, database, workspace, clock) -> None:
    seed(database, "default", clock())
    login(client, database, workspace, "exec")
    brief_id, html, content = _publish(database, clock)
    assert content["locale"] == "en" and "Where we lose points" in html

    page = client.get(f"/briefs/{brief_id}", headers=ZH)
    assert page.status_code == 200 and page.headers["content-language"] == "zh-CN"
    assert page.headers["cache-control"] == "no-store"
    assert '<html lang="zh-CN"' in page.text
    assert "失分最多的环节" in page.text and "Where we lose points" not in page.text
    assert "每周简报" in page.text and "Weekly brief" not in page.text
    # The stored figures and words, not new ones: the same NPS, the customers' comments still escaped.
    assert f"{content['nps']['nps']:+.1f}" in page.text
    assert SLOW.split("<")[0].strip() in page.text and "<script>" not in page.text
    # The latest weekly brief too.
    assert "失分最多的环节" in client.get("/brief/week", headers=ZH).text

    # As published for a reader of its language, or one who says nothing.
    assert client.get(f"/briefs/{brief_id}?lang=en", headers=ZH).text == html
    assert client.get(f"/briefs/{brief_id}").text == html

    # The list speaks the page's language, titles included, and its links keep it.
    listing = client.get("/briefs", headers=ZH).text
    assert "每周简报｜" in listing and "Weekly brief" not in listing
    assert f'href="/briefs/{brief_id}?lang=zh"' in listing
    assert "Weekly brief ·" in client.get("/briefs?lang=en", headers=ZH).text


def test_the_preview_before_any_brief_speaks_the_readers_language(client, database, workspace, clock) -> None:
    seed(database, "default", clock())
    login(client, database, workspace, "exec")
    page = client.get("/brief/week", headers=ZH)
    assert page.status_code == 200 and page.headers["content-language"] == "zh-CN"
    assert "失分最多的环节" in page.text and "Where we lose points" not in page.text
    assert "Where we lose points" in client.get("/brief/week?lang=en", headers=ZH).text
