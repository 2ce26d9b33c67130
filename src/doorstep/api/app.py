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
    scheduler: bool | None = None,
    worker: bool = False,
) -> FastAPI:
    """Build the app. Tests pass their own settings, database and clock.

    ``scheduler``: run the case scheduler pass (escalations) in the background every
    ``settings.scheduler_interval_seconds``. By default it runs when the app owns its
    database, as under `doorstep serve`; tests that pass their own database opt in.
    ``worker``: run a jobs worker in the same process (`doorstep serve --with-worker`,
    the embedded default); it runs the scheduler pass as a job, so the separate
    scheduler thread is then off.
    """
    settings = settings or Settings()
    database = db or Database(settings.database_url)
    run_scheduler = (
        not worker and (db is None if scheduler is None else scheduler) and settings.scheduler_interval_seconds > 0
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        from doorstep.cases.scheduler import PeriodicPass

        upgrade(database.engine)
        from doorstep.jobs.worker import WorkerThread, make_worker

        periodic = PeriodicPass(database, clock, settings.scheduler_interval_seconds) if run_scheduler else None
        if periodic is not None:
            periodic.start()
        _app.state.scheduler = periodic
        runner = WorkerThread(make_worker(database, settings, clock), settings.worker_poll_seconds) if worker else None
        if runner is not None:
            runner.start()
        _app.state.worker = runner
        yield
        if runner is not None:
            runner.stop()
        if periodic is not None:
            periodic.stop()
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

    from doorstep.api import cases, deliveries, insight, jobs, links, metrics, webhooks

    app.include_router(deliveries.router)
    app.include_router(metrics.router)
    app.include_router(insight.router)
    app.include_router(cases.router)
    app.include_router(webhooks.router)
    app.include_router(links.router)
    app.include_router(jobs.router)

    from doorstep.web import admin, inbox, open_links, pages
    from doorstep.web import insight as insight_pages

    app.include_router(pages.router)
    app.include_router(inbox.router)
    app.include_router(open_links.router)
    app.include_router(admin.router)
    app.include_router(insight_pages.router)  # before the /static mount: it serves /static/vendor/plotly.min.js
    pages.mount_static(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    from doorstep.web.security import add_security_headers

    add_security_headers(app)
    return app
