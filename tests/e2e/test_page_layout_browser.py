"""Layout a person sees, in a real browser, on a business that is not the demo.

Two things the walk of every page found: on the insight page the "what no theme covers"
panel sat flush on the comments panel below it (no gap, a smaller padding); on the jobs
page at phone width a job's kind, a dotted code, was broken to a few letters a line in
a squeezed column. Both are drawn by CSS, so only a browser can see them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from tests.briefs.seed import seed
from tests.conftest import make_workspace
from tests.e2e.signin import add_person, sign_in
from tests.e2e.test_survey_browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE, require_browser, serve

from doorstep.accounts.services import get_workspace
from doorstep.db import Database
from doorstep.jobs.services import enqueue
from doorstep.migrations import upgrade

pytestmark = pytest.mark.browser

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'doorstep.db'}"
    db = Database(url)
    try:
        upgrade(db.engine)
        make_workspace(db, "shop", name="Corner Shop", timezone="Asia/Shanghai", locale="zh-CN")
        seed(db, "shop", NOW)
        with db.write() as s:
            ws_id = get_workspace(session=s, slug="shop").id
            for i in range(12):
                enqueue(s, kind="notify.case_escalated", payload={}, run_at=NOW, workspace_id=ws_id,
                        dedupe_key=f"e{i}")
    finally:
        db.dispose()
    return url


def test_panels_keep_their_gap_and_job_kinds_stay_whole_on_a_phone(tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    url = _database(tmp_path)
    boss = add_person(url, "shop", "admin", "boss")
    with serve(url) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="zh-CN", viewport=DESKTOP,
                                          extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"})
            page = context.new_page()
            sign_in(page, base, "/w/shop", workspace="shop", handle=boss)
            expect(page.locator("#topics")).to_be_visible()
            topics, comments = page.locator("#topics").bounding_box(), page.locator("#comments").bounding_box()
            assert topics and comments
            assert comments["y"] - (topics["y"] + topics["height"]) >= 12, (topics, comments)
            page.screenshot(path=tmp_path / "insight-zh.png", full_page=True)

            page.set_viewport_size(PHONE)
            page.goto(f"{base}/admin/jobs")
            expect(page.get_by_role("heading", name="按类型")).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            codes = page.locator("#due-next .job-kind-code")
            expect(codes.first).to_be_visible()
            line = float(codes.first.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
            for i in range(codes.count()):
                box = codes.nth(i).bounding_box()
                assert box and box["height"] < 1.5 * line, (codes.nth(i).inner_text(), box)  # one line
            names = page.locator("#due-next .job-kind").all_inner_texts()
            assert names and set(names) <= {"通知工单升级", "发送调查邀请"}, names
            page.screenshot(path=tmp_path / "jobs-zh-360.png", full_page=True)
        finally:
            browser.close()
