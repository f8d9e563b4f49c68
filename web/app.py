"""The FastAPI application of `dtl serve`: built by `create_app`, one warm timeline per process.

`dtl serve` runs uvicorn on the import string "web.app:create_app" (a factory),
so the command line never imports this door; the settings come from the
environment it sets (web.settings). The lifespan closes the database when the
server stops; `app.state.on_shutdown` holds what else must stop first (the
subscriptions, which register their closer there).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response

from errors import TimelineError
from web import docs, explorer, routes, subscribe
from web.door import SharedTimeline
from web.errors import install_error_handlers
from web.metrics import Metrics
from web.middleware import DoorMiddleware
from web.models import ErrorDocument, InterchangeEvent, SourceRegistration
from web.settings import Settings

__all__ = ["create_app"]

_DESCRIPTION = """An event-sourced record of diplomacy, over HTTP: the same answers as the `dtl` command.

Send `Authorization: Bearer TOKEN` (a token made with `dtl token create`); reads need the reader role, appends
and sources the writer role. Errors answer `{"error": {"message", "field", "line", "hint"}}`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Return the HTTP application on the log the settings name (default: read from the environment)."""
    settings = settings or Settings.from_environment()
    shared = SharedTimeline(settings.url)
    metrics = Metrics()
    on_shutdown: list[Callable[[], Any]] = []

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            for stop in reversed(on_shutdown):
                result = stop()
                if hasattr(result, "__await__"):
                    await result
            shared.close()

    app = FastAPI(
        title="Diplomatic Timeline",
        version=routes.VERSION,
        description=_DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.timeline = shared
    app.state.metrics = metrics
    app.state.answers = routes.AnswerCache()
    app.state.on_shutdown = on_shutdown

    install_error_handlers(app)
    app.include_router(routes.router)
    subscribe.install(app)  # GET /api/subscribe (Server-Sent Events), its subscriptions ended at shutdown
    app.include_router(docs.router)
    app.include_router(explorer.router)  # GET / (the web explorer), its files, and the reads it adds to /api/
    _add_health(app, shared, metrics)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]

    if settings.cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "PUT"],
            allow_headers=["Authorization", "Content-Type", "If-None-Match", "Last-Event-ID"],
            expose_headers=["ETag", "X-Log-Position"],
        )
    app.add_middleware(DoorMiddleware, metrics=metrics, max_body=settings.max_body, debug=settings.debug)
    return app


def _add_health(app: FastAPI, shared: SharedTimeline, metrics: Metrics) -> None:
    @app.get("/healthz", summary="Liveness: the server answers", tags=["health"])
    def healthz() -> dict[str, str]:
        """Answer while the process runs, without asking the database."""
        return {"status": "ok"}

    @app.get(
        "/readyz",
        summary="Readiness: the database answers and its schema is current",
        tags=["health"],
        responses={503: {"model": ErrorDocument}},
    )
    def readyz() -> JSONResponse:
        """Answer 200 with the log's head when the database is reachable and its schema current, else 503."""
        position = shared.run(lambda timeline: timeline.head_position())
        return JSONResponse({"status": "ready", "position": position})

    @app.get("/metrics", summary="Prometheus metrics", tags=["health"], response_class=Response)
    def prometheus(request: Request) -> Response:
        """Return requests and latencies by route, appends, open subscriptions and the log's head position."""
        try:
            head: int | None = shared.run(lambda timeline: timeline.head_position())
        except TimelineError:
            head = None  # the database is away: the other figures still tell what happened
        return Response(metrics.exposition(head), media_type="text/plain; version=0.0.4; charset=utf-8")


def _openapi(app: FastAPI) -> dict[str, Any]:
    """Return the OpenAPI 3.1 description, with the request bodies the routes read themselves."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (InterchangeEvent, SourceRegistration):
            definition = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(definition.pop("$defs", {}))
            components[model.__name__] = definition
        app.openapi_schema = schema
    return app.openapi_schema
