"""Re-plans with the real store: a proposal says which kind of solve made it, an unchanged club is
not solved again by any worker, and a background improvement never records over a newer change."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from services.scheduler import Scheduler
from services.settings import Settings
from services.store.tables import rosters, schedule_state
from services.store.uow import SqlUnitOfWork
from solver import Instance, Params, Roster, SolveKind, SolveStatus, solve
from tests.commands_support import declare_availability, register, submit
from tests.store.test_contract import club_with_member, member_values, request_values

DAY = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
SETTINGS = Settings(debounce_s=0, max_delay_s=0)


def _club(engine: Engine) -> str:
    club_id, partner_id, _ = club_with_member(engine)
    with engine.begin() as conn:
        member_id, _ = register(conn, club_id, member_values("Near", 51.48))
        declare_availability(conn, club_id, member_id, [(d, 0, 24 * 60) for d in range(7)], [], [])
        submit(conn, club_id, partner_id, request_values(DAY))
    _dirty(engine, club_id)
    return club_id


def _dirty(engine: Engine, club_id: str) -> None:
    with SqlUnitOfWork(engine) as uow:
        uow.schedule.mark_dirty(club_id, datetime.now(UTC) - timedelta(seconds=10))
        uow.commit()


def repaired(instance: Instance, params: Params) -> Roster:
    """The real solver's roster, reported as a repair that proves nothing (as a big club's is)."""
    found = solve(instance, params)
    return found.model_copy(
        update={
            "kind": SolveKind.INCREMENTAL,
            "status": SolveStatus.FEASIBLE,
            "objective": found.objective - 1,
        }
    )


def _proposals(engine: Engine, club_id: str) -> list[tuple[str, str, int]]:
    ro = rosters.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(ro.status, ro.solve_kind, ro.objective)
            .where(ro.club_id == club_id)
            .order_by(ro.created_at)
        )
        return [(r.status, r.solve_kind, r.objective) for r in rows]


def test_a_repaired_proposal_is_improved_in_the_background_and_says_so(engine: Engine) -> None:
    club_id = _club(engine)
    scheduler = Scheduler(lambda: SqlUnitOfWork(engine), SETTINGS, repaired, improve=solve)

    async def rounds() -> tuple[int, int]:
        first = await scheduler.run_due()
        return first, await scheduler.run_due()  # nothing due: the improvement runs, and is awaited

    assert asyncio.run(rounds()) == (1, 1)
    [(old, old_kind, old_objective), (new, new_kind, new_objective)] = _proposals(engine, club_id)
    assert (old, old_kind, new, new_kind) == ("superseded", "incremental", "proposed", "improved")
    assert new_objective == old_objective + 1


def test_an_improvement_never_records_over_a_newer_change(engine: Engine) -> None:
    club_id = _club(engine)
    scheduler = Scheduler(lambda: SqlUnitOfWork(engine), SETTINGS, repaired, improve=solve)

    async def change_while_improving() -> int:
        await scheduler.run_due()
        ro, s = rosters.c, schedule_state.c
        with engine.connect() as conn:
            roster_id, objective = conn.execute(
                select(ro.id, ro.objective).where(ro.club_id == club_id)
            ).one()
            generation = conn.execute(select(s.solved_generation).where(s.club_id == club_id)).scalar_one()
        _dirty(engine, club_id)  # a change lands after the repair: its generation is not solved
        return await scheduler.improve_roster(club_id, generation, roster_id, objective)

    assert asyncio.run(change_while_improving()) == 0
    assert [kind for _, kind, _ in _proposals(engine, club_id)] == ["incremental"]


def test_a_club_one_worker_solved_is_not_solved_again_by_another_with_nothing_new(engine: Engine) -> None:
    club_id = _club(engine)
    one = Scheduler(lambda: SqlUnitOfWork(engine), SETTINGS, solve, owner="worker-1")
    assert asyncio.run(one.run_due()) == 1
    _dirty(engine, club_id)  # an event that changes nothing planning reads (a phone number)
    another = Scheduler(lambda: SqlUnitOfWork(engine), SETTINGS, solve, owner="worker-2")
    assert asyncio.run(another.run_due()) == 0
    assert [kind for _, kind, _ in _proposals(engine, club_id)] == ["full"]
    with SqlUnitOfWork(engine) as uow:
        assert not uow.schedule.due(datetime.now(UTC), 0, 0), "the skipped generation counts as solved"
