"""The HiGHS path answers the same question as CP-SAT: equal proven optima, rosters check.py accepts."""

from __future__ import annotations

import pytest
from ortools.sat.python import cp_model

from solver import Params, check
from solver.bench_format import instance_from_bench
from solver.engine import number_slots
from solver.greedy import greedy_roster, rounded_roster
from solver.mip import MipModel, solve_mip, verified_state
from solver.model import solve_scope
from solver.pins import admit_pins
from solver.problem import Problem
from solver.scope import Scope
from solver.state import RosterState
from tests.unit.solver.builders import load_fixture, with_product_data

PRODUCT = Params(product_rules=True)


def _cp_sat_optimum(pb: Problem) -> int:
    """The reference: CP-SAT's proven optimum, scored as a roster (pins are outside its scope)."""
    result = solve_scope(pb, Scope.everything(greedy_roster(pb)), time_limit=20, workers=2)
    assert result.status == cp_model.OPTIMAL
    return RosterState(pb, result.chosen).objective()


@pytest.mark.parametrize("name", ["tiny-s1", "tiny-s2", "small-s1", "small-s2"])
@pytest.mark.parametrize("product", [False, True])
def test_mip_proves_the_cp_sat_optimum_with_a_roster_check_accepts(name: str, product: bool) -> None:
    inst = instance_from_bench(load_fixture(name))
    params = PRODUCT if product else Params()
    if product:
        inst = with_product_data(inst)
    pb = Problem(inst, params)
    admit_pins(pb)
    result = solve_mip(pb, 20)
    assert result is not None and result.proven
    assert result.objective == result.bound == _cp_sat_optimum(pb)
    state = verified_state(pb, result)
    assert state is not None and set(pb.pinned) <= state.chosen
    checked = check(inst, number_slots(pb, state), params)
    assert checked.feasible and checked.objective == result.objective


@pytest.mark.parametrize("product", [False, True])
def test_the_lp_leads_to_rosters_check_accepts_and_bounds_the_optimum(product: bool) -> None:
    inst = instance_from_bench(load_fixture("small-s2"))
    params = PRODUCT if product else Params()
    if product:
        inst = with_product_data(inst)
    pb = Problem(inst, params)
    admit_pins(pb)
    model = MipModel(pb)
    relaxation = model.relax(20)
    optimum = _cp_sat_optimum(pb)
    assert relaxation is not None and relaxation.bound >= optimum
    rounded = rounded_roster(pb, relaxation.values)
    within, proven = model.within_support(relaxation, 20, rounded)
    assert proven
    assert within is not None and rounded.objective() <= within.objective() <= optimum
    for state in (rounded, within):
        assert set(pb.pinned) <= state.chosen
        checked = check(inst, number_slots(pb, state), params)
        assert checked.feasible and checked.objective == state.objective()
    # The sub-program's fixings are undone: the same model still proves the whole optimum.
    result = model.solve(20)
    assert result is not None and result.proven and result.objective == optimum


def test_a_start_highs_scores_wrongly_is_dropped_not_taken_for_a_proof() -> None:
    """On small seed 13 HiGHS's presolve scores the narrow RINS start 220,160 where its columns
    score 218,170, above the sub-program's optimum: it returned the start unimproved as "optimal",
    and ``verified_state`` then threw the answer away."""
    pb = Problem(instance_from_bench(load_fixture("small-s13")), Params())
    admit_pins(pb)
    model = MipModel(pb)
    relaxation = model.relax(20)
    assert relaxation is not None
    rounded = rounded_roster(pb, relaxation.values)
    within, proven = model.within_support(relaxation, 20, rounded)
    assert proven and within is not None
    assert rounded.objective() < within.objective() <= relaxation.bound
    checked = check(pb.instance, number_slots(pb, within), Params())
    assert checked.feasible and checked.objective == within.objective()
