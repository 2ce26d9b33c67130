"""A CS person works a case in a real browser: inbox → case → contacted → resolved → re-survey scheduled.

The app runs under uvicorn on a free port against its own SQLite file (with its
background scheduler on, as `doorstep serve` runs it); headless Chromium clicks
the forms. Screenshots (desktop and a 360×740 phone) land in the test's tmp_path.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import pytest
from tests.e2e.signin import add_person, sign_in
from tests.e2e.test_survey_browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE, require_browser, serve

from doorstep.accounts.services import create_api_key, create_workspace
from doorstep.db import Database, utcnow
from doorstep.deliveries.services import add_stage
from doorstep.migrations import upgrade

pytestmark = pytest.mark.browser
COMMENT = "<i>soup</i> spilled, 汤洒了"


def make_database(url: str) -> str:
    db = Database(url)
    try:
        upgrade(db.engine)
        with db.write() as session:
            shop = create_workspace(session=session, slug="laowang", name="Lao Wang Noodles",
                                    timezone="Asia/Shanghai", locale="en")
            stages = [("cooked", "Cooked", "出餐", None), ("picked_up", "Picked up", "骑手取餐", 10),
                      ("delivered", "Delivered", "送达", 20)]
            for key, name, name_zh, target in stages:
                add_stage(session=session, workspace=shop, key=key, name=name, name_zh=name_zh, target_minutes=target)
            _key, secret = create_api_key(session=session, workspace=shop)
    finally:
        db.dispose()
    return secret


def test_a_cs_person_contacts_and_resolves_a_case(tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    url = f"sqlite:///{tmp_path / 'doorstep.db'}"
    secret = make_database(url)
    cs = add_person(url, "laowang", "cs", "cs-li")

    with serve(url) as base:
        delivered = utcnow() - dt.timedelta(minutes=20)
        created = httpx.post(f"{base}/api/v1/deliveries", headers={"Authorization": f"Bearer {secret}"}, json={
            "external_id": "F-0042", "customer_id": "c-8", "customer_name": "Ms Wang", "delivered_at":
            delivered.isoformat(), "stages": {"cooked": (delivered - dt.timedelta(minutes=45)).isoformat(),
                                              "picked_up": (delivered - dt.timedelta(minutes=25)).isoformat()},
        })
        assert created.status_code == 200, created.text
        [invitation] = created.json()["invitations"]
        answered = httpx.post(invitation["url"], data={"score": "2", "comment": COMMENT, "stage": "picked_up"})
        assert answered.status_code == 200

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                context = browser.new_context(locale="en-US", viewport=DESKTOP)
                page = context.new_page()
                page.set_default_timeout(15_000)
                sign_in(page, base, "/inbox", workspace="laowang", handle=cs)
                expect(page.locator("h1")).to_contain_text("Case inbox")
                item = page.locator(".case-item")
                expect(item).to_have_count(1)
                expect(item).to_contain_text(COMMENT)  # shown as text, not as markup
                expect(page.locator(".list-count")).to_have_text("1 case")  # not "1 cases"
                expect(page.locator(".tz-note")).to_have_text("Times are in Asia/Shanghai.")  # deadlines are local
                page.screenshot(path=tmp_path / "inbox-desktop.png", full_page=True)

                item.locator("a").click()
                expect(page.locator("[data-field=status]")).to_have_text("Open")
                expect(page.locator(".case-quote")).to_have_text(COMMENT)
                expect(page.locator("tr.is-late")).to_contain_text("Picked up")  # 20 min against a 10 min target
                page.get_by_label("Note for the timeline").fill("Called Ms Wang, apologised")
                page.get_by_role("button", name="Mark contacted").click()
                expect(page.locator("[data-field=status]")).to_have_text("Contacted")
                expect(page.locator(".timeline")).to_contain_text("Called Ms Wang, apologised")
                expect(page.locator(".timeline")).to_contain_text(cs)  # the move is signed with who made it

                page.get_by_label("What was done").fill("Refunded the soup, voucher for next order")
                page.get_by_role("button", name="Mark resolved").click()
                expect(page.locator("[data-field=status]")).to_have_text("Resolved")
                expect(page.locator("[data-section=resurvey]")).to_contain_text("Re-survey scheduled for")
                page.screenshot(path=tmp_path / "case-desktop.png", full_page=True)

                page.set_viewport_size(PHONE)
                page.screenshot(path=tmp_path / "case-360.png", full_page=True)
                assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
                page.goto(f"{base}/inbox?lang=zh")
                expect(page.locator("h1")).to_contain_text("工单收件箱")
                expect(page.locator(".case-item .chip-status")).to_have_text("已解决")
                assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
                expect(page.locator(".list-count")).to_have_text("共 1 个工单")
                expect(page.locator(".tz-note")).to_contain_text("Asia/Shanghai")
                page.screenshot(path=tmp_path / "inbox-zh-360.png", full_page=True)

                # The overview carries the same navigation as every other signed-in page.
                page.goto(f"{base}/?lang=zh")
                expect(page.locator(".topnav a[aria-current=page]")).to_have_text("总览")
                expect(page.locator(".topnav a[href^='/inbox']")).to_have_text("工单")
                assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
                # A mistyped address, or a case id that is not a number: a page in the reader's language, not JSON.
                for path, status in (("/no-such-page", 404), ("/cases/abc", 422)):
                    response = page.goto(f"{base}{path}?lang=zh")
                    assert response is not None and response.status == status
                    expect(page.locator("h1")).to_have_text("找不到此页面")
                    expect(page.get_by_role("link", name="前往总览")).to_be_visible()
                    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            finally:
                browser.close()

        detail = httpx.get(f"{base}/api/v1/cases/1", headers={"Authorization": f"Bearer {secret}"}).json()
        assert detail["status"] == "resolved" and detail["resurvey"]["status"] == "pending"
        assert [e["actor"] for e in detail["timeline"]] == ["doorstep", cs, cs]  # signed with who moved it
    print(f"screenshots: {tmp_path}")
