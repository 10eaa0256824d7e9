"""The scheduler's loop waits its poll interval between ticks, except when an urgent change (a
decline) was handled: the handler's thread nudges it and the next tick comes at once."""

from __future__ import annotations

import asyncio
import time

from services.scheduler import Scheduler
from services.settings import Settings
from solver import solve
from tests.unit.fakes import FakeUnitOfWork


def test_a_nudge_from_a_handler_thread_ends_the_pause_at_once() -> None:
    scheduler = Scheduler(FakeUnitOfWork, Settings(), solve)

    async def nudged_pause() -> float:
        started = time.monotonic()
        pause = asyncio.create_task(scheduler.pause(30))
        await asyncio.sleep(0.05)  # the pause is waiting
        await asyncio.to_thread(scheduler.nudge)
        await asyncio.wait_for(pause, 5)
        return time.monotonic() - started

    assert asyncio.run(nudged_pause()) < 5


def test_without_a_nudge_the_pause_lasts_the_interval_and_a_nudge_counts_once() -> None:
    scheduler = Scheduler(FakeUnitOfWork, Settings(), solve)

    async def pauses() -> tuple[float, float]:
        await scheduler.pause(0)  # the loop is known: a nudge now wakes the next pause only
        scheduler.nudge()
        started = time.monotonic()
        await scheduler.pause(5)
        woken = time.monotonic() - started
        started = time.monotonic()
        await scheduler.pause(0.2)
        return woken, time.monotonic() - started

    woken, waited = asyncio.run(pauses())
    assert woken < 1 and waited >= 0.2
