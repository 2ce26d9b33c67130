"""The insight page and the comments explorer: the API's numbers, escaped words, working filters."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import re
from importlib import resources
from zoneinfo import ZoneInfo

import pytest

from conftest import WorkspaceHandle, login, make_workspace
from doorstep.accounts.services import create_api_key, get_workspace
from doorstep.deliveries.csv_import import import_deliveries_csv, import_responses_csv
from doorstep.deliveries.services import add_stage
from doorstep.demo.loader import load_demo
from doorstep.web.insight import PAGE_SIZE, PLOTLY_URL

SHANGHAI = ZoneInfo("Asia/Shanghai")
STAGES = [("cooked", "Cooked", "出餐", 15.0), ("picked_up", "Picked up", "骑手取餐", 10.0),
          ("delivered", "Delivered", "已送达", 20.0)]
EVIL = '<script>alert("x")</script>'
# (score, comment): cycled over 32 answers, so the explorer has two pages.
COMMENTS = [
    (2, "饭菜都凉了，汤也洒了"),
    (3, "送得太慢了，等了一个小时"),
    (9, "很好吃，下次还点"),
    (10, "骑手很有礼貌，谢谢"),
    (4, "The food arrived COLD and late"),
    (9, "Great service, thanks"),
    (1, EVIL),
    (6, "包装破了，饭菜也凉了"),
]
ANSWERS = 32


# --- helpers ------------------------------------------------------------------------


def blocks(html: str) -> dict[str, object]:
    """Every <script type="application/json"> block of a page, parsed, by id."""
    found = re.findall(r'<script type="application/json" id="([^"]+)">(.*?)</script>', html, flags=re.S)
    return {name: json.loads(body) for name, body in found}


def metric(html: str, name: str) -> str:
    """The text of the element marked data-metric=name, tags stripped."""
    match = re.search(rf'data-metric="{name}"[^>]*>(.*?)</p>', html, flags=re.S)
    assert match, name
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1))).strip()


def response_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-response-id="(\d+)"', html)]


def agrees(mine: dict, theirs: dict) -> None:
    """The page's item carries every field of the API's item, with the same value."""
    assert {k: mine.get(k) for k in theirs} == theirs


def shop(database, client=None, role: str = "exec", *, promised: bool = True) -> WorkspaceHandle:
    """A Shanghai shop with three stages and 32 answers in February 2026, a third of them angry;
    ``client`` is signed in to it as ``role``; ``promised=False``: no promised_at."""
    handle = make_workspace(database, "shop", name="Laowang 老王面馆", timezone="Asia/Shanghai", locale="en")
    deliveries, responses = io.StringIO(), io.StringIO()
    d = csv.writer(deliveries)
    d.writerow(["external_id", "customer_id", "promised_at", "delivered_at",
                "stage.cooked", "stage.picked_up", "stage.delivered"])
    r = csv.writer(responses)
    r.writerow(["delivery_external_id", "score", "comment", "responded_at"])
    start = dt.datetime(2026, 2, 1, 10, 0, tzinfo=dt.UTC)
    for i in range(ANSWERS):
        ordered = start + dt.timedelta(hours=21 * i)
        late = (i % 4) * 12  # minutes: 0, 12, 24, 36
        done = ordered + dt.timedelta(minutes=45 + late)
        promise = (ordered + dt.timedelta(minutes=45)).isoformat() if promised else ""
        d.writerow([f"F-{i:03d}", f"c-{i}", promise, done.isoformat(),
                    (ordered + dt.timedelta(minutes=15)).isoformat(),
                    (ordered + dt.timedelta(minutes=25 + late)).isoformat(), done.isoformat()])
        score, comment = COMMENTS[i % len(COMMENTS)]
        r.writerow([f"F-{i:03d}", score, comment, (done + dt.timedelta(minutes=30)).isoformat()])
    now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with database.write() as session:
        ws = get_workspace(session=session, slug="shop")
        for key, name, name_zh, target in STAGES:
            add_stage(session=session, workspace=ws, key=key, name=name, name_zh=name_zh, target_minutes=target)
        import_deliveries_csv(session=session, workspace=ws, stream=io.StringIO(deliveries.getvalue()), now=now)
        import_responses_csv(session=session, workspace=ws, stream=io.StringIO(responses.getvalue()), now=now)
    if client is not None:
        login(client, database, handle, role)
    return handle


@pytest.fixture
def food(client, database, clock) -> WorkspaceHandle:
    """The demo's food workspace (1,500 deliveries between the two demo workspaces), with a key."""
    clock.now = dt.datetime.now(dt.UTC).replace(microsecond=0)  # the demo is generated up to the real now
    load_demo(database, seed=11, total_deliveries=1500)
    with database.write() as session:
        ws = get_workspace(session=session, slug="food")
        _key, secret = create_api_key(session=session, workspace=ws)
        handle = WorkspaceHandle(ws.id, ws.slug, secret)
    login(client, database, handle, "cs")
    return handle


