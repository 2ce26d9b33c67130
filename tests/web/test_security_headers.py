"""Security headers on every kind of response of the real app: page, survey, JSON, static file, errors."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from conftest import FakeClock, WorkspaceHandle, login
from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.db import Database
from doorstep.web.insight import plotly_js
from doorstep.web.security import CONTENT_SECURITY_POLICY, add_security_headers

EVERYWHERE = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}


def directives(csp: str) -> dict[str, list[str]]:
    parts = [p.split() for p in csp.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


@pytest.fixture
def secured(settings: Settings, database: Database, clock: FakeClock) -> Iterator[TestClient]:
    app = create_app(settings, db=database, clock=clock)

    @app.get("/boom", include_in_schema=False)
    def boom() -> None:
        raise RuntimeError("an unexpected failure")

    add_security_headers(app)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def assert_secured(response, *, strict_csp: bool = True) -> None:  # type: ignore[no-untyped-def]
    for name, value in EVERYWHERE.items():
        assert response.headers.get_list(name) == [value], (response.url, name, response.headers.get_list(name))
    # A token page sends no Referer at all; elsewhere only to our own origin (never cross-site).
    token_page = response.url.path.startswith(("/s/", "/o/", "/reset/"))
    expected_referrer = "no-referrer" if token_page else "same-origin"
    assert response.headers.get_list("referrer-policy") == [expected_referrer], response.url
    assert len(response.headers.get_list("content-security-policy")) == 1
    assert len(response.headers.get_list("cache-control")) <= 1
    csp = directives(response.headers["content-security-policy"])
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    if strict_csp:
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def invite(client: TestClient, workspace: WorkspaceHandle, clock: FakeClock) -> str:
    delivered = clock.now - dt.timedelta(minutes=20)
    body = {"external_id": "SEC-1", "customer_id": "c-1", "delivered_at": delivered.isoformat()}
    response = client.post("/api/v1/deliveries", json=body, headers=workspace.headers)
    assert response.status_code == 200, response.text
    [invitation] = response.json()["invitations"]
    return str(invitation["token"])


def test_the_policy_says_what_the_issue_asks() -> None:
    csp = directives(CONTENT_SECURITY_POLICY)
    assert csp == {
        "default-src": ["'self'"],
        "script-src": ["'self'"],  # no 'unsafe-inline', no 'unsafe-eval'
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
    }


def test_pages_and_the_survey(
    secured: TestClient, database: Database, workspace: WorkspaceHandle, clock: FakeClock
) -> None:
    to_login = secured.get("/", follow_redirects=False)
    assert to_login.status_code == 303
    assert_secured(to_login)
    login(secured, database, workspace, "exec")
    dashboard = secured.get("/")
    assert dashboard.status_code == 200 and dashboard.headers["content-type"].startswith("text/html")
    assert_secured(dashboard)
    assert "no-store" not in dashboard.headers.get("cache-control", "")

    insight = secured.get(f"/w/{workspace.slug}")
    assert insight.status_code == 200
    assert_secured(insight)

    token = invite(secured, workspace, clock)
    survey = secured.get(f"/s/{token}")
    assert survey.status_code == 200 and 'name="score"' in survey.text
    assert_secured(survey)
    assert survey.headers["cache-control"] == "no-store"

    answered = secured.post(f"/s/{token}", data={"score": "9", "comment": "fine"})
    assert answered.status_code == 200
    assert_secured(answered)
    assert answered.headers["cache-control"] == "no-store"


def test_json_api_answers_and_api_errors(secured: TestClient, workspace: WorkspaceHandle) -> None:
    ok = secured.get("/api/v1/metrics/nps", headers=workspace.headers)
    assert ok.status_code == 200 and ok.json()["responses"] == 0
    assert_secured(ok)

    refused = secured.get("/api/v1/metrics/nps", headers={"Authorization": "Bearer nope"})
    assert refused.status_code == 401
    assert_secured(refused)

    unknown = secured.get("/api/v1/no-such-thing", headers=workspace.headers)
    assert unknown.status_code == 404
    assert_secured(unknown)

    openapi = secured.get("/openapi.json")
    assert openapi.status_code == 200
    assert_secured(openapi)


def test_static_files_pass_through_whole(secured: TestClient) -> None:
    css = secured.get("/static/style.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert_secured(css)
    assert "no-store" not in css.headers.get("cache-control", "")

    # The 5 MB plotly.min.js: the body is untouched by the middleware.
    plotly = secured.get("/static/vendor/plotly.min.js", headers={"Accept-Encoding": "identity"})
    assert plotly.status_code == 200
    assert plotly.content == plotly_js()
    assert_secured(plotly)
    assert "max-age" in plotly.headers["cache-control"]  # the route's own caching is kept

    missing = secured.get("/static/nope.js")
    assert missing.status_code == 404
    assert_secured(missing)


def test_error_pages(secured: TestClient) -> None:
    unknown_survey = secured.get("/s/this-token-never-existed", headers={"Accept-Language": "en"})
    assert unknown_survey.status_code == 404 and unknown_survey.headers["content-type"].startswith("text/html")
    assert_secured(unknown_survey)
    assert unknown_survey.headers["cache-control"] == "no-store"

    # /o/ links hold tokens too: not cacheable even when the route answers 404.
    open_link = secured.get("/o/some-open-link-token")
    assert_secured(open_link)
    assert open_link.headers["cache-control"] == "no-store"

    no_page = secured.get("/no/such/page")
    assert no_page.status_code == 404
    assert_secured(no_page)

    # An unhandled exception: Starlette's outermost error handler would answer without headers.
    crashed = secured.get("/boom")
    assert crashed.status_code == 500
    assert crashed.text == "Internal Server Error"
    assert_secured(crashed)


class AssetLinks(HTMLParser):
    """Every URL a page loads: <script src>, <link href>, <img src>, <redoc spec-url>; and its inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("src", "href", "spec-url"):
            if found.get(name):
                self.urls.append(str(found[name]))
        self._in_inline_script = tag == "script" and not found.get("src")
        if self._in_inline_script:
            self.inline_scripts.append("")

    def handle_data(self, data: str) -> None:
        if self._in_inline_script:
            self.inline_scripts[-1] += data

    def handle_endtag(self, tag: str) -> None:
        self._in_inline_script = False


