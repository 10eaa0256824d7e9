"""Follows the outbox in order and hands each unpublished row to a sink, then marks it published.

The same loop serves both transports: the embedded dispatcher's sink runs the handlers
in-process; the Kafka relay's sink produces to Kafka. Rows are marked only after the sink
succeeded, so a crash re-delivers (never loses) and idempotent consumers absorb the duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Protocol

import structlog
from sqlalchemy import Connection, Engine

from services.retry import RetryPolicy
from services.store import outbox
from services.store.db import has_write_gate, one_turn, read_only
from services.store.leases import LeaseLost
from services.store.outbox import OutboxRow

log = structlog.get_logger("mechanic.pump")

Sink = Callable[[list[OutboxRow]], None]
ROWS_PER_TURN = 25
"""On SQLite, how many events the embedded dispatcher handles before it lets the API's writer in
again: enough to keep up with a busy intake, few enough that the writer waits only tens of ms."""


class Fence(Protocol):
    """Proof that this pump may still deliver (the relay's lease); ``check`` raises ``LeaseLost``."""

    def check(self, conn: Connection) -> None: ...

    def keep_alive(self, engine: Engine) -> None: ...


def pump_once(engine: Engine, sink: Sink, batch: int, fence: Fence | None = None) -> int:
    """Deliver one batch; returns how many rows were delivered.

    With a ``fence`` the lease is checked (and extended) before the batch is handed to the sink and
    again in the transaction that marks it published, so a pump that lost the lead marks nothing.
    On SQLite the batch is written ROWS_PER_TURN at a time in one turn among the process's writers:
    event by event, the embedded dispatcher would wait behind the API's writer once per
    transaction and fall behind it."""
    with read_only(engine).connect() as conn:
        rows = outbox.unpublished(conn, batch)
        conn.rollback()
    if not rows:
        return 0
    per_turn = ROWS_PER_TURN if has_write_gate(engine) else len(rows)
    for start in range(0, len(rows), per_turn):
        part = rows[start : start + per_turn]
        with one_turn(engine):
            if fence is not None:
                with engine.begin() as conn:
                    fence.check(conn)
            sink(part)
            with engine.begin() as conn:
                if fence is not None:
                    fence.check(conn)
                outbox.mark_published(conn, [r.seq for r in part])
    return len(rows)


async def pump_forever(
    engine: Engine, sink: Sink, batch: int, idle_s: float, stop: asyncio.Event, fence: Fence | None = None
) -> None:
    """Drain the outbox, then poll every ``idle_s``; a failing sink is retried with back-off. A lost
    lease (``LeaseLost``) ends the loop: the caller goes back to standing by."""
    retry = RetryPolicy(first=idle_s, cap=5.0)
    backoff, failures = idle_s, 0
    while not stop.is_set():
        try:
            delivered = await asyncio.to_thread(pump_once, engine, sink, batch, fence)
            if fence is not None and delivered == 0:
                await asyncio.to_thread(fence.keep_alive, engine)
            backoff, failures = idle_s, 0
        except LeaseLost:
            raise
        except Exception:
            failures += 1
            backoff = retry.delay(failures)
            log.exception("pump.failed", retry_in_s=backoff)
            delivered = 0
        if delivered == 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=backoff)
