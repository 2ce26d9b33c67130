"""The ASGI application: JSON API under /api/v1, pages at the root."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from doorstep import __version__
from doorstep.config import Settings
from doorstep.db import Database, utcnow
from doorstep.errors import DoorstepError, ImportFailed
from doorstep.migrations import upgrade


def create_app(
    settings: Settings | None = None,
    *,
    db: Database | None = None,
    clock: Callable[[], dt.datetime] = utcnow,
) -> FastAPI:
    """Build the app. Tests pass their own settings, database and clock."""
    settings = settings or Settings()
    database = db or Database(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        upgrade(database.engine)
        yield
        if db is None:
            database.dispose()

    app = FastAPI(
        title="Doorstep",
        version=__version__,
        description="Closed-loop last-mile customer experience: deliveries, surveys, NPS, cases.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = database
    app.state.clock = clock

    @app.exception_handler(DoorstepError)
    async def _doorstep_error(request: Request, exc: DoorstepError) -> JSONResponse:
        body: dict[str, object] = {"type": type(exc).__name__, "message": str(exc)}
        if isinstance(exc, ImportFailed):
            body["problems"] = [p.as_dict() for p in exc.problems]
        headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
        return JSONResponse({"error": body}, status_code=exc.http_status, headers=headers)

    from doorstep.api import cases, deliveries, metrics

    app.include_router(deliveries.router)
    app.include_router(metrics.router)
    app.include_router(cases.router)

    from doorstep.web import pages

    app.include_router(pages.router)
    pages.mount_static(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
