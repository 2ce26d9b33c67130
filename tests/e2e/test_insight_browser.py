"""The insight page in a real browser: Plotly from the package, no internet, no console errors.

The demo is loaded into its own SQLite file, the app runs under uvicorn on a free
port, and headless Chromium opens /w/food as a manager would: the trend, the stage
funnel, the drivers and the lateness chart must be drawn by Plotly, nothing may be
fetched from another host, and the Chinese page must really be Chinese. Screenshots
(desktop and a 360 px phone, in both languages, and the comments explorer) land in
the test's tmp_path.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.e2e.offline import offline_page
from tests.e2e.signin import add_person, sign_in
from tests.e2e.test_survey_browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE, require_browser, serve

from doorstep.db import Database
from doorstep.demo.loader import load_demo
from doorstep.migrations import upgrade

pytestmark = pytest.mark.browser

CHARTS = ("trend", "funnel", "drivers", "lateness")


def test_a_manager_reads_the_insight_page_offline(tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    url = f"sqlite:///{tmp_path / 'doorstep.db'}"
    db = Database(url)
    try:
        upgrade(db.engine)
        load_demo(db, seed=7, total_deliveries=1500)
    finally:
        db.dispose()
    manager = add_person(url, "food", "exec", "manager")

    with serve(url) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="zh-CN", viewport=DESKTOP,
                                          extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"})

            # The page must work without internet: any request to another host is refused and recorded.
            page, watch = offline_page(context)

            def charts_drawn() -> None:
                for chart in CHARTS:
                    expect(page.locator(f"#chart-{chart}.js-plotly-plot .main-svg").first).to_be_attached()
                    expect(page.locator(f"#chart-{chart}.is-drawn")).to_have_count(1)

            sign_in(page, base, "/w/food", workspace="food", handle=manager)
            expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
            expect(page.get_by_role("heading", name="净推荐值趋势")).to_be_visible()
            charts_drawn()
            # The trend has its band and its line; the funnel has bars; the drivers are bars too.
            assert page.locator("#chart-trend .scatterlayer .trace").count() == 3
            assert page.locator("#chart-funnel .barlayer .point").count() >= 4
            assert page.locator("#chart-drivers .barlayer .point").count() >= 3
            # Stage names in the page's language, on the chart itself.
            expect(page.locator("#chart-funnel .xtick text", has_text="骑手取餐")).to_have_count(1)
            # Once drawn, each chart's table folds away, one click from view.
            assert page.locator("details.numbers[open]").count() == 0
            page.screenshot(path=tmp_path / "insight-zh-desktop.png", full_page=True)

            page.set_viewport_size(PHONE)
            page.reload()
            charts_drawn()
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            page.screenshot(path=tmp_path / "insight-zh-360.png", full_page=True)

            page.set_viewport_size(DESKTOP)
            page.goto(f"{base}/w/food?lang=en&every=month")
            expect(page.locator("html")).to_have_attribute("lang", "en")
            charts_drawn()
            # Plotly's drag layer lies over the bars: hover where the first bar is, as a mouse would.
            page.locator("#chart-drivers").scroll_into_view_if_needed()
            box = page.locator("#chart-drivers .barlayer .point path").first.bounding_box()
            assert box is not None
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            expect(page.locator(".hoverlayer .hovertext")).to_contain_text("points")
            page.screenshot(path=tmp_path / "insight-en-month.png", full_page=True)

            # The explorer: a plain form, Chinese search, escaped text.
            page.goto(f"{base}/w/food/verbatims?lang=zh")
            page.get_by_label("搜索").fill("凉")
            page.get_by_role("button", name="筛选").click()
            expect(page.locator("[data-metric=total]")).to_contain_text("条留言")
            for text in page.locator(".verbatim-text").all_inner_texts():
                assert "凉" in text
            page.screenshot(path=tmp_path / "verbatims-zh.png", full_page=True)
            page.set_viewport_size(PHONE)
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            page.screenshot(path=tmp_path / "verbatims-zh-360.png", full_page=True)
        finally:
            browser.close()

    assert watch.outside == [], f"the page asked for other hosts: {watch.outside}"
    assert watch.failed == [], f"requests failed: {watch.failed}"
    assert watch.errors == [], f"console errors: {watch.errors}"
    print(f"screenshots: {tmp_path}")
