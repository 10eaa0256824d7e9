"""A small club is solved whole: HiGHS first, for a share of the time, then CP-SAT from the better of
its roster and the greedy one. With lifts and the other product rules HiGHS may prove nothing in a
re-solve limit; it must not take the whole limit and leave the greedy start as the answer."""

from __future__ import annotations

import time

import pytest

from solver import Params, SolveStatus, solve
from solver import engine as engine_module
from solver.bench_format import instance_from_bench
from solver.greedy import greedy_roster
from solver.mip import MipResult
from solver.mip import solve_mip as real_solve_mip
from solver.problem import Problem
from tests.unit.solver.builders import load_fixture

LIMIT = Params(time_limit_s=1.0, workers=1, product_rules=True)


def test_highs_that_proves_nothing_leaves_cp_sat_most_of_the_time(monkeypatch: pytest.MonkeyPatch) -> None:
    offered: list[float] = []

    def highs_stuck(problem: Problem, time_limit: float, start: object = None) -> MipResult | None:
        offered.append(time_limit)
        time.sleep(time_limit)
        return None

    monkeypatch.setattr(engine_module, "solve_mip", highs_stuck)
    inst = instance_from_bench(load_fixture("small-s2"))
    roster = solve(inst, LIMIT)
    assert offered and offered[0] <= engine_module.SMALL_MIP_SHARE * LIMIT.time_limit_s
    assert roster.objective > greedy_roster(Problem(inst, LIMIT)).objective(), "CP-SAT improved the start"


def test_an_unproven_highs_roster_is_kept_not_thrown_away(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    found: list[MipResult] = []

    def highs_unproven(problem: Problem, time_limit: float, start: object = None) -> MipResult | None:
        result = real_solve_mip(problem, 10)
        assert result is not None
        found.append(result)
        return MipResult(result.chosen, result.objective, None, proven=False)

    monkeypatch.setattr(engine_module, "solve_mip", highs_unproven)
    monkeypatch.setattr(
        engine_module, "_cp_sat", lambda pb, params, state, deadline: (state, SolveStatus.FEASIBLE, None)
    )
    inst = instance_from_bench(load_fixture("small-s2"))
    roster = solve(inst, LIMIT)
    assert roster.objective == found[0].objective > greedy_roster(Problem(inst, LIMIT)).objective()
    assert roster.status == SolveStatus.FEASIBLE
