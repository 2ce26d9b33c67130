"""The executive brief of the demo, as a CEO would get it: `doorstep brief --period week
--format html` writes one self-contained page; headless Chromium opens it from a file with
every network request refused, and the planted problems of the demo are there with the
frontline's notes on them. Screenshots land in the test's tmp_path (and one copy in
/work/notes/brief.png when that folder exists, for people to look at).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from tests.conftest import run_cli
from tests.e2e.test_survey_browser import CHROMIUM, CHROMIUM_ARGS, require_browser

from doorstep.db import Database
from doorstep.demo import food, saas
from doorstep.demo.loader import load_demo
from doorstep.migrations import upgrade

pytestmark = pytest.mark.browser

NOTES_COPY = Path("/work/notes")
# What each planted problem looks like in the brief: its stage or theme, where it lives,
# and the words of the frontline person who sees it (demo/notes.py).
FOOD_EXPECTED = {
    ("stage", "delivered"): ("已送达", "region east", "东区这两个月骑手明显不够"),
    ("theme", "spillage"): ("洒漏", "team-3", "我们三队的餐箱没有固定汤碗的隔板"),
    ("stage", "prepared"): ("出餐", "饺子快送·五棵松店", "五棵松店出餐太慢了"),
}
SAAS_EXPECTED = {
    ("stage", "training"): ("Training", "Fleet Insights", "Fleet Insights training material is outdated"),
    ("theme", "support_response"): ("Support response", "starter", "Starter plan tickets wait three to four days"),
}


# The demo's history is anchored here and the briefs are of the periods before it, so the
# week under test holds the same sample whenever the test runs.
ANCHOR = dt.datetime(2026, 11, 27, 1, 0, tzinfo=dt.UTC)
LAST_WEEK, LAST_MONTH = "2026-11-18", "2026-10-15"


def brief_cli(url: str, workspace: str, period: str, out: Path) -> None:
    """`doorstep brief … --format html --out …` through the real Typer app, in this process."""
    at = LAST_WEEK if period == "week" else LAST_MONTH
    done = run_cli("--db", url, "--workspace", workspace, "brief", "--period", period, "--at", at,
                   "--format", "html", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 10_000


def test_the_demo_brief_is_a_page_to_forward_to_the_ceo(tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    url = f"sqlite:///{tmp_path / 'doorstep.db'}"
    db = Database(url)
    try:
        upgrade(db.engine)
        load_demo(db, seed=7, total_deliveries=20_000, now=ANCHOR)
    finally:
        db.dispose()
    # Every planted problem is covered by this test's expectations.
    assert {(p.kind, p.key) for p in food.PROBLEMS} == set(FOOD_EXPECTED)
    assert {(p.kind, p.key) for p in saas.PROBLEMS} == set(SAAS_EXPECTED)

    food_page, saas_page = tmp_path / "brief-food-week.html", tmp_path / "brief-saas-month.html"
    brief_cli(url, "food", "week", food_page)
    brief_cli(url, "saas", "month", saas_page)  # onboardings are few: a month says more than a week

    requests: list[str] = []
    shots: list[Path] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 760, "height": 1000}, java_script_enabled=False)

            def refuse(route) -> None:  # type: ignore[no-untyped-def]
                if not route.request.url.startswith("file://"):
                    requests.append(route.request.url)
                route.abort() if not route.request.url.startswith("file://") else route.continue_()

            context.route("**/*", refuse)
            page = context.new_page()
            for path, lang, expected, heading in (
                (food_page, "zh-CN", FOOD_EXPECTED, "失分最多的环节"),
                (saas_page, "en", SAAS_EXPECTED, "Where we lose points"),
            ):
                page.goto(path.as_uri())
                shot = tmp_path / f"{path.stem}.png"
                page.screenshot(path=str(shot), full_page=True)
                shots.append(shot)
                expect(page.locator("html")).to_have_attribute("lang", lang)
                expect(page.get_by_role("heading", name=heading)).to_be_visible()
                assert page.locator("svg").count() >= 2, f"charts missing; see {shot}"
                groups = page.locator(".driver-group")
                assert 1 <= groups.count() <= 3, f"see {shot}"
                text = page.locator("body").inner_text()
                for (kind, key), (name, where, note) in expected.items():
                    assert name in text, f"{kind} {key} ({name}) is not in the brief; see {shot}"
                    assert where in text, f"{kind} {key}: where it happens ({where}) is not said; see {shot}"
                    # The frontline's note sits beside the customers' words, in a driver group.
                    holder = groups.filter(has=page.locator(".note", has_text=note))
                    assert holder.count() >= 1, f"the note on {key} ('{note}') is not beside it; see {shot}"
                # Customers' words are there too.
                assert page.locator(".driver-group .verbatim").count() >= 3, f"see {shot}"
        finally:
            browser.close()
    assert requests == [], f"the page asked the network for {requests}"
    if NOTES_COPY.is_dir():
        shutil.copy(shots[0], NOTES_COPY / "brief.png")
        shutil.copy(shots[1], NOTES_COPY / "brief-saas.png")
