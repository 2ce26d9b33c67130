"""A rider files a note with a photo on a phone; a CS person answers it; the rider sees the answer.

The app runs under uvicorn on a free port against its own SQLite file; headless Chromium
at a phone's size (390×844) fills the real forms, the photo going through the file input
as the camera would hand it over. Screenshots land in the test's tmp_path.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.e2e.signin import add_person, sign_in
from tests.e2e.test_survey_browser import CHROMIUM, CHROMIUM_ARGS, make_database, require_browser, serve
from tests.frontline.helpers import image

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
NOTE = "骑手取餐要排队二十分钟 <b>汤都凉了</b>"
REPLY = "Spoke to the kitchen: a pick-up shelf from Monday."


def test_a_rider_files_a_note_and_sees_the_answer(tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    url = f"sqlite:///{tmp_path / 'doorstep.db'}"
    make_database(url)  # 老王面馆, zh-CN, stages cooked / picked_up / delivered
    rider = add_person(url, "laowang", "frontline", "rider-wang")
    cs = add_person(url, "laowang", "cs", "cs-li")
    photo = tmp_path / "IMG_0042.jpg"
    photo.write_bytes(image("PNG", (40, 30)))  # a PNG named .jpg, as phones sometimes do

    with serve(url) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            phone = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True,
                                        extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"})
            page = phone.new_page()
            page.set_default_timeout(15_000)
            sign_in(page, base, "/notes", workspace="laowang", handle=rider)
            expect(page.locator("h1")).to_have_text("一线反馈")
            page.locator("#note-text").fill(NOTE)
            page.locator("#note-stage").select_option(label="骑手取餐")
            page.locator("#note-photo").set_input_files(str(photo))
            page.locator("button.note-submit").click()
            expect(page.locator("#notes-filed")).to_have_text("已提交，谢谢！")
            card = page.locator(".note-card").first
            expect(card.locator(".note-text")).to_have_text(NOTE)  # as text, not markup
            expect(card.locator("[data-field=status]")).to_have_text("新反馈")
            img = card.locator("img.note-photo-img")
            expect(img).to_be_visible()
            img.scroll_into_view_if_needed()
            page.wait_for_function("img => img.complete && img.naturalWidth === 40", arg=img.element_handle())
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            page.screenshot(path=tmp_path / "notes-rider-390.png", full_page=True)

            desk = browser.new_context(locale="en-US", viewport=PHONE)
            agent = desk.new_page()
            agent.set_default_timeout(15_000)
            sign_in(agent, base, "/notes", workspace="laowang", handle=cs)
            # The top bar on a phone: brand, who and language on one row, every link on the next,
            # none wrapped (the links' row scrolls sideways if it has to).
            bar = agent.evaluate("""() => {
                const top = el => Math.round(el.getBoundingClientRect().top);
                const links = [...document.querySelectorAll('.topnav-link')];
                return {links: links.map(a => a.textContent.trim()), rows: [...new Set(links.map(top))].length,
                        tall: links.some(a => a.getBoundingClientRect().height > 48),
                        first: [top(document.querySelector('.brand')), top(document.querySelector('.lang-switch'))],
                        below: links.every(a => top(a) > top(document.querySelector('.brand'))),
                        height: document.querySelector('.topbar').getBoundingClientRect().height}; }""")
            assert bar["links"] == ["Overview", "Case inbox", "Alerts", "Notes", "Briefs"], bar
            assert bar["rows"] == 1 and not bar["tall"] and bar["below"] and bar["height"] < 100, bar
            assert abs(bar["first"][0] - bar["first"][1]) < 20, bar  # the language switch beside the brand
            assert agent.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            mine = agent.locator(".note-card").first
            expect(mine.locator(".note-text")).to_have_text(NOTE)
            mine.locator("summary").click()
            mine.get_by_label("Reply to the author").fill(REPLY)
            mine.get_by_role("button", name="Mark heard").click()
            expect(agent.locator(".note-card").first.locator("[data-field=status]")).to_have_text("Heard")

            page.reload()
            expect(page.locator("#notes-filed")).to_have_count(0)  # said once, not on every reload
            card = page.locator(".note-card").first
            expect(card.locator("[data-field=status]")).to_have_text("已收到")
            expect(card.locator("[data-field=reply]")).to_contain_text("cs-li 的回复")
            expect(card.locator(".note-reply-text")).to_have_text(REPLY)
            page.screenshot(path=tmp_path / "notes-answered-390.png", full_page=True)
        finally:
            browser.close()
    print(f"screenshots: {tmp_path}")


def test_correct_take_back_and_delete_without_javascript(tmp_path: Path) -> None:
    """JavaScript off: the +1 toggle, the author's correction and the deletion's confirmation
    are plain forms, and work as such on a phone."""
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    url = f"sqlite:///{tmp_path / 'doorstep.db'}"
    make_database(url)
    rider = add_person(url, "laowang", "frontline", "rider-wang")
    colleague = add_person(url, "laowang", "frontline", "rider-li")
    with serve(url) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            phone = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True,
                                        java_script_enabled=False,
                                        extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"})
            page = phone.new_page()
            page.set_default_timeout(15_000)
            sign_in(page, base, "/notes", workspace="laowang", handle=rider)
            page.locator("#note-text").fill("汤洒了")
            page.locator("button.note-submit").click()
            card = page.locator(".note-card").first
            card.locator(".note-edit summary").click()
            card.locator(".note-edit textarea").fill(NOTE)
            card.locator(".note-edit").get_by_role("button", name="保存修改").click()
            card = page.locator(".note-card").first
            expect(card.locator(".note-text")).to_have_text(NOTE)
            expect(card.locator("[data-field=edited]")).to_contain_text("已修改")

            other = browser.new_context(locale="en-US", viewport=PHONE, java_script_enabled=False)
            mate = other.new_page()
            mate.set_default_timeout(15_000)
            sign_in(mate, base, "/notes", workspace="laowang", handle=colleague)
            theirs = mate.locator(".note-card").first
            expect(theirs.locator(".note-edit")).to_have_count(0)  # not their note
            theirs.locator(".note-vote-btn").click()
            button = mate.locator(".note-card").first.locator(".note-vote-btn")
            expect(button).to_have_attribute("aria-pressed", "true")
            expect(button.locator("[data-field=votes]")).to_have_text("1")
            button.click()  # pressed: taken back
            button = mate.locator(".note-card").first.locator(".note-vote-btn")
            expect(button).to_have_attribute("aria-pressed", "false")
            expect(button.locator("[data-field=votes]")).to_have_text("0")

            page.locator(".note-card").first.locator(".note-delete-link").click()
            expect(page.locator("h1")).to_have_text("删除这条反馈？")
            expect(page.locator("#note-delete .note-text")).to_have_text(NOTE)
            page.screenshot(path=tmp_path / "notes-delete-390.png", full_page=True)
            page.locator("#note-delete-confirm").click()
            expect(page.locator("#notes-deleted")).to_have_text("反馈已删除。")
            expect(page.locator(".note-card")).to_have_count(0)
        finally:
            browser.close()
    print(f"screenshots: {tmp_path}")
