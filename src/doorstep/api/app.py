"""The ASGI application: JSON API under /api/v1, pages at the root."""

from __future__ import annotations

import datetime as dt
import gc
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from doorstep import __version__
from doorstep.api.responses import ErrorResponse
from doorstep.config import Settings
from doorstep.db import Database, utcnow
from doorstep.errors import DoorstepError, ImportFailed, InvalidInput, field_path
from doorstep.insight.services import warm_up
from doorstep.migrations import upgrade

# The tags of the bodies that take one item or a batch (deliveries.schemas, surveys.schemas):
# pydantic names the branch in the location, the client never wrote it.
_BODY_TAGS = frozenset(["delivery", "batch", "response"])


def request_field(loc: Sequence[object]) -> str | None:
    """A validation error's location as our problems name fields: ``deliveries[2].customer_id``
    for ["body", "batch", "deliveries", 2, "customer_id"], ``since`` for ["query", "since"]."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
        if len(parts) > 1 and parts[0] in _BODY_TAGS:
            parts = parts[1:]
    return field_path(parts)


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
        # Off the event loop and without holding up the start: the first comments analysed
        # would otherwise wait ~2 s for the dictionary and model (the first batch's p99).
        threading.Thread(target=warm_up, name="doorstep-warm-up", daemon=True).start()
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
        docs_url=None,  # /docs and /redoc come from doorstep.api.docs: no CDN, works offline
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = database
    app.state.clock = clock

    @app.exception_handler(DoorstepError)
    async def _doorstep_error(request: Request, exc: DoorstepError) -> JSONResponse:
        body: dict[str, object] = {"type": type(exc).__name__, "message": str(exc)}
        if isinstance(exc, ImportFailed):
            body["problems"] = [p.as_dict() for p in exc.problems]
        elif isinstance(exc, InvalidInput):  # every 422 names its fields the same way
            body["problems"] = [exc.problem.as_dict()]
        headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
        return ErrorResponse({"error": body}, status_code=exc.http_status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if pages.wants_page(request):  # /cases/abc typed into a browser: a page, not a JSON error
            return pages.no_such_page(request, 422)
        # FastAPI's own answer ("detail"), kept for the clients that read it, and beside it the
        # shape of every other refusal ("error", with one problem per bad field), so that a
        # client reads one shape whichever layer refused. Sent with ErrorResponse: it echoes
        # the input, which may not be UTF-8-able.
        detail = jsonable_encoder(exc.errors())
        problems = [{"line": None, "field": request_field(e.get("loc", ())), "message": e.get("msg", "")}
                    for e in detail]
        error = {"type": "InvalidInput", "message": f"request: {len(problems)} invalid field(s)", "problems": problems}
        return ErrorResponse({"error": error, "detail": detail}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and pages.wants_page(request):  # a mistyped address in a browser
            return pages.no_such_page(request, 404)
        return await http_exception_handler(request, exc)

    from doorstep.api import alerts as alerts_api
    from doorstep.api import answers as answers_api
    from doorstep.api import audit, cases, deliveries, exports, insight, jobs, links, metrics, privacy, webhooks
    from doorstep.api import briefs as briefs_api
    from doorstep.api import frontline as notes_api
    from doorstep.api import settings as settings_api
    from doorstep.api.responses import AUTH_ERRORS, declare_bad_body
    from doorstep.web import pages

    # The public survey pages first: a request is matched against the routes in order, and
    # walking the API's routers cost 250 µs of every survey answer (bench/bench_trust.py).
    # The answer itself comes before any router (see pages.survey_submit).
    app.router.routes.insert(0, pages.SURVEY_ANSWER)
    app.include_router(pages.router)
    for api in (deliveries, answers_api, metrics, insight, cases, webhooks, links, jobs, audit, privacy, exports,
                alerts_api, briefs_api, notes_api, settings_api):
        declare_bad_body(api.router)
        app.include_router(api.router, responses=AUTH_ERRORS)  # 401/403 are every route's possible answers

    from doorstep.web import admin, inbox, open_links
    from doorstep.web import insight as insight_pages

    app.include_router(inbox.router)
    app.include_router(open_links.router)
    app.include_router(admin.router)
    from doorstep.web import keys as key_pages
    from doorstep.web import people as people_pages

    app.include_router(people_pages.router)  # /admin/people: people, roles, deactivation (admins)
    app.include_router(key_pages.router)  # /admin/keys: API keys, the secret shown once (admins)
    from doorstep.web import alerts as alerts_pages

    app.include_router(alerts_pages.router)
    app.include_router(insight_pages.router)  # before the /static mount: it serves /static/vendor/plotly.min.js
    from doorstep.web import briefs as brief_pages

    app.include_router(brief_pages.router)
    from doorstep.web import frontline as note_pages

    app.include_router(note_pages.router)
    from doorstep.web import account

    app.include_router(account.router)  # /account: one's own password and language, every role
    from doorstep.web import auth

    auth.install(app)  # /login, /logout, /reset; unsigned pages go to /login, a wrong role gets a 403 page
    pages.mount_static(app)
    from doorstep.api import docs

    docs.install(app)  # /docs, /redoc and their assets under /docs-static, from an installed package

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    from doorstep.web.ratelimit import install as install_rate_limits

    install_rate_limits(app, settings, clock)  # /s/…, /o/…, the inbound webhook: 429 with Retry-After
    from doorstep.web.uploads import install as install_upload_limit

    install_upload_limit(app)  # a photo upload past 20 MB is refused before it is read (413)
    from doorstep.web.security import add_security_headers

    add_security_headers(app)
    return app


def serve(app: FastAPI, *, host: str, port: int) -> None:
    """Run ``app`` under uvicorn in this process, as ``doorstep serve`` does.

    Everything built so far (routes, templates, models, the ORM's mappers) lives as long as
    the process: frozen out of the garbage collector's full passes, which otherwise walk it
    again and again under load (pauses that showed in the survey answer's p99).
    """
    import uvicorn

    gc.collect()
    gc.freeze()
    uvicorn.run(app, host=host, port=port, log_level="warning")
