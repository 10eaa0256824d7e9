"""Liveness and readiness of the worker and the relay: progress, not only a process that runs.

Live means the process's event loop still turns: a task beats every second, and a beat older than
MECHANIC_LIVE_BEAT_S makes /livez fail, so a loop blocked by a stuck call is restarted. Ready means
the process does its job now: it reaches the database, and each process adds checks of its own
progress (``services.stream.app`` for the worker, ``services.relay`` for the relay). A process
that cannot do its job for a reason a restart would not fix (the database down) is not ready,
but stays live, so an outage elsewhere never restarts every replica at once.

The probes are answered by a thread of their own (``services.probes``), so a frozen process (a
SIGSTOP, a stalled VM) does not answer at all, which a probe counts as a failure too.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

import structlog
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from services.store.db import ping

log = structlog.get_logger("mechanic.health")

Check = Callable[[], str | None]
"""None when fine; else why the process is not ready, in plain words."""
BEAT_EVERY_S = 1.0


class Health:
    """What the process's loops report, read by the probe server's threads (plain attribute reads
    and writes, so no lock is needed)."""

    def __init__(self, beat_within_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.beat_within_s = beat_within_s
        self.clock = clock
        self.checks: list[Check] = []
        self._beat = clock()

    def beat(self) -> None:
        self._beat = self.clock()

    def live(self) -> list[str]:
        late = self.clock() - self._beat
        if late > self.beat_within_s:
            return [f"the event loop last turned {late:.1f} s ago"]
        return []

    def ready(self) -> list[str]:
        reasons = self.live()
        for check in self.checks:
            try:
                reason = check()
            except Exception as exc:  # a check that breaks says so, never takes the probe down
                log.exception("health.check_failed")
                reason = f"a readiness check failed: {type(exc).__name__}"
            if reason:
                reasons.append(reason)
        return reasons


async def beat_forever(health: Health, stop: asyncio.Event) -> None:
    """The event loop's heartbeat, for processes without a timer of their own (the relay)."""
    while not stop.is_set():
        health.beat()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=BEAT_EVERY_S)


def database(engine: Engine) -> Check:
    def reachable() -> str | None:
        try:
            ping(engine)
        except SQLAlchemyError as exc:
            return f"the database cannot be reached ({type(exc).__name__})"
        return None

    return reachable


class Holding:
    """The records the worker's agents are handling (one per topic), and since when: a record held
    longer than ``within_s`` (its handler hangs, or the database is down and the record waits to be
    retried) means the partition behind it makes no progress."""

    def __init__(self, within_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.within_s = within_s
        self.clock = clock
        self._held: dict[str, tuple[str, float]] = {}

    def take(self, agent: str, record: str) -> None:
        self._held[agent] = (record, self.clock())

    def done(self, agent: str) -> None:
        self._held.pop(agent, None)

    def check(self) -> str | None:
        now = self.clock()
        for record, since in list(self._held.values()):
            if now - since > self.within_s:
                return f"the record at {record} has been in hand for {now - since:.0f} s"
        return None
