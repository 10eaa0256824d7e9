"""The FastAPI application: JSON API (and, later, pages). It writes state and outbox rows; it never solves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from api.pages import install_pages
from api.routes import coordinator, member, partner
from services.settings import Settings, get_settings
from services.store.db import make_engine
from services.store.writes import Conflict, NotFound


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the app; pass ``engine`` to share one with the embedded runtime, else one is made at start."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = engine is None
        app.state.settings = settings or get_settings()
        app.state.engine = engine or make_engine(app.state.settings.database_url)
        yield
        if own:
            app.state.engine.dispose()

    app = FastAPI(
        title="Mechanic",
        summary="Volunteer logistics: partner requests in, approved rosters out.",
        version="0.1.0",
        lifespan=lifespan,
    )

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_404_NOT_FOUND)

    @app.exception_handler(Conflict)
    async def _conflict(_: Request, exc: Conflict) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_409_CONFLICT)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(partner.router)
    app.include_router(member.router)
    app.include_router(coordinator.router)
    install_pages(app)
    return app
