"""The Faust app: one thin agent per topic feeding the handlers, plus the debounced scheduler.

Delivery is at least once. An agent acknowledges an event only after its handlers committed,
so a worker killed mid-event leaves that offset uncommitted and the event comes again; the
inbox (``processed_events``) turns the repeat into a no-op. Faust would otherwise ack an event
whose processing raised or was cancelled, and its offset would be committed: lost.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, cast

import faust
import structlog
from faust.types import TP
from mode.signals import BaseSignalT

from events import ALL_TOPICS
from services.delivery import Container
from services.health import BEAT_EVERY_S, Health, Holding
from services.retry import RetryPolicy
from services.store import retention
from services.store.dead_letters import Where
from services.stream import commits
from services.stream.ownership import Ownership

log = structlog.get_logger("mechanic.stream")

RECORD_RETRY = RetryPolicy(first=0.1, cap=5.0)
"""Only while even parking fails (the database is down); a record is never dropped."""
SESSION_TIMEOUT_S = 10.0
"""How soon a dead worker's partitions move to a live one (Faust's default is a minute)."""


def build_app(container: Container, datadir: Path | None = None, health: Health | None = None) -> faust.App:
    """The worker's app: consumer group ``settings.worker_id``, topics made beforehand by
    ``relay.ensure_topics`` with their explicit configs, so Faust declares none itself. It reports
    to ``health`` (``services.health``) that its loop turns, that it has partitions, and that no
    record is stuck in its hands."""
    settings = container.settings
    health = health or Health(settings.live_beat_s)
    holding = Holding(settings.ready_record_s)
    # Faust keeps only table state there, and this app has no tables: any writable place will do,
    # and the temporary directory is writable even in a read-only container image.
    datadir = datadir or Path(tempfile.gettempdir()) / f"mechanic-faust-{settings.worker_id}"
    datadir.parent.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        settings.worker_id,
        broker=[f"kafka://{host.strip()}" for host in settings.kafka_bootstrap.split(",")],
        key_serializer="raw",
        value_serializer="raw",
        consumer_auto_offset_reset="earliest",
        processing_guarantee="at_least_once",
        stream_wait_empty=True,
        broker_commit_interval=1.0,
        broker_session_timeout=SESSION_TIMEOUT_S,
        broker_heartbeat_interval=1.0,
        topic_allow_declare=False,
        topic_disable_leader=True,
        web_enabled=False,
        datadir=str(datadir),
    )
    # Before any topic is declared (declaring one builds the default transport).
    app.transport = commits.Transport(app.conf.broker_consumer, app)
    for name in ALL_TOPICS:
        topic = app.topic(name, key_type=bytes, value_type=bytes, partitions=settings.kafka_partitions)
        app.agent(topic, name=f"consume:{name}")(consumer_of(container, settings.worker_id, holding))
    ownership = plan_owned_clubs(app, container)
    health.checks += [ownership.check, holding.check]
    app.timer(BEAT_EVERY_S)(heartbeat_of(health))
    app.task(scheduler_of(app, container))
    app.task(sender_of(app, container))
    app.timer(container.settings.retention_interval_s)(retention_of(container))
    return app


def consumer_of(
    container: Container, consumer: str, holding: Holding
) -> Callable[[faust.StreamT[bytes]], Awaitable[None]]:
    async def consume(stream: faust.StreamT[bytes]) -> None:
        manual = cast(faust.Stream[bytes], stream).noack()
        async for event in manual.events():
            where = Where(event.message.topic, event.message.partition, event.message.offset)
            holding.take(where.topic, f"{where.topic}[{where.partition}]@{where.offset}")
            await deliver(container, consumer, event.value, event.key, where)
            holding.done(where.topic)
            await manual.ack(event)

    return consume


def heartbeat_of(health: Health) -> Callable[[], Awaitable[None]]:
    async def beat() -> None:
        health.beat()

    return beat


async def deliver(
    container: Container, consumer: str, value: bytes | None, key: bytes | None, where: Where
) -> None:
    """Hand one record to the container, which handles it or parks it (a poison record, an event of
    a newer schema, one that fails for good); only if parking fails too (the database is down) does
    this loop try again, since giving up would lose the record."""
    failures = 0
    while True:
        try:
            fresh = await asyncio.to_thread(container.receive, consumer, value, key, where)
        except Exception:
            failures += 1
            delay = RECORD_RETRY.delay(failures)
            log.exception(
                "record.failed",
                topic=where.topic,
                partition=where.partition,
                offset=where.offset,
                retry_in_s=delay,
            )
            await asyncio.sleep(delay)
            continue
        if not fresh:
            log.info("record.skipped", reason="duplicate or parked", topic=where.topic, offset=where.offset)
        return


def sender_of(app: faust.App, container: Container) -> Callable[[], Awaitable[None]]:
    """Messages and webhook calls are sent here, apart from event delivery: a slow receiver never
    holds a partition back. Workers claim each message, so two never send one twice."""

    async def send() -> None:
        while not app.should_stop:
            try:
                await asyncio.to_thread(container.notifier.deliver)
            except Exception:
                log.exception("sender.failed")
            await app.sleep(container.settings.send_interval_s)

    return send


def retention_of(container: Container) -> Callable[[], Awaitable[None]]:
    """Every worker runs the retention job; it is idempotent, so running it twice costs a query."""

    async def prune() -> None:
        try:
            settings = container.settings
            await asyncio.to_thread(
                retention.run,
                container.engine,
                settings.stream_retention_days,
                geocode_days=settings.geocoder_cache_days,
            )
        except Exception:
            log.exception("retention.failed")

    return prune


def plan_owned_clubs(app: faust.App, container: Container) -> Ownership:
    """Each worker plans the clubs of the partitions it consumes, following every rebalance."""
    ownership = Ownership(container.settings.kafka_partitions)
    container.scheduler.owns = ownership.owns

    # Faust sends (app, partitions); the handlers need only the partitions' numbers.
    def assigned(_: Any, /, *args: Any, signal: BaseSignalT[Any], **__: Any) -> None:
        ownership.assigned(tp.partition for tp in cast(set[TP], args[0]))

    def revoked(_: Any, /, *args: Any, signal: BaseSignalT[Any], **__: Any) -> None:
        ownership.revoked(tp.partition for tp in cast(set[TP], args[0]))

    app.on_partitions_assigned.connect(assigned)
    app.on_partitions_revoked.connect(revoked)
    return ownership


def scheduler_of(app: faust.App, container: Container) -> Callable[[], Awaitable[None]]:
    """Every worker ticks the scheduler for the clubs it owns; the database lease stays the fence."""

    async def schedule() -> None:
        await container.scheduler.run(container.settings.poll_interval_s, lambda: bool(app.should_stop))

    return schedule
