"""A brief's figures are the metrics services' figures, its periods follow the workspace's
clock, an empty period says so, and a stored brief never changes."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select
from tests.briefs.seed import NOTE, SCRIPT, WEEK, answers, seed
from tests.conftest import make_workspace

from doorstep.accounts.services import get_workspace
from doorstep.briefs.models import Brief
from doorstep.briefs.periods import period_containing
from doorstep.briefs.render import render_html, render_markdown
from doorstep.briefs.services import choose_period, make_brief, preview
from doorstep.cases.metrics import loop_metrics
from doorstep.insight.services import driver_report
from doorstep.surveys.metrics import nps_summary
from doorstep.timeutil import zone

BASE = "http://testserver"


def test_the_brief_says_what_the_metrics_services_say(database, workspace, clock) -> None:
    seed(database, "default", clock())
    with database.read() as s:
        ws = get_workspace(session=s, slug="default")
        period = choose_period(ws, "week", now=clock())
        assert (period.start, period.end) == (WEEK.date(), WEEK.date() + dt.timedelta(days=7))
        content, html = preview(session=s, workspace=ws, period=period, now=clock(), base_url=BASE)
        nps = nps_summary(session=s, workspace=ws, since=period.since, until=period.until)
        before = nps_summary(session=s, workspace=ws, since=period.since - dt.timedelta(days=7), until=period.since)
        drivers = driver_report(session=s, workspace=ws, since=period.since, until=period.until)["drivers"]
        loop = loop_metrics(session=s, workspace=ws, now=clock(), since=period.since, until=period.until)

    assert content["schema_version"] == 1 and content["has_data"]
    assert {k: content["nps"][k] for k in nps} == nps
    assert (nps["responses"], nps["detractors"]) == (30, 15)
    assert content["nps"]["previous"]["nps"] == before["nps"] == 60.0
    assert content["nps"]["change"]["delta"] == round(nps["nps"] - before["nps"], 1)
    assert content["nps"]["change"]["significant"] is True  # +60 → −16.7 on these counts is no noise

    # The costliest group is the delivery stage, with the drivers' own figures and its themes.
    [top, *_] = content["groups"]
    stage = next(d for d in drivers if d["kind"] == "stage" and d["key"] == "delivered")
    assert top["stage"]["key"] == "delivered"
    assert top["stage"]["nps_impact"] == stage["nps_impact"] < 0
    themes = {t["key"] for t in top["themes"]}
    assert {"timeliness", "temperature"} <= themes
    for theme in top["themes"]:
        driver = next(d for d in drivers if d["kind"] == "theme" and d["key"] == theme["key"])
        assert theme["nps_impact"] == driver["nps_impact"] and theme["mentions"] == driver["mentions"] == 15
    # The customers' words and the frontline's, side by side; and where it happens.
    # Every unhappy customer of the seed wrote the same words: they are quoted once, not three times.
    assert len(top["verbatims"]) == 1 and all(v["score"] <= 6 for v in top["verbatims"])
    assert [n["text"] for n in top["notes"]] == [NOTE]
    assert top["concentration"]["attribute"] == "team" and top["concentration"]["value"] == "east"

    for key in ("cases_opened", "contacted_within_sla_pct", "breached_now", "recovery_rate"):
        assert content["loop"][key] == loop[key]
    assert content["loop"]["cases_opened"] == 15
    assert content["ops"]["deliveries"] == 30 and content["ops"]["on_time"] == 15
    assert content["ops"]["on_time_rate"] == 50.0
    assert content["ops"]["previous"]["on_time_rate"] == 90.0
    assert "delivered" in {g["key"] for g in content["changes"]["grown_drivers"]}

    # Both languages, from the same content.
    assert 'lang="en"' in html and "Where we lose points" in html
    zh = render_html({**content, "locale": "zh-CN"}, base_url=BASE)
    assert 'lang="zh-CN"' in zh and "失分最多的环节" in zh and "一线说" in zh
    assert "失分最多的环节" in render_markdown({**content, "locale": "zh-CN"}, base_url=BASE)


def test_the_page_is_self_contained_and_escapes_every_user_text(database, clock) -> None:
    make_workspace(database, "esc", name="Bob's <b>Diner</b> & Co", timezone="UTC")
    seed(database, "esc", clock())
    with database.read() as s:
        ws = get_workspace(session=s, slug="esc")
        content, html = preview(session=s, workspace=ws, period=choose_period(ws, "week", now=clock()),
                                now=clock(), base_url=BASE)
    assert "<script" not in html.lower()
    assert SCRIPT not in html and "&lt;script&gt;alert(" in html  # shown as text, in a verbatim and the note
    assert "<b>Diner</b>" not in html and "Bob&#39;s &lt;b&gt;Diner&lt;/b&gt; &amp; Co" in html
    urls = re.findall(r"""(?:https?:)?//[^\s"'<>)]+""", html)
    assert urls and all(u.startswith(BASE + "/") for u in urls), [u for u in urls if not u.startswith(BASE)]
    assert not re.search(r"""\b(?:src|srcset|background)\s*=|<link|<img|<iframe|@import|url\(""", html, re.I)
    assert "<svg" in html  # the charts are drawn in the page itself
    md = render_markdown(content, base_url=BASE)
    assert SCRIPT not in md and "&lt;script&gt;" in md


