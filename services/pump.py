"""Follows the outbox in order and hands each unpublished row to a sink, then marks it published.

The same loop serves both transports: the embedded dispatcher's sink runs the handlers
in-process; the Kafka relay's sink produces to Kafka. Rows are marked only after the sink
succeeded, so a crash re-delivers (never loses) and idempotent consumers absorb the duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import structlog
from sqlalchemy import Engine

from services.store import outbox
from services.store.db import read_only
from services.store.outbox import OutboxRow

log = structlog.get_logger("mechanic.pump")

Sink = Callable[[list[OutboxRow]], None]


def pump_once(engine: Engine, sink: Sink, batch: int) -> int:
    """Deliver one batch; returns how many rows were delivered."""
    with read_only(engine).connect() as conn:
        rows = outbox.unpublished(conn, batch)
        conn.rollback()
    if not rows:
        return 0
    sink(rows)
    with engine.begin() as conn:
        outbox.mark_published(conn, [r.seq for r in rows])
    return len(rows)


async def pump_forever(engine: Engine, sink: Sink, batch: int, idle_s: float, stop: asyncio.Event) -> None:
    """Drain the outbox, then poll every ``idle_s``; a failing sink is retried with back-off."""
    backoff = idle_s
    while not stop.is_set():
        try:
            delivered = await asyncio.to_thread(pump_once, engine, sink, batch)
            backoff = idle_s
        except Exception:
            log.exception("pump.failed", retry_in_s=backoff)
            delivered = 0
            backoff = min(backoff * 2, 5.0)
        if delivered == 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=backoff)
