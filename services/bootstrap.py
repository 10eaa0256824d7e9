"""The composition root: the one place where engines, executors and the scheduler are built."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import Engine

from events import AnyEvent, decode
from services.handlers import handle
from services.notify.service import Notifier
from services.notify.webhooks import PartnerWebhooks
from services.notify.wiring import build_notifier, build_webhooks
from services.ports import UnitOfWork
from services.pump import Sink
from services.scheduler import Scheduler
from services.settings import Settings
from services.store import dead_letters
from services.store.db import make_engine, upgrade
from services.store.outbox import OutboxRow
from services.store.uow import SqlUnitOfWork
from solver import solve

EMBEDDED_CONSUMER = "embedded"
DELIVERY_ATTEMPTS = 6
"""About three seconds of retries (0.1 s doubling) before an event is parked."""
log = structlog.get_logger("mechanic.delivery")


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level.upper(), stream=sys.stderr, format="%(message)s")
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if settings.log_json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
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

    def uow(self) -> UnitOfWork:
        return self.scheduler.uow_factory()

    def handle_event(self, consumer: str, event: AnyEvent) -> bool:
        """The handlers, then the notifier and the partner webhooks: each records the event id it
        processed, so a redelivery (either transport) changes and sends nothing twice. False for a
        duplicate."""
        fresh = handle(consumer, event, self.uow())
        self.notifier.on_event(event)
        self.webhooks.on_event(event)
        return fresh

    def deliver(self, consumer: str, event: AnyEvent) -> bool:
        """``handle_event``, retried with back-off. An event that still fails after
        DELIVERY_ATTEMPTS is parked as a dead letter (and logged), so that the events behind it
        go on; if even parking fails, the error propagates and the transport redelivers later.
        Returns False for a duplicate or a parked event."""
        delay = 0.1
        for attempt in range(1, DELIVERY_ATTEMPTS):
            try:
                return self.handle_event(consumer, event)
            except Exception as exc:
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
        try:
            return self.handle_event(consumer, event)
        except Exception as exc:
            dead_letters.park(self.engine, consumer, event, repr(exc))
            log.error(
                "event.parked",
                consumer=consumer,
                event_id=str(event.event_id),
                type=event.type,
                error=repr(exc)[:300],
            )
            return False

    def embedded_sink(self) -> Sink:
        """Delivers outbox rows straight to the handlers, in order, in this process."""

        def deliver(rows: list[OutboxRow]) -> None:
            for row in rows:
                self.deliver(EMBEDDED_CONSUMER, decode(row.payload))

        return deliver

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(settings: Settings, migrate: bool = True, solve_fn: Callable[..., Any] = solve) -> Container:
    if migrate:
        upgrade(settings.database_url)
    engine = make_engine(settings.database_url)

    def uow_factory() -> UnitOfWork:
        return SqlUnitOfWork(engine)

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="solve")
    scheduler = Scheduler(uow_factory, settings, solve_fn, executor=pool)
    notifier = build_notifier(engine, settings)
    return Container(settings, engine, scheduler, notifier, build_webhooks(engine, notifier))