def test_a_period_without_data_says_so_plainly(database, workspace, clock) -> None:
    seed(database, "default", clock())
    with database.read() as s:
        ws = get_workspace(session=s, slug="default")
        period = choose_period(ws, "month", now=clock(), at=dt.date(2025, 6, 15))
        content, html = preview(session=s, workspace=ws, period=period, now=clock(), base_url=BASE)
    assert (period.start, period.end) == (dt.date(2025, 6, 1), dt.date(2025, 7, 1))
    assert content["has_data"] is False and content["nps"]["nps"] is None and content["groups"] == []
    assert 'id="no-data"' in html
    assert "No customer answered and no delivery was completed in 1 Jun – 30 Jun 2025" in html
    zh = render_html({**content, "locale": "zh-CN"}, base_url=BASE)
    assert "期间没有客户回答" in zh


def test_without_promised_times_the_operations_still_show_the_late_stages(database, workspace, clock) -> None:
    seed(database, "default", clock(), promised=False)
    with database.read() as s:
        ws = get_workspace(session=s, slug="default")
        period = choose_period(ws, "week", now=clock())
        content, html = preview(session=s, workspace=ws, period=period, now=clock(), base_url=BASE)
    ops = content["ops"]
    assert (ops["completed"], ops["deliveries"], ops["on_time_rate"]) == (30, 0, None)
    assert [s["key"] for s in ops["worst_stages"]] and all(s["late"] for s in ops["worst_stages"])
    for text in (html, render_markdown(content, base_url=BASE)):
        assert "30 deliveries completed; none has a promised time, so there is no on-time rate." in text
        assert "No delivery was completed this period." not in text
    zh = render_markdown({**content, "locale": "zh-CN"}, base_url=BASE)
    assert "本期完成 30 单；都没有承诺送达时间" in zh


def test_periods_follow_the_workspaces_timezone(database, clock) -> None:
    """One answer late on Sunday 1 March UTC is Monday morning in Shanghai (next week) and
    Sunday noon in Los Angeles (this week); one late on Sunday 22 February is the other way round."""
    sunday_night = dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC)
    week_before = dt.datetime(2026, 2, 22, 20, 0, tzinfo=dt.UTC)
    for slug, tz in (("sh", "Asia/Shanghai"), ("la", "America/Los_Angeles")):
        make_workspace(database, slug, timezone=tz)
        seed(database, slug, clock(), [(sunday_night, 10, "great"), (week_before, 0, "awful")])
    found = {}
    with database.read() as s:
        for slug in ("sh", "la"):
            ws = get_workspace(session=s, slug=slug)
            period = choose_period(ws, "week", now=clock())
            content, _ = preview(session=s, workspace=ws, period=period, now=clock(), base_url=BASE)
            found[slug] = (period, content)
    sh, la = found["sh"], found["la"]
    assert sh[0].start == la[0].start == dt.date(2026, 2, 23)  # both local Mondays …
    assert sh[0].since == dt.datetime(2026, 2, 22, 16, 0, tzinfo=dt.UTC)  # … at different instants
    assert la[0].since == dt.datetime(2026, 2, 23, 8, 0, tzinfo=dt.UTC)
    assert (sh[1]["nps"]["responses"], sh[1]["nps"]["nps"]) == (1, -100.0)  # the 22 Feb answer
    assert (la[1]["nps"]["responses"], la[1]["nps"]["nps"]) == (1, 100.0)  # the 1 March answer
    assert sh[1]["period"]["since"] == "2026-02-22T16:00:00+00:00"
    # A DST change inside a period (LA, 8 March 2026) still gives seven local days.
    march = period_containing("week", dt.date(2026, 3, 8), zone("America/Los_Angeles"))
    assert (march.until - march.since) == dt.timedelta(days=7, hours=-1)


def test_a_stored_brief_is_a_snapshot(database, workspace, clock) -> None:
    seed(database, "default", clock())
    with database.write() as s:
        ws = get_workspace(session=s, slug="default")
        period = choose_period(ws, "week", now=clock())
        brief, made = make_brief(session=s, workspace=ws, period=period, now=clock(), base_url=BASE)
        first_id, first_content, first_html = brief.id, brief.content, brief.html
    assert made and f"{BASE}/briefs/{first_id}" in first_html
    # Later data about the same week: twenty happy customers more.
    seed(database, "default", clock(), answers(WEEK + dt.timedelta(hours=1), 20, 0, 0), prefix="L")
    with database.write() as s:
        ws = get_workspace(session=s, slug="default")
        again, made_again = make_brief(session=s, workspace=ws, period=period, now=clock(), base_url=BASE)
        fresh, _ = preview(session=s, workspace=ws, period=period, now=clock(), base_url=BASE)
        assert s.scalar(select(func.count()).select_from(Brief)) == 1
    assert not made_again and again.id == first_id
    assert again.content == first_content and again.html == first_html
    assert first_content["nps"]["responses"] == 30 and fresh["nps"]["responses"] == 50
