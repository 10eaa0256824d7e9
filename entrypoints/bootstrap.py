"""The composition root: the one place where engines, executors, the scheduler and the notifier are built."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import Any

import structlog

from services.delivery import Container
from services.notify.wiring import build_alerts, build_notifier, build_webhooks
from services.ports import UnitOfWork
from services.redact import install_log_redaction, redact_event
from services.road import Osrm, RoadRouter, RoadTimes, Valhalla
from services.scheduler import Scheduler
from services.settings import Settings
from services.solve_pool import InProcesses
from services.store.db import make_engine, read_only, upgrade
from services.store.uow import SqlUnitOfWork
from solver import replan, solve, warm_up


def configure_logging(settings: Settings) -> None:
    """One level and one stream for everything, uvicorn's access log included (it is started with
    ``log_config=None`` so that it propagates here); every record is redacted of secrets."""
    install_log_redaction()
    logging.basicConfig(level=settings.log_level.upper(), stream=sys.stderr, format="%(message)s")
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if settings.log_json
        else structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redact_event,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(settings.log_level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )


def road_times(settings: Settings) -> RoadTimes | None:
    """Road tables for lifts when the operator runs (or trusts) a router; straight lines otherwise."""
    if settings.road_router == "none" or not settings.road_url:
        return None
    timeout = settings.road_timeout_s
    router: RoadRouter = (
        Osrm(settings.road_url, timeout_s=timeout)
        if settings.road_router == "osrm"
        else Valhalla(settings.road_url, timeout_s=timeout)
    )
    return RoadTimes(router, settings.road_max_points)


def bootstrap(settings: Settings, migrate: bool = True, solve_fn: Callable[..., Any] = replan) -> Container:
    if migrate:
        upgrade(settings.database_url)
    engine = make_engine(settings.database_url)

    def uow_factory() -> UnitOfWork:
        return SqlUnitOfWork(engine)

    def reads() -> UnitOfWork:
        return SqlUnitOfWork(read_only(engine))

    runner = InProcesses(min(settings.solve_parallel, os.cpu_count() or 2), warm_up, settings.solver_nice)
    scheduler = Scheduler(
        uow_factory,
        settings,
        solve_fn,
        runner=runner,
        roads=road_times(settings),
        improve=solve,
        reads=reads,
    )
    notifier = build_notifier(engine, settings)
    return Container(
        settings, engine, scheduler, notifier, build_webhooks(engine), build_alerts(engine, settings)
    )