def sha256_source(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


JS = ("text/javascript", "application/javascript")


@pytest.mark.parametrize(
    ("page", "assets"),
    [
        ("/docs", {"/docs-static/swagger-ui-bundle.js": JS, "/docs-static/swagger-ui.css": ("text/css",)}),
        ("/redoc", {"/docs-static/redoc.standalone.js": JS}),
    ],
)
def test_the_api_docs_load_only_our_own_files(secured: TestClient, page: str, assets: dict[str, tuple[str]]) -> None:
    docs = secured.get(page)
    assert docs.status_code == 200 and docs.headers["content-type"].startswith("text/html")
    assert_secured(docs, strict_csp=False)
    assert "http" not in docs.text  # no CDN, no Google fonts, no favicon from fastapi.tiangolo.com

    links = AssetLinks()
    links.feed(docs.text)
    # Every URL is a path on our own origin (not "//host/…", not "https://…").
    assert links.urls and all(u.startswith("/") and not u.startswith("//") for u in links.urls), links.urls
    assert set(assets) <= set(links.urls)
    for url in links.urls:
        answer = secured.get(url)
        assert answer.status_code == 200, url
        kind = answer.headers["content-type"].split(";")[0]
        expected = {**assets, "/openapi.json": ("application/json",), "/docs-static/favicon.png": ("image/png",)}
        assert kind in expected[url], (url, kind)
        assert_secured(answer)  # the files themselves get the pages' strict policy
    assert secured.get("/openapi.json").json()["info"]["title"] == "Doorstep"

    # Our own origin only: no host, no 'unsafe-inline' for scripts, no eval.
    csp = directives(docs.headers["content-security-policy"])
    assert not [s for v in csp.values() for s in v if "http" in s or "." in s.strip("'")], csp
    assert csp["default-src"] == ["'self'"] and csp["img-src"] == ["'self'", "data:"]
    assert csp["style-src"] == ["'self'", "'unsafe-inline'"]  # Swagger UI and ReDoc style elements inline
    # Swagger UI's one inline start-up script is allowed by its own hash, and nothing else is.
    assert csp["script-src"] == ["'self'", *(sha256_source(s) for s in links.inline_scripts)]
    if page == "/docs":
        [start_up] = links.inline_scripts
        assert "SwaggerUIBundle(" in start_up
        assert '"validatorUrl": null' in start_up  # no badge image from validator.swagger.io
        assert "worker-src" not in csp
    else:
        assert links.inline_scripts == []
        assert csp["worker-src"] == ["'self'", "blob:"]  # ReDoc's search worker, built by the page itself


def test_only_the_docs_pages_allow_an_inline_script(secured: TestClient) -> None:
    assert secured.get("/docs").headers["content-security-policy"] != CONTENT_SECURITY_POLICY
    # FastAPI's own pages are off: no CDN page at the old OAuth2 redirect path either.
    assert secured.get("/docs/oauth2-redirect").status_code == 404
    for path in ("/docs-static/swagger-ui-bundle.js", "/openapi.json", "/login", "/healthz"):
        assert secured.get(path).headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
    # Only the package's static folder is served, not its Python files.
    assert secured.get("/docs-static/../core.py").status_code == 404
    assert secured.get("/docs-static/core.py").status_code == 404


def test_the_middleware_leaves_websocket_and_lifespan_alone(settings: Settings, database: Database) -> None:
    app: FastAPI = create_app(settings, db=database)
    add_security_headers(app)
    with TestClient(app) as client:  # lifespan runs through the middleware without error
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/healthz").headers["x-frame-options"] == "DENY"
