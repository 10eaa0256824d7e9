"""A small club is solved whole by HiGHS and CP-SAT side by side; the first proof stops the other.
With lifts and the other product rules HiGHS may prove nothing in a re-solve limit; it must not
hold CP-SAT back and leave the greedy start as the answer, nor lose its roster if it is the best."""

from __future__ import annotations

import threading
import time

import pytest
from ortools.sat.python import cp_model

from solver import Params, SolveStatus, solve
from solver import engine as engine_module
from solver.bench_format import instance_from_bench
from solver.greedy import greedy_roster
from solver.mip import MipResult
from solver.mip import solve_mip as real_solve_mip
from solver.model import solve_scope
from solver.pins import prepare
from solver.problem import Problem
from solver.scope import Scope
from solver.state import RosterState
from tests.unit.solver.builders import load_fixture, with_product_data

LIMIT = Params(time_limit_s=1.0, workers=1, product_rules=True)


def test_highs_that_proves_nothing_does_not_hold_cp_sat_back(monkeypatch: pytest.MonkeyPatch) -> None:
    offered: list[float] = []

    def highs_stuck(problem: Problem, time_limit: float, start: object = None, stop: object = None) -> None:
        offered.append(time_limit)
        time.sleep(time_limit)

    monkeypatch.setattr(engine_module, "solve_mip", highs_stuck)
    inst = instance_from_bench(load_fixture("small-s2"))
    roster = solve(inst, LIMIT)
    assert offered and offered[0] <= LIMIT.time_limit_s
    assert roster.objective > greedy_roster(Problem(inst, LIMIT)).objective(), "CP-SAT improved the start"


def test_an_unproven_highs_roster_is_kept_not_thrown_away(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    found: list[MipResult] = []

    def highs_unproven(
        problem: Problem, time_limit: float, start: object = None, stop: object = None
    ) -> MipResult | None:
        result = real_solve_mip(problem, 10)
        assert result is not None
        found.append(result)
        return MipResult(result.chosen, result.objective, None, proven=False)

    monkeypatch.setattr(engine_module, "solve_mip", highs_unproven)
    monkeypatch.setattr(
        engine_module,
        "_cp_sat",
        lambda pb, params, state, deadline, stop: (state, SolveStatus.FEASIBLE, None),
    )
    inst = instance_from_bench(load_fixture("small-s2"))
    roster = solve(inst, LIMIT)
    assert roster.objective == found[0].objective > greedy_roster(Problem(inst, LIMIT)).objective()
    assert roster.status == SolveStatus.FEASIBLE


@pytest.mark.parametrize("first", ["highs", "cp-sat"])
def test_the_first_proof_stops_the_other_solver(first: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whichever proves first answers at once: the other is stopped, not waited for to its limit."""
    long = Params(time_limit_s=30.0, workers=2)
    inst = instance_from_bench(load_fixture("small-s2"))
    optimum = real_solve_mip(Problem(inst, long), 20)
    assert optimum is not None and optimum.proven
    stopped: list[str] = []

    def highs(
        problem: Problem, time_limit: float, start: object = None, stop: object = None
    ) -> MipResult | None:
        if first == "highs":
            return real_solve_mip(problem, time_limit)
        assert isinstance(stop, threading.Event)
        stop.wait(time_limit)  # HiGHS still searching, until CP-SAT's proof stops it
        stopped.append("highs")
        return None

    def cp_sat_stuck(pb: Problem, params: Params, state: object, deadline: float, stop: object) -> object:
        assert isinstance(stop, threading.Event)
        stop.wait(deadline - time.monotonic())  # CP-SAT still searching, until HiGHS's proof stops it
        stopped.append("cp-sat")
        return state, SolveStatus.FEASIBLE, None

    monkeypatch.setattr(engine_module, "solve_mip", highs)
    if first == "highs":
        monkeypatch.setattr(engine_module, "_cp_sat", cp_sat_stuck)
    started = time.monotonic()
    roster = solve(inst, long)
    assert time.monotonic() - started < 10, "the other solver was waited for to the time limit"
    assert roster.status == SolveStatus.OPTIMAL and roster.objective == optimum.objective
    assert stopped == ["cp-sat" if first == "highs" else "highs"]


def test_cp_sat_asked_to_stop_before_it_starts_still_stops() -> None:
    """The stop is asked for again until the solve returns: asked once, before CP-SAT's search
    began, it would be lost and CP-SAT would run on to prove (0.3-0.7 s on this instance)."""
    pb = Problem(instance_from_bench(load_fixture("small-s2")), Params(workers=1))
    stop = threading.Event()
    stop.set()
    result = solve_scope(pb, Scope.everything(greedy_roster(pb)), time_limit=30, stop=stop)
    assert result.status != cp_model.OPTIMAL


def test_where_highs_cannot_write_a_rule_cp_sat_runs_alone_with_every_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    workers: list[int] = []
    real_cp_sat = engine_module._cp_sat

    def cp_sat(
        pb: Problem, params: Params, state: RosterState, deadline: float, stop: object = None
    ) -> object:
        workers.append(params.workers)
        return real_cp_sat(pb, params, state, deadline)

    def no_highs(*args: object, **kwargs: object) -> None:
        raise AssertionError("HiGHS cannot write this model")

    monkeypatch.setattr(engine_module, "expressible", lambda _: False)
    monkeypatch.setattr(engine_module, "solve_mip", no_highs)
    monkeypatch.setattr(engine_module, "_cp_sat", cp_sat)
    roster = solve(instance_from_bench(load_fixture("small-s2")), Params(time_limit_s=5.0, workers=2))
    assert workers == [2] and roster.status == SolveStatus.OPTIMAL


def test_cp_sats_proof_counts_the_pinned_assignments_outside_its_model() -> None:
    """A pinned assignment stays outside CP-SAT's model, and so does its gain: the bound it proved
    came out 3,990 below the very roster it proved optimal, and the answer's gap was negative."""
    inst = with_product_data(instance_from_bench(load_fixture("small-s2")))
    params = Params(time_limit_s=10.0, product_rules=True)
    pb, _ = prepare(inst, params)
    assert pb.pinned
    state, status, bound = engine_module._cp_sat(pb, params, greedy_roster(pb), time.monotonic() + 10)
    assert status == SolveStatus.OPTIMAL and bound == state.objective()
