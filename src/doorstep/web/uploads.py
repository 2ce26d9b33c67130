"""A bound on photo uploads, before a byte of them is read.

The form parser spools a file part to disk as it arrives, whatever its size; the
service's own check (doorstep.frontline.photos.read_photo) comes after that. So the two
routes that take a photo (the /notes page's form and ``POST /api/v1/notes/{id}/photos``)
are guarded here: a declared ``Content-Length`` past the limit is refused at once with a
413 that says why, and a chunked upload, whose size nobody knows in advance, is refused
with 411 (browsers and HTTP clients send the length of a form they built; the server
then delivers no more than that many bytes).

A pure ASGI middleware, like doorstep.web.security: every other request passes untouched.
"""

from __future__ import annotations

import re

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from doorstep.api.responses import ErrorResponse
from doorstep.frontline.photos import PHOTO_LIMIT, too_large

UPLOAD_PATHS = re.compile(r"^/(?:api/v1/notes/[^/]+/photos|notes)$")
SLACK = 1_000_000  # the form's other fields (a note is ≤ 2,000 characters) and the multipart framing
# A browser still sending its upload when the answer comes shows "connection reset", not the
# answer: so a refused upload is read and dropped (nothing kept) up to this much, then cut off.
DRAIN = 100_000_000


class UploadLimit:
    """Refuse a photo upload that is too large (413) or of unknown length (411) up front."""

    def __init__(self, app: ASGIApp, *, limit: int = PHOTO_LIMIT + SLACK) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not UPLOAD_PATHS.match(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        if length is None and "chunked" in headers.get("transfer-encoding", "").lower():
            await _refuse(scope, receive, send, 411, "LengthRequired",
                          "an upload needs a Content-Length header (a chunked upload is not taken)")
            return
        if length is not None and length.strip().isdigit() and int(length) > self.limit:
            refused = too_large(int(length))
            await _refuse(scope, receive, send, refused.http_status, type(refused).__name__, str(refused))
            return
        await self.app(scope, receive, send)


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, kind: str, message: str) -> None:
    response: Response
    if scope["path"].startswith("/api/"):
        response = ErrorResponse({"error": {"type": kind, "message": message}}, status_code=status)
    else:
        # A person on a phone: the notes page's words, in their language, and a way back.
        from doorstep.web.i18n import negotiate
        from doorstep.web.pages import _render as render

        request = Request(scope, receive)
        lang = negotiate(request.headers.get("accept-language"), request.query_params.get("lang"), "en")
        response = render(request, "notes_refused.html", lang, status=status, private=True,
                          reason="size" if status == 413 else "length")
    await _drain(receive)
    response.headers["Connection"] = "close"
    await response(scope, receive, send)


async def _drain(receive: Receive) -> None:
    seen = 0
    while seen < DRAIN:
        message = await receive()
        if message["type"] != "http.request":
            return
        seen += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def install(app: Starlette) -> None:
    app.add_middleware(UploadLimit)
