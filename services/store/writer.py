"""One writer with group commit: the API's writes go through a single thread that runs whatever is
queued, each piece of work in its own savepoint, and commits them together in one transaction.

Why: every write request used to open its own transaction, so under load a dozen threads queued
on SQLite's write lock (``BEGIN IMMEDIATE``), sleeping in its busy handler while the lock was free
and missing it, and each paid a BEGIN, a COMMIT and a pool checkout. One thread that drains the
queue holds the lock once per batch, and the batch costs one COMMIT (one fsync on PostgreSQL).

Commit before answer still holds: a caller's future is resolved only after the COMMIT that
stored its work has returned. A piece of work that raises is rolled back to its savepoint and
answered with its exception at once (nothing of it is stored; the rest of the batch goes on); a
COMMIT that fails is the exception of every piece of work in the batch, which stored nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

import structlog
from sqlalchemy import Connection, Engine

from services.store.batch_thread import BatchThread
from services.store.db import savepoint

log = structlog.get_logger("mechanic.writer")

T = TypeVar("T")
Work = Callable[[Connection], Any]
MAX_BATCH = 128
"""Enough to take a whole burst in one COMMIT; small enough that the first caller in a batch does
not wait long for the last one's work."""


class Writer(BatchThread[Work]):
    """``await writer.run(work)`` (or ``writer.call(work)`` from a thread): ``work(conn)`` runs in
    the writer's transaction and its result is returned once that transaction has committed."""

    def __init__(self, engine: Engine, max_batch: int = MAX_BATCH) -> None:
        self._engine = engine
        super().__init__("writer", max_batch)

    def submit(self, work: Callable[[Connection], T]) -> Future[T]:
        return self._put(work)

    async def run(self, work: Callable[[Connection], T]) -> T:
        return await asyncio.wrap_future(self.submit(work))

    def call(self, work: Callable[[Connection], T]) -> T:
        return self.submit(work).result()

    def _serve(self, batch: list[tuple[Future[Any], Work]]) -> None:
        stored: list[tuple[Future[Any], Any]] = []
        try:
            with self._engine.begin() as conn:
                for future, work in batch:
                    if not future.set_running_or_notify_cancel():
                        continue  # its caller gave up before it ran
                    try:
                        with savepoint(conn):
                            result = work(conn)
                    except Exception as exc:
                        future.set_exception(exc)
                    else:
                        stored.append((future, result))
        except Exception as exc:
            log.warning("writer.batch_failed", size=len(batch), error=repr(exc)[:300])
            for future, _ in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for future, result in stored:
            future.set_result(result)