# --- the numbers --------------------------------------------------------------------


def test_the_charts_carry_the_apis_numbers(client, food, clock):
    page = client.get("/w/food", params={"lang": "en"})
    assert page.status_code == 200
    data = blocks(page.text)
    assert set(data) == {"data-trend", "data-funnel", "data-drivers", "data-lateness", "chart-text"}
    api = {name: client.get(f"/api/v1/metrics/{name}", headers=food.headers).json()
           for name in ("trend", "stages", "drivers", "lateness", "nps")}

    # 1. The trend: every weekly point with its interval, counts and change, oldest first.
    trend = data["data-trend"]
    assert trend["every"] == "week" and len(trend["points"]) == len(api["trend"]["points"]) > 10
    for mine, theirs in zip(trend["points"], api["trend"]["points"], strict=True):
        agrees(mine, theirs)
    first = dt.date.fromisoformat(trend["points"][0]["start"])
    assert first.weekday() == 0 and trend["labels"][0] == f"Week of {first.day} {first:%b %Y}"
    # The headline: NPS with its interval, as GET /api/v1/metrics/nps says.
    nps = api["nps"]
    assert metric(page.text, "nps") == f"{nps['nps']:.1f}"
    assert metric(page.text, "ci95") == f"95% interval {nps['ci95'][0]:.1f} to {nps['ci95'][1]:.1f}"
    # The change: the last 30 local days against the 30 before, tested as the API tests it.
    today = clock.now.astimezone(SHANGHAI).date()
    compare = client.get("/api/v1/metrics/compare", headers=food.headers, params={
        "since": (today - dt.timedelta(days=29)).isoformat(), "until": today.isoformat()}).json()
    assert metric(page.text, "change") == f"{compare['change']['delta']:+.1f} points"
    words = "significant at 95%" if compare["change"]["significant"] else "not distinguishable from noise"
    assert metric(page.text, "change_significance").startswith(words)

    # 2. The funnel: per stage, lateness and the NPS of its answers, in journey order.
    funnel = data["data-funnel"]
    assert [s["key"] for s in funnel["stages"]] == [s["key"] for s in api["stages"]["stages"]]
    for mine, theirs in zip(funnel["stages"], api["stages"]["stages"], strict=True):
        agrees(mine, theirs)
    assert funnel["labels"] == [s["name"] for s in api["stages"]["stages"]]
    assert funnel["nps"] == api["stages"]["nps"]

    # 3. The drivers: the mentioned ones, most harmful first, as the API orders them.
    mentioned = [d for d in api["drivers"]["drivers"] if d["mentions"] > 0]
    shown = data["data-drivers"]["drivers"]
    assert [(d["kind"], d["key"]) for d in shown] == [(d["kind"], d["key"]) for d in mentioned[: len(shown)]]
    for mine, theirs in zip(shown, mentioned, strict=False):
        agrees(mine, theirs)
    assert any(d["significant"] for d in shown) and any(not d["significant"] for d in shown)

    # 4. Lateness: NPS per bucket with its interval and the points lost.
    lateness = data["data-lateness"]
    assert lateness["unit"] == api["lateness"]["unit"] == "minutes"
    for mine, theirs in zip(lateness["buckets"], api["lateness"]["buckets"], strict=True):
        agrees(mine, theirs)
    assert lateness["labels"][:2] == ["On time", "0–5 min"]
    assert metric(page.text, "lateness").startswith(f"{api['lateness']['late_minus_on_time']['delta']:+.1f} points")


