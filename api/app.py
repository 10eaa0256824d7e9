"""The FastAPI application: JSON API (and, later, pages). It writes state and outbox rows; it never solves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI, Request, Response, status
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api import docs
from api.body_limit import BodyLimit
from api.deps import EngineDep
from api.pages import error_page, install_pages, is_page
from api.pages.places import MapConfig
from api.routes import coordinator, document_body_refusals, member, partner, places
from services.geocode import Geocoder
from services.geocode.wiring import build_geocoder
from services.metrics import registry
from services.notify.egress import EgressPolicy
from services.settings import Settings, get_settings
from services.store.db import OUTAGES, Engine, database_down, has_write_gate, make_engine, ping
from services.store.token_lookups import TokenLookups
from services.store.writer import Writer
from services.store.writes import Conflict, NotFound

DATABASE_DOWN = "the database is unavailable, try again shortly"
RETRY_AFTER_S = 5
log = structlog.get_logger("mechanic.api")


async def _unavailable(request: Request, exc: Exception) -> Response:
    """503 with Retry-After, so clients and proxies come back later instead of reporting a bug."""
    if not database_down(exc):
        raise exc
    log.warning("database.unavailable", method=request.method, path=request.url.path, error=repr(exc)[:300])
    headers = {"Retry-After": str(RETRY_AFTER_S)}
    if is_page(request):
        page = error_page(
            request,
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "We cannot reach our database just now. Please try again in a moment.",
        )
        page.headers.update(headers)
        return page
    return JSONResponse({"detail": DATABASE_DOWN}, status.HTTP_503_SERVICE_UNAVAILABLE, headers)


def create_app(
    settings: Settings | None = None, engine: Engine | None = None, geocoder: Geocoder | None = None
) -> FastAPI:
    """Build the app; pass ``engine`` to share one with the embedded runtime, else one is made at start,
    and the geocoder (from the settings, with its cache in that database) with it."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = engine is None
        app.state.settings = settings
        app.state.engine = engine or make_engine(settings.database_url)
        lanes = 1 if has_write_gate(app.state.engine) else settings.writer_lanes
        app.state.writer = Writer(app.state.engine, lanes=lanes)
        app.state.lookups = TokenLookups(app.state.engine, app.state.writer)
        app.state.metrics = registry(app.state.engine)
        app.state.geocoder = geocoder or build_geocoder(app.state.engine, settings)
        app.state.map_config = MapConfig.from_settings(settings, app.state.geocoder)
        yield
        app.state.lookups.close()
        app.state.writer.close()
        if own:
            app.state.engine.dispose()

    app = FastAPI(
        title="Mechanic",
        summary="Volunteer logistics: partner requests in, approved rosters out.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # api/docs.py serves Swagger UI itself; FastAPI's would load it from a CDN
        redoc_url=None,
    )
    app.state.egress = EgressPolicy.from_settings(settings)

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_404_NOT_FOUND)

    @app.exception_handler(Conflict)
    async def _conflict(_: Request, exc: Conflict) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_409_CONFLICT)

    for outage in OUTAGES:
        app.add_exception_handler(outage, _unavailable)

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        """Prometheus: counts and ages only, never a name or an address (restrict it at the proxy)."""
        return Response(generate_latest(request.app.state.metrics), media_type=CONTENT_TYPE_LATEST)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        """Liveness: the process answers. It does not touch the database, so an outage there
        takes instances out of rotation (/readyz) without restarting them all."""
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz(db: EngineDep) -> dict[str, str]:
        """Readiness: 503 (through the handler above) while the database cannot be reached."""
        ping(db)
        return {"status": "ready"}

    app.include_router(partner.router)
    app.include_router(member.router)
    app.include_router(coordinator.router)
    app.include_router(places.router)
    app.include_router(docs.router)
    install_pages(app, settings)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)  # added last: runs first
    document_body_refusals(app)
    return app
