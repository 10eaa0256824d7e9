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


def _search(size: int) -> NeighbourhoodSearch:
    pb = Problem(instance_from_bench(load_fixture("small-s2")), Params())
    admit_pins(pb)
    return NeighbourhoodSearch(pb, greedy_roster(pb), 3, 2, size=size)


def test_a_neighbourhood_fills_up_to_its_size_with_members_of_its_own() -> None:
    """The size counts the neighbourhood's own members, not those the round's other neighbourhoods
    took: counting those too left the second of a round's two neighbourhoods mostly empty on large."""
    search = _search(size=60)
    pb = search.pb
    first = search._fill([], list(range(pb.n_mem)))
    second = search._fill([], list(range(pb.n_mem)))
    for members in (first, second):
        assert sum(len(pb.by_mem[m]) for m in members) >= search.size
    assert not set(first) & set(second)


def test_the_request_led_neighbourhood_follows_the_chain_of_held_requests() -> None:
    """After the best candidates of the seed request, the members who could take over what those
    candidates hold are freed too, so an open request can be filled by passing jobs along."""
    search = _search(size=400)
    pb, state = search.pb, search.state
    chained = 0
    for _ in range(20):
        search._taken = set()
        freed = {pb.pair_m[p] for p in search._around_request().pairs}
        held = {pb.pair_r[p] for m in freed for p in pb.by_mem[m] if p in state.chosen}
        takers = {pb.pair_m[p] for r in held for p in pb.by_req[r]}
        chained += len(freed & takers) > 1
    assert chained >= 10
