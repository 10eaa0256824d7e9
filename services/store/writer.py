"""One writer with group commit: the API's writes go through a thread that runs whatever is
queued, each piece of work in its own savepoint, and commits them together in one transaction
(on PostgreSQL, several such threads: see ``Writer``).

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
import zlib
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


class Writer:
    """``await writer.run(work)`` (or ``writer.call(work)`` from a thread): ``work(conn)`` runs in
    the writer's transaction and its result is returned once that transaction has committed.

    On PostgreSQL a writer may have several lanes, each a thread with its own batches and
    transactions: one lane spends most of its time waiting for the server's answers, so several
    keep more requests in flight. Work given the same ``key`` (a partner's submissions, keyed by
    partner) always takes the same lane, so it runs in order, one at a time: the quota check sees
    the partner's previous submission committed, as with one lane. SQLite takes one writer at a
    time, so it is given one lane."""

    def __init__(self, engine: Engine, max_batch: int = MAX_BATCH, lanes: int = 1) -> None:
        self._lanes = [
            _Lane(engine, max_batch, "writer" if lanes == 1 else f"writer-{i}") for i in range(lanes)
        ]

    def submit(self, work: Callable[[Connection], T], key: str = "") -> Future[T]:
        lane = self._lanes[zlib.crc32(key.encode()) % len(self._lanes)] if key else self._lanes[0]
        return lane.put(work)

    async def run(self, work: Callable[[Connection], T], key: str = "") -> T:
        return await asyncio.wrap_future(self.submit(work, key))

    def call(self, work: Callable[[Connection], T]) -> T:
        return self.submit(work).result()

    def close(self) -> None:
        """Commit what is queued, then stop."""
        for lane in self._lanes:
            lane.close()


class _Lane(BatchThread[Work]):
    """One writer thread: runs its queued work in batches, one transaction each."""

    def __init__(self, engine: Engine, max_batch: int, name: str) -> None:
        self._engine = engine
        super().__init__(name, max_batch)

    def put(self, work: Work) -> Future[Any]:
        return self._put(work)

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
                        if conn.invalidated:
                            raise  # the connection died: the whole batch is lost, with this error
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
