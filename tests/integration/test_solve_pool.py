"""The solver processes survive a solve that never returns and a process that dies: real spawned
processes, one of them, so a slot lost to the bad solve would leave nothing for the next one."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pebble import ProcessExpired

from services.solve_pool import InProcesses
from solver import solve, warm_up
from solver.bench_format import instance_from_bench
from solver.check import check
from solver.schema import Instance, Params, Roster

FIXTURE = Path(__file__).parents[1] / "fixtures" / "solver" / "small-s1.json"


def hang(instance: Instance, params: Params) -> Roster:
    time.sleep(3600)
    raise AssertionError("unreachable")


def die(instance: Instance, params: Params) -> Roster:
    os._exit(3)


@pytest.fixture
def one_process() -> Iterator[InProcesses]:
    runner = InProcesses(1, warm_up)
    yield runner
    runner.close()


def test_a_solve_past_its_time_out_is_killed_and_the_next_solve_gets_a_fresh_process(
    one_process: InProcesses,
) -> None:
    instance = instance_from_bench(json.loads(FIXTURE.read_text()))
    params = Params(time_limit_s=1.0, workers=1)

    async def scenario() -> Roster:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            await one_process.run(hang, instance, params, timeout_s=1.5)
        assert time.monotonic() - started < 30, "given up at its time-out, not after the hour"
        with pytest.raises(ProcessExpired):  # the process died: its solve fails, the pool lives
            await one_process.run(die, instance, params, timeout_s=30)
        return await one_process.run(solve, instance, params, timeout_s=60)

    roster = asyncio.run(scenario())
    assert roster.assignments, "the one process left after a hung and a dead solve still solves"
    assert check(instance, roster, params).violations == []


def niceness(instance: Instance, params: Params) -> int:
    return os.nice(0)


def test_solver_processes_run_behind_the_process_that_answers_people() -> None:
    runner = InProcesses(1, warm_up, nice=7)
    try:
        instance = instance_from_bench(json.loads(FIXTURE.read_text()))
        found = asyncio.run(runner.run(niceness, instance, Params(time_limit_s=1.0), timeout_s=30))  # type: ignore[arg-type]
    finally:
        runner.close()
    assert found == min(19, os.nice(0) + 7)
