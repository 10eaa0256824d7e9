"""The relay's leadership: one relay at a time holds the outbox's lease and publishes; the others
stand by, reconnecting and waiting, until the lease is free. The lease's epoch goes with every
message, and the lease is checked before each send and with each mark (``services.pump``), so a
relay that lost it (a database restart, a pause longer than the lease) publishes nothing more.

Its probes (``services.health``): a standby is ready when it reaches the database; the leader
while its lease holds and the outbox drains."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import structlog
from prometheus_client.registry import Collector
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from services import probes
from services.health import Health, beat_forever, database
from services.metrics import registry
from services.pump import pump_forever
from services.relay import KafkaSink
from services.settings import Settings
from services.store import leases, observed
from services.store.db import make_engine
from services.store.leases import LeaseLost

log = structlog.get_logger("mechanic.relay")
STANDBY_POLL_S = 2.0


class RelayLease:
    """This relay's hold on the outbox: checked and extended before every send and with every mark."""

    def __init__(self, holder: str, epoch: int, ttl: timedelta) -> None:
        self.holder, self.epoch, self.ttl = holder, epoch, ttl
        self._renewed = time.monotonic()

    def check(self, conn: Connection) -> None:
        leases.renew(conn, leases.RELAY, self.holder, self.epoch, datetime.now(UTC), self.ttl)
        self._renewed = time.monotonic()

    def lapsed(self) -> bool:
        return time.monotonic() - self._renewed > self.ttl.total_seconds()

    def keep_alive(self, engine: Engine) -> None:
        """While the outbox is quiet: renew once a third of the lease has passed."""
        if time.monotonic() - self._renewed > self.ttl.total_seconds() / 3:
            with engine.begin() as conn:
                self.check(conn)


class Progress:
    """The relay's readiness beyond reaching the database: a standby is ready to take over; the
    leader is ready while its lease holds and the outbox drains (its oldest unpublished row is
    younger than MECHANIC_READY_BACKLOG_S), which it cannot do without Kafka."""

    def __init__(self, engine: Engine, backlog_within_s: float) -> None:
        self.engine = engine
        self.backlog_within_s = backlog_within_s
        self.lease: RelayLease | None = None

    def check(self) -> str | None:
        lease = self.lease
        if lease is None:
            return None
        if lease.lapsed():
            return f"the relay's lease (epoch {lease.epoch}) lapsed before it was renewed"
        age = observed.backlog_age_s(self.engine)
        if age > self.backlog_within_s:
            return f"the oldest unpublished outbox row has waited {age:.0f} s"
        return None


def _acquire(engine: Engine, holder: str, ttl: timedelta) -> int | None:
    with engine.begin() as conn:
        return leases.acquire(conn, leases.RELAY, holder, datetime.now(UTC), ttl)


def _release(engine: Engine, lease: RelayLease) -> None:
    with engine.begin() as conn:
        leases.release(conn, leases.RELAY, lease.holder, lease.epoch)


async def relay_forever(
    settings: Settings,
    sink: KafkaSink,
    stop: asyncio.Event,
    holder: str | None = None,
    metrics: Sequence[Collector] = (),
) -> None:
    """Stand by until this relay holds the lease, publish while it does, and stand by again when it is
    lost (a database restart, a pause longer than the lease); database errors are waited out.
    ``metrics`` are served with the database's gauges, and the probes (``services.health``), when
    MECHANIC_METRICS_PORT is set."""
    holder = holder or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    ttl = timedelta(seconds=settings.relay_lease_s)
    engine = make_engine(settings.database_url)
    health, progress = Health(settings.live_beat_s), Progress(engine, settings.ready_backlog_s)
    health.checks += [database(engine), progress.check]
    if settings.metrics_port:
        probes.serve(settings.metrics_port, health, registry(engine, *metrics))
    beating = asyncio.create_task(beat_forever(health, stop))
    try:
        while not stop.is_set():
            try:
                epoch = await asyncio.to_thread(_acquire, engine, holder, ttl)
            except SQLAlchemyError as exc:
                log.warning("relay.database_unreachable", error=type(exc).__name__, retry_in_s=STANDBY_POLL_S)
                epoch = None
            if epoch is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=STANDBY_POLL_S)
                continue
            lease = progress.lease = RelayLease(holder, epoch, ttl)
            sink.epoch = epoch
            log.info("relay.leading", holder=holder, epoch=epoch)
            try:
                await pump_forever(engine, sink, settings.relay_batch, settings.poll_interval_s, stop, lease)
            except LeaseLost:
                progress.lease = None
                log.warning("relay.lost_lead", holder=holder, epoch=epoch)
                # Whoever leads now may have published since: read the position again on return.
                sink.close()
                continue
            with contextlib.suppress(SQLAlchemyError):
                await asyncio.to_thread(_release, engine, lease)
    finally:
        beating.cancel()
        engine.dispose()
