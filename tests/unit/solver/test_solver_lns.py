"""The search without presolve (its large-size setting) still repeats itself and keeps the rules."""

from __future__ import annotations

import time

from solver import Params, check
from solver.bench_format import instance_from_bench
from solver.engine import number_slots
from solver.greedy import greedy_roster
from solver.lns import NeighbourhoodSearch
from solver.pins import admit_pins
from solver.problem import Problem
from tests.unit.solver.builders import load_fixture
from tests.unit.solver.test_solver_mip import _with_product_data

PRODUCT = Params(product_rules=True)


def test_sub_solves_without_presolve_repeat_themselves_and_keep_the_rules() -> None:
    inst = _with_product_data(instance_from_bench(load_fixture("small-s2")))
    pb = Problem(inst, PRODUCT)
    admit_pins(pb)
    start = greedy_roster(pb).objective()
    rosters = []
    for _ in range(2):
        search = NeighbourhoodSearch(pb, greedy_roster(pb), 7, 2, size=200, presolve=False)
        search.run(time.monotonic() + 60, max_rounds=6)
        rosters.append(sorted(search.state.chosen))
        checked = check(inst, number_slots(pb, search.state), PRODUCT)
        assert checked.feasible and checked.objective == search.value > start
    assert rosters[0] == rosters[1]
