"""The API docs, ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc), from files inside an installed package.

FastAPI's own pages load Swagger UI and ReDoc from a CDN; Doorstep runs on machines without
internet. The ``fastapi-offline`` package (MIT; it ships Swagger UI, Apache-2.0, and ReDoc,
MIT, as built upstream) carries ``swagger-ui-bundle.js``, ``swagger-ui.css``,
``redoc.standalone.js`` and a favicon: they are served from the package's own folder under
:data:`STATIC_PATH`, and the pages are FastAPI's ``get_swagger_ui_html`` / ``get_redoc_html``
pointed at them. Their Content-Security-Policy
(:func:`doorstep.web.security.docs_content_security_policy`) allows our own origin only.

* Swagger UI is started by the inline script that ``get_swagger_ui_html`` writes; that one
  script is allowed by its SHA-256 hash, in the CSP of that response alone.
  ``validatorUrl`` is off: Swagger UI would otherwise show a badge image fetched from
  validator.swagger.io for any spec not on localhost.
* ReDoc needs no inline script; its search runs in a Web Worker built from a ``blob:`` URL,
  which its page's CSP allows. Its sidebar's "API docs by Redocly" logo is always asked for
  from cdn.redoc.ly by the bundle: the CSP (``img-src 'self' data:``) refuses it in the
  browser, so nothing leaves the machine, and ReDoc hides the image that failed.
* No OAuth2 redirect page: the API takes Bearer keys, no OAuth2 flow.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

from doorstep.web.security import docs_content_security_policy

ASSETS_PACKAGE = "fastapi_offline"  # its static/ folder: swagger-ui-bundle.js, swagger-ui.css, redoc.standalone.js
STATIC_PATH = "/docs-static"
DOCS_URL = "/docs"
REDOC_URL = "/redoc"

# A <script> element without attributes (an inline script, not one with src=…) and its text.
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def inline_script_hashes(html: str) -> list[str]:
    """CSP source expressions (``'sha256-…'``) for each inline ``<script>`` of ``html``."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode("ascii") + "'"
        for body in _INLINE_SCRIPT.findall(html)
    ]


def _with_policy(page: HTMLResponse, *, blob_workers: bool = False) -> HTMLResponse:
    html = bytes(page.body).decode()
    page.headers["Content-Security-Policy"] = docs_content_security_policy(
        inline_script_hashes(html), blob_workers=blob_workers
    )
    return page


def install(app: FastAPI) -> None:
    """Add ``/docs``, ``/redoc`` and their assets under :data:`STATIC_PATH` (build the app with docs_url=None)."""
    app.mount(STATIC_PATH, StaticFiles(packages=[(ASSETS_PACKAGE, "static")]), name="docs-static")

    def base(request: Request) -> str:
        # Behind a proxy that mounts the app under a prefix, as FastAPI's own pages do.
        return str(request.scope.get("root_path", "")).rstrip("/")

    @app.get(DOCS_URL, include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = base(request)
        return _with_policy(
            get_swagger_ui_html(
                openapi_url=f"{root}{app.openapi_url}",
                title=f"{app.title} - Swagger UI",
                swagger_js_url=f"{root}{STATIC_PATH}/swagger-ui-bundle.js",
                swagger_css_url=f"{root}{STATIC_PATH}/swagger-ui.css",
                swagger_favicon_url=f"{root}{STATIC_PATH}/favicon.png",
                swagger_ui_parameters={"validatorUrl": None},
            )
        )

    @app.get(REDOC_URL, include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = base(request)
        return _with_policy(
            get_redoc_html(
                openapi_url=f"{root}{app.openapi_url}",
                title=f"{app.title} - ReDoc",
                redoc_js_url=f"{root}{STATIC_PATH}/redoc.standalone.js",
                redoc_favicon_url=f"{root}{STATIC_PATH}/favicon.png",
                with_google_fonts=False,
            ),
            blob_workers=True,  # its search index runs in a worker
        )
