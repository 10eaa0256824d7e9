"""A re-plan reads its club without holding up the writers, and a club whose re-plans cost the
scheduler's process more than its share waits for quiet (or an urgent change) while changes keep
coming, not for the longest wait."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from services.ports import PlanningSnapshot
from services.scheduler import Scheduler
from services.settings import Settings
from services.store import writes
from services.store.db import read_only
from services.store.repositories import SqlRosters
from services.store.uow import SqlUnitOfWork
from solver import solve
from tests.store.test_contract import request_values
from tests.store.test_scheduler_replans import DAY, _club


def _scheduler(engine: Engine, settings: Settings) -> Scheduler:
    """Wired as the composition root wires it: writes in transactions that take the write lock,
    reads in read-only ones."""
    return Scheduler(
        lambda: SqlUnitOfWork(engine), settings, solve, reads=lambda: SqlUnitOfWork(read_only(engine))
    )


def _mark(engine: Engine, club_id: str, urgent: bool = False) -> None:
    with SqlUnitOfWork(engine) as uow:
        uow.schedule.mark_dirty(club_id, datetime.now(UTC) - timedelta(seconds=10), urgent=urgent)
        uow.commit()


def test_a_replan_reads_its_club_while_another_writer_marks_it_changed(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inside the lease's write transaction the read of a big club held the API's writer back
    (SQLite's one write lock; on PostgreSQL the lease's row lock): the other writer here waited."""
    club_id = _club(engine)
    read = SqlRosters.snapshot
    others: list[bool] = []

    def snapshot_while_writing(self: SqlRosters, *args: Any) -> PlanningSnapshot:
        other = threading.Thread(target=_mark, args=(engine, club_id), daemon=True)
        other.start()
        other.join(timeout=5)
        others.append(not other.is_alive())
        return read(self, *args)

    monkeypatch.setattr(SqlRosters, "snapshot", snapshot_while_writing)
    assert asyncio.run(_scheduler(engine, Settings(debounce_s=0, max_delay_s=0)).run_due()) == 1
    assert others == [True], "the other writer waited for the re-plan's read"


def _replans(engine: Engine, settings: Settings) -> Callable[[bool], int]:
    """Re-plans of a club solved once, each after a new request (so the next solve is not skipped
    as unchanged) and a change mark, urgent or not."""
    club_id = _club(engine)
    scheduler = _scheduler(engine, settings)
    assert asyncio.run(scheduler.run_due()) == 1

    def after_a_change(urgent: bool) -> int:
        with engine.begin() as conn:
            partner_id = conn.exec_driver_sql("SELECT id FROM partners").scalar_one()
            writes.submit_request(conn, club_id, partner_id, request_values(DAY + timedelta(hours=3)))
        _mark(engine, club_id, urgent)
        return asyncio.run(scheduler.run_due())

    return after_a_change


def test_a_club_whose_replans_cost_more_than_their_share_rests_until_quiet_or_urgent(engine: Engine) -> None:
    # Changes keep coming (the last was 10 s ago, the quiet needed is a minute); the longest wait
    # (none) has passed. Any re-plan costs more than a thousandth of the seconds after it.
    after_a_change = _replans(engine, Settings(debounce_s=60, max_delay_s=0, replan_share=0.001))
    assert after_a_change(False) == 0, "resting: the longest wait does not re-plan it"
    assert after_a_change(True) == 1, "an urgent change (a decline) re-plans it at once"


def test_a_small_club_within_its_share_is_replanned_by_the_longest_wait(engine: Engine) -> None:
    after_a_change = _replans(engine, Settings(debounce_s=60, max_delay_s=0, replan_share=1.0))
    assert after_a_change(False) == 1
    assert after_a_change(False) == 1