def test_every_chart_follows_the_period(client, food, clock):
    today = clock.now.astimezone(SHANGHAI).date()
    since, until = (today - dt.timedelta(days=70)).isoformat(), (today - dt.timedelta(days=10)).isoformat()
    period = {"since": since, "until": until}
    page = client.get("/w/food", params={**period, "every": "month", "lang": "zh"})
    assert page.status_code == 200
    data = blocks(page.text)

    def api(name: str, **extra: str) -> dict:
        return client.get(f"/api/v1/metrics/{name}", headers=food.headers, params={**period, **extra}).json()

    trend = api("trend", every="month")
    assert data["data-trend"]["every"] == "month"
    for mine, theirs in zip(data["data-trend"]["points"], trend["points"], strict=True):
        agrees(mine, theirs)
    assert data["data-trend"]["points"][0]["partial"] is True  # the first month is cut by since
    for mine, theirs in zip(data["data-funnel"]["stages"], api("stages")["stages"], strict=True):
        agrees(mine, theirs)
    for mine, theirs in zip(data["data-lateness"]["buckets"], api("lateness")["buckets"], strict=True):
        agrees(mine, theirs)
    nps = api("nps")
    assert metric(page.text, "nps") == f"{nps['nps']:.1f}"
    compare = api("compare")
    assert metric(page.text, "change") == f"{compare['change']['delta']:+.1f} 分"
    # The chosen period stays in the form, in the links and in the language switch.
    assert f'name="since" value="{since}"' in page.text and f'name="until" value="{until}"' in page.text
    assert f'class="lang-switch" href="?lang=en&amp;since={since}&amp;until={until}&amp;every=month"' in page.text
    # Chinese page: stage names from Stage.name_zh, month labels in Chinese.
    assert data["data-funnel"]["labels"] == ["已下单", "出餐", "已派单", "骑手取餐", "已送达"]
    assert all(re.fullmatch(r"\d{4}年\d{1,2}月", label) for label in data["data-trend"]["labels"])
    assert "净推荐值趋势" in page.text and '<html lang="zh-CN">' in page.text


def test_the_demos_planted_problems_top_the_drivers(client, food):
    # The page is for a manager: the first bars must be the problems the demo planted.
    data = blocks(client.get("/w/food").text)["data-drivers"]
    top = [d for d in data["drivers"] if d["significant"] and d["nps_impact"] < 0]
    assert len(top) >= 3
    assert all(a["nps_impact"] <= b["nps_impact"] for a, b in itertools.pairwise(top))


# --- the page itself ----------------------------------------------------------------


