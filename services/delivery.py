"""Event delivery: the wired parts (built by ``entrypoints.bootstrap``) and how an event reaches them.

Both transports hand events here: the embedded dispatcher through ``embedded_sink`` and the Faust
agents through ``receive``; a failure a retry can fix is retried, anything else is parked.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from pydantic import ValidationError
from sqlalchemy import Engine

from events import SCHEMA_VERSION, AnyEvent, decode
from services.handlers import URGENT_CHANGES, handle
from services.metrics import EVENTS
from services.notify.alerts import CoordinatorAlerts
from services.notify.service import Notifier
from services.notify.webhooks import PartnerWebhooks
from services.ports import UnitOfWork
from services.pump import Sink
from services.retry import RetryPolicy, retry_or_park
from services.scheduler import Scheduler
from services.settings import Settings
from services.store import dead_letters
from services.store.db import is_transient, savepoint
from services.store.dead_letters import Where
from services.store.outbox import OutboxRow
from services.store.uow import JoinedUnitOfWork

EMBEDDED_CONSUMER = "embedded"
DELIVERY_RETRY = RetryPolicy(first=0.1, cap=5.0, attempts=6)
"""About three seconds of retries (0.1 s doubling) before an event is parked."""
log = structlog.get_logger("mechanic.delivery")


def too_new(event: AnyEvent) -> str | None:
    """Why an event of a newer schema than this code knows must wait (parked) for a newer worker,
    or None: handled by this code, a newer event's fields would be misread or dropped."""
    if event.schema_version > SCHEMA_VERSION:
        return f"schema version {event.schema_version} is newer than this worker reads ({SCHEMA_VERSION})"
    return None


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
        self._handled(event)
        return fresh

    def _handled(self, event: AnyEvent) -> None:
        """What follows an event's commit: the notifier, webhooks and alerts see it, and the
        scheduler ticks at once for a change it plans without the debounce."""
        self.notifier.on_event(event)
        self.webhooks.on_event(event)
        self.alerts.on_event(event)
        if isinstance(event, URGENT_CHANGES):
            self.scheduler.nudge()

    def receive(self, consumer: str, value: bytes | None, key: bytes | None, where: Where) -> bool:
        """A record from Kafka: decoded and delivered, or, if it is no event at all (no value,
        garbage, an unknown type), parked with where it was read. False if it was not handled."""
        try:
            if value is None:
                raise ValueError("a record without a value (a tombstone)")
            event = decode(value)
        except (ValueError, ValidationError) as exc:
            dead_letters.park_record(self.engine, consumer, where, key, value, str(exc))
            EVENTS.labels(consumer, "parked").inc()
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
        back-off, as DELIVERY_RETRY says; one that cannot be fixed by retrying, or that outlasts
        the retries, is parked as a dead letter (and logged) at once, so the events behind it go on.
        An event of a newer schema version than this code knows is parked untouched. If even
        parking fails, the error propagates and the transport redelivers later.
        Returns False for a duplicate or a parked event."""
        outcome = self._deliver(consumer, event, where)
        EVENTS.labels(consumer, outcome).inc()
        return outcome == "handled"

    def _deliver(self, consumer: str, event: AnyEvent, where: Where | None) -> str:
        if why := too_new(event):
            self._park(consumer, event, why, where)
            return "parked"

        def park(exc: Exception) -> str:
            self._park(consumer, event, repr(exc), where)
            return "parked"

        def failed(exc: Exception, attempt: int, delay: float) -> None:
            log.warning(
                "event.failed",
                consumer=consumer,
                event_id=str(event.event_id),
                type=event.type,
                attempt=attempt,
                retry_in_s=delay,
                error=repr(exc)[:300],
            )

        return retry_or_park(
            lambda: "handled" if self.handle_event(consumer, event) else "duplicate",
            DELIVERY_RETRY,
            is_transient,
            park,
            failed,
        )

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
        """Delivers outbox rows straight to the handlers, in order, in this process: the handlers
        of the whole batch together (``handle_together``), then, from the first event that could
        not be handled that way, one by one (``deliver``, with its retries and parking)."""

        def deliver(rows: list[OutboxRow]) -> None:
            events = [decode(row.payload) for row in rows]
            for event in events[self.handle_together(EMBEDDED_CONSUMER, events) :]:
                self.deliver(EMBEDDED_CONSUMER, event)

        return deliver

    def handle_together(self, consumer: str, events: list[AnyEvent]) -> int:
        """Handle a leading run of ``events`` in one transaction, each event in its own savepoint;
        returns how many. Why: one BEGIN and COMMIT per event made the embedded dispatcher cost as
        much CPU as the intake it follows. The run stops, rolled back to that event's savepoint, at
        the first event that fails or is of a newer schema (the caller delivers the rest one by one,
        so order holds); a COMMIT that fails stores none of it (the caller delivers them all).
        The notifier, webhooks and alerts see each event after the commit, as ``handle_event``
        orders them; if one of them fails, the pump delivers the batch again, and every consumer
        skips what it has already processed."""
        handled: list[tuple[AnyEvent, bool]] = []
        try:
            with self.engine.begin() as conn:
                for event in events:
                    if too_new(event):
                        break
                    try:
                        with savepoint(conn):
                            fresh = handle(consumer, event, JoinedUnitOfWork(conn))
                    except Exception:
                        break
                    handled.append((event, fresh))
        except Exception as exc:
            log.warning("events.batch_failed", consumer=consumer, size=len(handled), error=repr(exc)[:300])
            return 0
        for event, fresh in handled:
            self._handled(event)
            EVENTS.labels(consumer, "handled" if fresh else "duplicate").inc()
        return len(handled)

    def close(self) -> None:
        self.scheduler.runner.close()
        self.engine.dispose()
