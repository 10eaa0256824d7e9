"""The search without presolve (its large-size setting) still repeats itself and keeps the rules."""

from __future__ import annotations

import time
from typing import Any

import pytest

from solver import Params, check
from solver.bench_format import instance_from_bench
from solver.engine import number_slots
from solver.greedy import greedy_roster
from solver.lns import NeighbourhoodSearch
from solver.model import ScopeResult
from solver.pins import admit_pins
from solver.problem import Problem
from tests.unit.solver.builders import load_fixture, with_product_data

PRODUCT = Params(product_rules=True)


def _product_search(workers: int) -> tuple[NeighbourhoodSearch, int]:
    inst = with_product_data(instance_from_bench(load_fixture("small-s2")))
    pb = Problem(inst, PRODUCT)
    admit_pins(pb)
    search = NeighbourhoodSearch(pb, greedy_roster(pb), 7, workers, size=200, presolve=False)
    search.run(time.monotonic() + 60, max_rounds=12)
    checked = check(inst, number_slots(pb, search.state), PRODUCT)
    assert checked.feasible and checked.objective == search.value > greedy_roster(pb).objective()
    return search, search.rounds


def test_one_worker_without_presolve_repeats_itself_and_keeps_the_rules() -> None:
    first, _ = _product_search(1)
    again, _ = _product_search(1)
    assert sorted(first.state.chosen) == sorted(again.state.chosen)


def test_free_workers_keep_the_rules_and_stop_after_the_neighbourhoods_asked_for() -> None:
    """Two workers apply their answers to a roster the other keeps changing: each answer is
    checked again against it, so the roster stays within the rules."""
    _, solved = _product_search(2)
    assert solved == 12


def test_a_workers_error_stops_the_search_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker thread that fails must neither leave the search running on, silently, with one
    worker less, nor keep the other worker busy until the deadline before the error is told."""
    search = _search(size=60)
    solve = search._solve
    calls = 0

    def first_fails(*args: Any) -> ScopeResult:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("sub-solve failed")
        return solve(*args)

    monkeypatch.setattr(search, "_solve", first_fails)
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="sub-solve failed"):
        search.run(started + 60)
    assert time.monotonic() - started < 20


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