def test_plotly_comes_from_the_package_not_a_cdn(client, database):
    shop(database, client)
    page = client.get("/w/shop")
    assert page.status_code == 200
    sources = re.findall(r"<script([^>]*)>", page.text)
    assert sources, "no scripts at all"
    for attributes in sources:
        # Only two kinds of script: our own files, and JSON data (no inline code, for a strict CSP).
        assert 'src="/static/' in attributes or 'type="application/json"' in attributes, attributes
    assert f'src="{PLOTLY_URL}"' in page.text and 'src="/static/charts.js?v=' in page.text
    assert "http" not in "".join(sources) and "cdn" not in page.text.lower()
    assert " style=" not in page.text  # no inline style either

    served = client.get(PLOTLY_URL)
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("text/javascript")
    assert "max-age=31536000" in served.headers["cache-control"]
    package = resources.files("plotly").joinpath("package_data/plotly.min.js").read_bytes()
    assert served.content == package and served.content.startswith(b"/**\n* plotly.js v")
    assert served.headers.get("content-encoding") == "gzip"  # compressed on the wire, the same bytes inside
    plain = client.get(PLOTLY_URL, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == package
    again = client.get(PLOTLY_URL, headers={"If-None-Match": served.headers["etag"]})
    assert again.status_code == 304 and not again.content
    assert client.get("/static/charts.js").headers["content-type"].startswith("text/javascript")


def test_the_page_has_tables_for_people_and_tests(client, database):
    shop(database, client)
    page = client.get("/w/shop", params={"lang": "en"})
    text = page.text
    for table in ("trend", "funnel", "lateness", "drivers"):
        assert f'id="table-{table}"' in text and f'data-chart="{table}"' in text
    assert "<noscript>" in text
    # The funnel's table: Chinese names only on the Chinese page; every stage links to its comments.
    assert ">Picked up</a>" in text and "骑手取餐" not in text
    assert 'href="/w/shop/verbatims?stage=picked_up&amp;lang=en"' in text
    # A quarter of the deliveries each on time, 12, 24 and 36 minutes late.
    lateness = blocks(text)["data-lateness"]
    assert [b["responses"] for b in lateness["buckets"]] == [8, 0, 8, 8, 8]
    assert lateness["labels"] == ["On time", "0–5 min", "5–15 min", "15–30 min", "30+ min"]
    assert "Latest detractors, in their own words" in text


def test_without_promised_times_the_lateness_panels_say_why(client, database):
    shop(database, client, promised=False)
    page = client.get("/w/shop", params={"lang": "en"})
    assert metric(page.text, "lateness").startswith("No promised times")
    assert "None of the 32 answers is about a delivery with both a promised and a delivery time" in page.text
    assert "data-lateness" not in blocks(page.text)
    zh = client.get("/w/shop", params={"lang": "zh-CN"}).text
    assert metric(zh, "lateness").startswith("没有承诺送达时间")
    assert "这 32 份回答对应的订单都没有同时带承诺时间和送达时间" in zh


def test_unknown_workspace_is_a_404_page(client, database):
    shop(database, client)
    make_workspace(database, "other")
    # Another business's slug answers exactly like one that does not exist.
    for path in ("/w/nowhere", "/w/nowhere/verbatims", "/w/other", "/w/other/verbatims"):
        page = client.get(path, headers={"Accept-Language": "zh-CN"})
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
        assert "找不到该业务空间" in page.text


def test_an_empty_workspace_says_so(client, database, workspace):
    login(client, database, workspace, "exec")
    page = client.get("/w/default", params={"lang": "en"})
    assert page.status_code == 200
    assert "No answers in this period." in page.text
    assert "This workspace has no journey stages yet." in page.text
    assert set(blocks(page.text)) == {"chart-text"}  # no chart without data


def test_a_bad_period_gets_the_form_back(client, database):
    shop(database, client)
    for params in ({"since": "2026-13-01"}, {"since": "2026-02-10", "until": "2026-02-01"}, {"until": "yesterday"}):
        page = client.get("/w/shop", params={**params, "lang": "en"})
        assert page.status_code == 422
        assert "Please give dates as YYYY-MM-DD" in page.text and 'name="since"' in page.text
    assert client.get("/w/shop", params={"since": "", "until": "", "every": "fortnight"}).status_code == 200
    # A century by week is more points than a chart can take: the form again, with why (not a 500).
    for lang, why in (("en", "too long to draw week by week"), ("zh", "无法按周绘制")):
        page = client.get("/w/shop", params={"since": "1990-01-01", "until": "2090-12-31", "lang": lang})
        assert page.status_code == 422 and why in page.text and 'name="since"' in page.text


def test_the_dashboard_links_every_workspace_to_its_insight(client, database):
    shop(database, client)
    page = client.get("/", params={"lang": "zh"})
    assert 'href="/w/shop?lang=zh"' in page.text


def test_names_in_chart_data_cannot_end_the_script(client, database):
    handle = shop(database, client)
    with database.write() as session:
        ws = get_workspace(session=session, slug=handle.slug)
        add_stage(session=session, workspace=ws, key="evil", name="</script><b>x</b>")
    page = client.get("/w/shop")
    assert "</script><b>" not in page.text
    assert blocks(page.text)["data-funnel"]["labels"][-1] == "</script><b>x</b>"  # as data, intact


# --- the explorer -------------------------------------------------------------------


def explore(client, **params: str):
    page = client.get("/w/shop/verbatims", params={"lang": "en", **params})
    assert page.status_code == 200, page.text
    return page


def api_ids(client, handle: WorkspaceHandle, **params: str) -> list[int]:
    found = client.get("/api/v1/responses", headers=handle.headers, params={"limit": 200, **params}).json()
    return [r["id"] for r in found["responses"]]


def test_comments_are_shown_escaped(client, database):
    shop(database, client)
    for page in (explore(client), client.get("/w/shop")):
        assert EVIL not in page.text and "alert(" in page.text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text


def test_the_explorer_pages_and_shows_local_time(client, database):
    handle = shop(database, client)
    first = explore(client)
    assert metric(first.text, "total") == f"{ANSWERS} comments"
    assert len(response_ids(first.text)) == PAGE_SIZE
    second = explore(client, page="2")
    assert response_ids(first.text) + response_ids(second.text) == api_ids(client, handle)
    assert "Page 2 of 2" in second.text and 'rel="prev"' in second.text
    # The newest answer, shown in Shanghai time: ordered 31 × 21 h after the first, 36 min late.
    newest = dt.datetime(2026, 2, 1, 10, 0, tzinfo=dt.UTC) + dt.timedelta(hours=21 * 31, minutes=45 + 36 + 30)
    assert newest.astimezone(SHANGHAI).strftime(">%Y-%m-%d %H:%M</time>") == ">2026-02-28 22:51</time>"
    assert ">2026-02-28 22:51</time>" in first.text


def test_the_explorer_searches_in_chinese_and_english(client, database):
    handle = shop(database, client)
    cold = explore(client, q="凉")
    assert metric(cold.text, "total") == "8 comments"
    comments = re.findall(r'<p class="verbatim-text"[^>]*>([^<]*)</p>', cold.text)
    assert sorted(set(comments)) == ["包装破了，饭菜也凉了", "饭菜都凉了，汤也洒了"]
    english = explore(client, q="cold")  # any case
    assert response_ids(english.text) == api_ids(client, handle, q="cold") and len(response_ids(english.text)) == 4
    assert explore(client, q="100%").text.count("data-response-id") == 0  # % is a character, not a wildcard
    # The search stays in the form and in the page links.
    assert 'value="凉"' in cold.text


def test_the_explorer_filters_combine(client, database):
    handle = shop(database, client)
    cases = [
        {"language": "zh"},
        {"language": "en"},
        {"theme": "temperature"},
        {"stage": "delivered"},
        {"sentiment": "negative"},
        {"score_min": "0", "score_max": "6"},
        {"score_min": "9", "language": "zh"},
        {"theme": "temperature", "language": "en"},
        {"since": "2026-02-10", "until": "2026-02-20"},
    ]
    for params in cases:
        shown = response_ids(explore(client, **params).text)
        assert shown == api_ids(client, handle, **params), params
    zh = response_ids(explore(client, language="zh").text)
    en = response_ids(explore(client, language="en").text)
    assert zh and en and not set(zh) & set(en)
    themed = explore(client, theme="temperature")
    assert response_ids(themed.text), "the analysis finds cold food in 凉 and cold"
    for comment in re.findall(r'<p class="verbatim-text"[^>]*>([^<]*)</p>', themed.text):
        assert "凉" in comment or "cold" in comment.lower()
    angry = explore(client, score_max="6")
    assert all(int(s) <= 6 for s in re.findall(r'class="score-badge[^"]*"[^>]*>(\d+)<', angry.text))
    # The period is in the workspace's days: 2026-02-02 starts at 16:00 UTC on the 1st.
    local = response_ids(explore(client, since="2026-02-10", until="2026-02-20").text)
    assert len(local) == len(api_ids(client, handle, since="2026-02-09T16:00:00Z", until="2026-02-20T16:00:00Z"))


def test_the_explorer_offers_what_is_there_in_the_pages_language(client, database):
    shop(database, client)
    page = client.get("/w/shop/verbatims", params={"lang": "zh"})
    assert '<option value="picked_up">骑手取餐</option>' in page.text
    assert '<option value="temperature">' in page.text and "deployment" not in page.text
    assert "搜索" in page.text and "共 32 条留言" in page.text


@pytest.mark.parametrize(
    "params",
    [{"score_min": "ten"}, {"score_min": "7", "score_max": "3"}, {"score_max": "11"}, {"sentiment": "furious"},
     {"since": "02/10/2026"}],
)
def test_a_bad_filter_gets_the_form_back(client, database, params):
    shop(database, client)
    page = client.get("/w/shop/verbatims", params={**params, "lang": "en"})
    assert page.status_code == 422
    assert 'role="alert"' in page.text and 'name="q"' in page.text


def test_empty_fields_of_the_form_are_no_filter(client, database):
    shop(database, client)
    page = explore(client, theme="", stage="", score_min="", score_max="", language="", sentiment="", q="",
                   since="", until="", page="")
    assert metric(page.text, "total") == f"{ANSWERS} comments"


def test_what_no_theme_covers_is_grouped_into_topics_with_escaped_examples(client, database):
    handle = shop(database, client)
    extra = io.StringIO()
    d = csv.writer(extra)
    d.writerow(["external_id", "customer_id", "delivered_at"])
    r = io.StringIO()
    a = csv.writer(r)
    a.writerow(["delivery_external_id", "score", "comment", "responded_at"])
    words = ["The VAT number on the invoice email is wrong", "Invoice email shows an old VAT number",
             "VAT number in the invoice email is outdated",
             "发票邮件里没有税号", "发票邮件还是没有税号", "税号没写在发票邮件里"]
    for i, text in enumerate(words):
        d.writerow([f"V-{i}", f"v-{i}", "2026-02-20T12:00:00"])
        a.writerow([f"V-{i}", 3, text, "2026-02-20T13:00:00"])
    with database.write() as session:
        ws = get_workspace(session=session, slug=handle.slug)
        import_deliveries_csv(session=session, workspace=ws, stream=io.StringIO(extra.getvalue()),
                              now=dt.datetime(2026, 3, 2, tzinfo=dt.UTC))
        import_responses_csv(session=session, workspace=ws, stream=io.StringIO(r.getvalue()),
                             now=dt.datetime(2026, 3, 2, tzinfo=dt.UTC))
    page = client.get("/w/shop", params={"lang": "en"}).text
    section = page[page.index('id="topics"'):page.index('id="comments"')]
    topics = re.findall(r'<li class="topic" data-topic="\d+">(.*?)</ul>\s*</li>', section, flags=re.S)
    terms = [re.findall(r'<span class="chip">([^<]*)</span>', topic) for topic in topics]
    assert any({"invoice", "vat"} <= set(t) for t in terms), terms
    assert any("税号" in t or "发票" in t for group in terms for t in group), terms
    # The angry "<script>" answers fit no theme either: shown as text, never as markup.
    assert "<script>alert" not in section and "&lt;script&gt;" in section
    assert 'href="/w/shop/verbatims?q=' in section and "score_max=6" in section
    zh = client.get("/w/shop", params={"lang": "zh-CN"}).text
    assert "差评里没有主题覆盖的话题" in zh and "条留言" in zh


def test_no_topic_without_unhappy_comments_says_so(client, database):
    shop(database, client)
    page = client.get("/w/shop", params={"lang": "en", "since": "2026-02-01", "until": "2026-02-02"}).text
    assert "Every unhappy comment of this period fits a theme" in page
