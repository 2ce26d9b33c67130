"""One customer, one real browser, one real server: the survey from the link to the count.

The app runs under uvicorn on a free port against its own SQLite file; headless
Chromium opens the link an integration got back from the API, answers in Chinese
and submits. Screenshots (desktop and a 360×740 phone) land in the test's tmp_path.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from tests.e2e.signin import add_person, sign_in

from doorstep.accounts.services import create_api_key, create_workspace, get_workspace
from doorstep.api.app import create_app
from doorstep.cases.services import list_cases
from doorstep.config import Settings
from doorstep.db import Database, utcnow
from doorstep.deliveries.services import add_stage
from doorstep.migrations import upgrade
from doorstep.surveys.metrics import nps_by

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ON_CI = os.environ.get("CI", "").lower() == "true"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 860}
COMMENT = "汤洒了，饭也凉了"


def require_browser() -> None:
    reason = None
    if not CHROMIUM.exists():
        reason = f"browser test skipped: no Chromium at {CHROMIUM} (install the chromium package)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "browser test skipped: Playwright for Python is not installed (pip install -e '.[test]')"
    if reason:
        if ON_CI:
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)


@contextmanager
def serve(database_url: str) -> Iterator[str]:
    """Run the real app under uvicorn in a thread on a free loopback port; yields its base URL.

    The socket is bound before the server starts, so there is no port race.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = create_app(Settings(database_url=database_url, base_url=base))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", http="h11", ws="none", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


def doorstep_cli() -> str:
    """The ``doorstep`` script installed next to this Python (the venv's), else the one on PATH."""
    beside = Path(sys.executable).with_name("doorstep")
    found = str(beside) if beside.exists() else shutil.which("doorstep")
    assert found, "the doorstep command is not installed: pip install -e ."
    return found


def make_database(url: str) -> str:
    """A fresh database with one Chinese restaurant, its journey and an API key."""
    db = Database(url)
    try:
        upgrade(db.engine)
        with db.write() as session:
            shop = create_workspace(session=session, slug="laowang", name="老王面馆",
                                    timezone="Asia/Shanghai", locale="zh-CN")
            for key, name, name_zh in [("cooked", "Cooked", "出餐"), ("picked_up", "Picked up", "骑手取餐"),
                                       ("delivered", "Delivered", "送达")]:
                add_stage(session=session, workspace=shop, key=key, name=name, name_zh=name_zh)
            _key, secret = create_api_key(session=session, workspace=shop)
    finally:
        db.dispose()
    return secret


def test_a_chinese_customer_answers_in_a_real_browser(tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    url = f"sqlite:///{tmp_path / 'doorstep.db'}"
    secret = make_database(url)

    with serve(url) as base:
        # The order is handed over; the integration gets the survey link back.
        delivered = utcnow() - dt.timedelta(minutes=20)
        created = httpx.post(f"{base}/api/v1/deliveries", headers={"Authorization": f"Bearer {secret}"}, json={
            "external_id": "F-20260302-0042", "customer_id": "c-8", "customer_name": "王女士",
            "customer_locale": "zh-CN", "delivered_at": delivered.isoformat(),
            "stages": {"cooked": (delivered - dt.timedelta(minutes=35)).isoformat(),
                       "picked_up": (delivered - dt.timedelta(minutes=25)).isoformat()},
        })
        assert created.status_code == 200, created.text
        [invitation] = created.json()["invitations"]
        assert invitation["url"].startswith(f"{base}/s/")

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                context = browser.new_context(locale="zh-CN", viewport=DESKTOP,
                                              extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"})
                page = context.new_page()
                page.set_default_timeout(15_000)

                page.goto(invitation["url"])
                expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
                expect(page.locator("legend").first).to_have_text("您有多大可能向朋友推荐老王面馆？")
                page.screenshot(path=tmp_path / "survey-desktop.png", full_page=True)
                page.set_viewport_size(PHONE)
                page.screenshot(path=tmp_path / "survey-360.png", full_page=True)
                # Nothing may stick out sideways on a small phone.
                assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

                page.locator("label.scale-option").nth(3).click()
                expect(page.get_by_role("radio", name="3", exact=True)).to_be_checked()
                page.get_by_label("您给出这个分数的主要原因是什么？").fill(COMMENT)
                page.get_by_label("骑手取餐").check()
                page.screenshot(path=tmp_path / "survey-filled-360.png", full_page=True)
                page.get_by_role("button", name="提交").click()

                expect(page.get_by_role("heading", name="谢谢您！")).to_be_visible()
                expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
                expect(page.locator(".follow-up")).to_contain_text("老王面馆的工作人员会尽快与您联系")
                expect(page.locator("blockquote")).to_have_text(COMMENT)
                page.screenshot(path=tmp_path / "thanks-360.png", full_page=True)

                page.set_viewport_size(DESKTOP)
                sign_in(page, base, "/", workspace="laowang",
                        handle=add_person(url, "laowang", "exec", "exec-zhao"))
                expect(page.locator("[data-metric=nps]")).to_have_text("-100.0")
                expect(page.locator("[data-metric=open_cases]")).to_have_text("1")
                page.screenshot(path=tmp_path / "dashboard-desktop.png", full_page=True)
            finally:
                browser.close()

    # Counted, as an operator would check it: the CLI's JSON contract (DESIGN.md).
    cli = subprocess.run([doorstep_cli(), "nps", "--json", "--db", url, "--workspace", "laowang"],
                         capture_output=True, text=True, timeout=120, check=False)
    assert cli.returncode == 0, cli.stderr
    summary = json.loads(cli.stdout)
    assert (summary["responses"], summary["detractors"], summary["nps"]) == (1, 1, -100.0)
    # Attributed to the stage the customer picked, and followed up with a case holding their words.
    db = Database(url)
    try:
        with db.read() as session:
            shop = get_workspace(session=session, slug="laowang")
            stages = nps_by(session=session, workspace=shop, by="stage")
            cases = list_cases(session=session, workspace=shop)
    finally:
        db.dispose()
    assert [g["key"] for g in stages["groups"]] == ["picked_up"]
    assert [(c["score"], c["comment"], c["delivery_external_id"]) for c in cases.cases] == [
        (3, COMMENT, "F-20260302-0042")]
    print(f"screenshots: {tmp_path}")
