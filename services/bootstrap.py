"""The composition root: the one place where engines, executors and the scheduler are built."""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import structlog
from pydantic import ValidationError
from sqlalchemy import Engine

from events import SCHEMA_VERSION, AnyEvent, decode
from services.handlers import handle
from services.metrics import EVENTS
from services.notify.alerts import CoordinatorAlerts
from services.notify.service import Notifier
from services.notify.webhooks import PartnerWebhooks
from services.notify.wiring import build_alerts, build_notifier, build_webhooks
from services.ports import UnitOfWork
from services.pump import Sink
from services.redact import install_log_redaction, redact_event
from services.road import Osrm, RoadRouter, RoadTimes, Valhalla
from services.scheduler import Scheduler
from services.settings import Settings
from services.store import dead_letters
from services.store.db import is_transient, make_engine, upgrade
from services.store.dead_letters import Where
from services.store.outbox import OutboxRow
from services.store.uow import SqlUnitOfWork
from solver import replan, solve, warm_up

EMBEDDED_CONSUMER = "embedded"
DELIVERY_ATTEMPTS = 6
"""About three seconds of retries (0.1 s doubling) before an event is parked."""
log = structlog.get_logger("mechanic.delivery")


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


@dataclass
class Container:
    settings: Settings
    engine: Engine
    scheduler: Scheduler
    notifier: Notifier
    webhooks: PartnerWebhooks
    alerts: CoordinatorAlerts

    def uow(self) -> UnitOfWork:
        return self.scheduler.uow_factory()

    def handle_event(self, consumer: str, event: AnyEvent) -> bool:
        """The handlers, then the notifier and the partner webhooks: each records the event id it
        processed, so a redelivery (either transport) changes and sends nothing twice. False for a
        duplicate."""
        fresh = handle(consumer, event, self.uow())
        self.notifier.on_event(event)
        self.webhooks.on_event(event)
        self.alerts.on_event(event)
        return fresh

    def receive(self, consumer: str, value: bytes | None, key: bytes | None, where: Where) -> bool:
        """A record from Kafka: decoded and delivered, or, if it is no event at all (no value,
        garbage, an unknown type), parked with where it was read. False if it was not handled."""
        try:
            if value is None:
                raise ValueError("a record without a value (a tombstone)")
            event = decode(value)
        except (ValueError, ValidationError) as exc:
            dead_letters.park_record(self.engine, consumer, where, key, value, str(exc))
            log.error(
                "record.parked",
                consumer=consumer,
                topic=where.topic,
                partition=where.partition,
                offset=where.offset,
            )
            return False
        return self.deliver(consumer, event, where)

    def deliver(self, consumer: str, event: AnyEvent, where: Where | None = None) -> bool:
        """``handle_event``; a failure a retry can fix (the database away, a lock) is retried with
        back-off, up to DELIVERY_ATTEMPTS; one that cannot be fixed by retrying, or that outlasts
        the retries, is parked as a dead letter (and logged) at once, so the events behind it go on.
        An event of a newer schema version than this code knows is parked untouched. If even
        parking fails, the error propagates and the transport redelivers later.
        Returns False for a duplicate or a parked event."""
        outcome = self._deliver(consumer, event, where)
        EVENTS.labels(consumer, outcome).inc()
        return outcome == "handled"

    def _deliver(self, consumer: str, event: AnyEvent, where: Where | None) -> str:
        if event.schema_version > SCHEMA_VERSION:
            why = f"schema version {event.schema_version} is newer than this worker reads ({SCHEMA_VERSION})"
            self._park(consumer, event, why, where)
            return "parked"
        delay = 0.1
        for attempt in range(1, DELIVERY_ATTEMPTS + 1):
            try:
                return "handled" if self.handle_event(consumer, event) else "duplicate"
            except Exception as exc:
                if not is_transient(exc) or attempt == DELIVERY_ATTEMPTS:
                    self._park(consumer, event, repr(exc), where)
                    return "parked"
                log.warning(
                    "event.failed",
                    consumer=consumer,
                    event_id=str(event.event_id),
                    type=event.type,
                    attempt=attempt,
                    retry_in_s=delay,
                    error=repr(exc)[:300],
                )
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
        raise AssertionError("unreachable: the last attempt parks or returns")

    def _park(self, consumer: str, event: AnyEvent, error: str, where: Where | None) -> None:
        dead_letters.park(self.engine, consumer, event, error, where)
        log.error(
            "event.parked",
            consumer=consumer,
            event_id=str(event.event_id),
            type=event.type,
            error=error[:300],
        )

    def embedded_sink(self) -> Sink:
        """Delivers outbox rows straight to the handlers, in order, in this process."""

        def deliver(rows: list[OutboxRow]) -> None:
            for row in rows:
                self.deliver(EMBEDDED_CONSUMER, decode(row.payload))

        return deliver

    def close(self) -> None:
        if self.scheduler.executor is not None:
            self.scheduler.executor.shutdown(wait=False, cancel_futures=True)
        self.engine.dispose()


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

    # Solves run in processes of their own: the solver's Python parts (preparation, warm start, the
    # search's loop) hold the GIL, so threads would solve one club at a time. Spawned, not forked:
    # the parent has threads (the API, the dispatcher), which a fork would copy mid-state.
    processes = min(settings.solve_parallel, os.cpu_count() or 2)
    pool = ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("spawn"))
    for _ in range(processes):
        pool.submit(warm_up)  # start the processes and load OR-Tools now, not on the first request
    scheduler = Scheduler(
        uow_factory, settings, solve_fn, executor=pool, roads=road_times(settings), improve=solve
    )
    notifier = build_notifier(engine, settings)
    return Container(
        settings, engine, scheduler, notifier, build_webhooks(engine), build_alerts(engine, settings)
    )
