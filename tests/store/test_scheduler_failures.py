"""A solve that fails is recorded against its club, retried with back-off, and never stops the others."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from services.scheduler import Scheduler
from services.settings import Settings
from services.store import board
from services.store.tables import rosters, schedule_state
from services.store.uow import SqlUnitOfWork
from solver import Instance, Params, Roster, solve
from tests.commands_support import create_club


def _club(engine: Engine, name: str) -> str:
    with engine.begin() as conn:
        club_id, _ = create_club(conn, name)
    with SqlUnitOfWork(engine) as uow:
        uow.schedule.mark_dirty(club_id, datetime.now(UTC) - timedelta(seconds=10))
        uow.commit()
    return club_id


def test_one_clubs_failing_solve_is_shown_backed_off_and_leaves_the_other_clubs_planned(
    engine: Engine,
) -> None:
    broken, healthy = _club(engine, "Broken"), _club(engine, "Healthy")

    def solve_or_fail(instance: Instance, params: Params) -> Roster:
        if instance.name == broken:
            raise RuntimeError("the solver ran out of memory")
        return solve(instance, params)

    scheduler = Scheduler(lambda: SqlUnitOfWork(engine), Settings(debounce_s=0), solve_or_fail)
    assert asyncio.run(scheduler.run_due()) == 1
    with engine.connect() as conn:
        proposed = set(conn.execute(select(rosters.c.club_id)).scalars())
        assert proposed == {healthy}
        state = board.solve_state(conn, broken)
        assert state == {"pending": False, "failure": "RuntimeError: the solver ran out of memory"}
        retry_at = conn.execute(
            select(schedule_state.c.retry_at).where(schedule_state.c.club_id == broken)
        ).scalar_one()
    assert retry_at > datetime.now(UTC)
    # Within the back-off nothing is tried again: no hot loop.
    assert asyncio.run(scheduler.run_due()) == 0
    with SqlUnitOfWork(engine) as uow:
        assert uow.schedule.failures(broken) == 1
