"""The error answers of the JSON API, as the OpenAPI document declares them, and how
they are sent.

Every deliberate error (doorstep.errors) answers ``{"error": {"type", "message", …}}``
(api/app.py). Declaring each status a route can answer lets a client, and the fuzzer in
tests/core/test_fuzz_api.py, check every answer against the document.
"""

from __future__ import annotations

import json
import math
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field


class ProblemPublic(BaseModel):
    line: int | None
    field: str | None
    message: str


class ErrorDetail(BaseModel):
    type: str = Field(description="The kind of error: NotFound, Conflict, InvalidInput, AuthError, Forbidden, …")
    message: str = Field(description="What went wrong, for a person.")
    problems: list[ProblemPublic] | None = Field(
        None, description="With every 422: each bad field (and line of a batch or file), named by its path."
    )
    case: dict[str, Any] | None = Field(None, description="A refused case move: the case's current state.")


class ErrorBody(BaseModel):
    error: ErrorDetail


def error(description: str) -> dict[str, Any]:
    """One declared error answer with the common body."""
    return {"model": ErrorBody, "description": description}


# Every route behind an API key (or a browser session) may answer these.
AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: error("No credentials, or an unknown or revoked API key."),
    403: error("The caller's role may not do this."),
}


BAD_BODY: dict[str, Any] = {
    "description": "The body could not be read at all (not UTF-8); FastAPI's own answer.",
    "content": {"application/json": {"schema": {
        "type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"],
    }}},
}


def declare_bad_body(router: APIRouter) -> None:
    """Declare on each route with a JSON body what FastAPI answers before our code runs when
    it cannot decode the body at all: 400 (a body that is not JSON is a 422)."""
    for route in router.routes:
        if isinstance(route, APIRoute) and route.body_field is not None:
            route.responses.setdefault(400, BAD_BODY)


class ErrorResponse(JSONResponse):
    """A JSON error answer that can always be sent. An error may echo what the client sent,
    and Python's JSON parser takes what JSON output cannot hold: a lone surrogate
    ("\\ud800", which UTF-8 cannot encode) or 1e400 (infinity). Such an answer is written
    with ASCII escapes and the number as text, instead of failing with a 500."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except (UnicodeEncodeError, ValueError):
            return json.dumps(_finite(content), ensure_ascii=True, separators=(",", ":")).encode("ascii")


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
