"""The API docs in a real browser with no internet: /docs (Swagger UI) and /redoc (ReDoc).

The app runs under uvicorn on a free loopback port; headless Chromium may reach that
port only (every other request is aborted and recorded). Swagger UI must draw the
operations from /openapi.json and call the real API with a key ("Try it out"); ReDoc
must draw the same operations. No console error either: a Content-Security-Policy
refusal (of the inline start-up script, a worker, an image) shows up there.
Screenshots land in the test's tmp_path.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from tests.e2e.offline import offline_page
from tests.e2e.test_survey_browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP, make_database, require_browser, serve

pytestmark = pytest.mark.browser


def test_the_api_docs_work_offline(tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    url = f"sqlite:///{tmp_path / 'doorstep.db'}"
    secret = make_database(url)

    with serve(url) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="en-US", viewport=DESKTOP)

            page, watch = offline_page(context)
            page.goto(f"{base}/docs")
            expect(page.locator(".swagger-ui .info .title")).to_contain_text("Doorstep")
            nps = page.locator(".opblock", has=page.locator(".opblock-summary-path", has_text="/api/v1/metrics/nps"))
            expect(nps).to_have_count(1)
            assert page.locator(".opblock").count() >= 40  # every operation of the API, not a few

            # "Try it out" against the real API, with a workspace key typed into "Authorize".
            page.locator(".auth-wrapper .authorize").click()
            page.locator(".modal-ux input").fill(secret)
            page.locator(".modal-ux .auth-btn-wrapper .authorize").click()
            page.locator(".modal-ux .btn-done").click()
            nps.locator(".opblock-summary").click()
            nps.get_by_role("button", name="Try it out").click()
            nps.get_by_role("button", name="Execute").click()
            expect(nps.locator(".live-responses-table tr.response .response-col_status")).to_have_text("200")
            expect(nps.locator(".live-responses-table")).to_contain_text('"responses": 0')
            page.screenshot(path=tmp_path / "docs-swagger.png", full_page=False)

            assert watch.errors == [] and watch.failed == [], (watch.errors, watch.failed)

            page.goto(f"{base}/redoc")
            expect(page.locator(".api-info h1")).to_contain_text("Doorstep")
            expect(page.get_by_role("heading", name="/api/v1/metrics/nps").or_(
                page.locator("[data-section-id]").first)).not_to_have_count(0)
            assert page.locator("[data-section-id^='tag/']").count() >= 5
            # The search runs in ReDoc's worker (a blob: URL its CSP allows).
            page.get_by_placeholder("Search...").fill("nps")
            results = page.get_by_role("search").get_by_role("menuitem")
            expect(results.filter(has_text="NPS by week or month")).to_have_count(1)
            page.screenshot(path=tmp_path / "docs-redoc.png", full_page=False)
        finally:
            browser.close()

    assert watch.outside == [], f"the docs asked for other hosts: {watch.outside}"
    # ReDoc's bundle always asks for its "by Redocly" logo from its CDN; our CSP refuses it in
    # the browser (it never reached the network: `outside` is empty) and ReDoc hides the image.
    logo = "https://cdn.redoc.ly/redoc/logo-mini.svg"
    assert watch.failed in ([], [logo]), f"requests failed: {watch.failed}"
    unexpected = [e for e in watch.errors if not (logo in e and "img-src 'self' data:" in e)]
    assert unexpected == [], f"console errors: {watch.errors}"
    # The assets really came from our own path, not from a cache or another route.
    paths = {urlsplit(u).path for u in watch.requested}
    assert {"/docs-static/swagger-ui-bundle.js", "/docs-static/swagger-ui.css",
            "/docs-static/redoc.standalone.js", "/openapi.json"} <= paths
