"""The large-instance search's adaptive choice of neighbourhood kinds."""

from __future__ import annotations

import random
import time
from collections import Counter

from solver import Params, check
from solver.bench_format import instance_from_bench
from solver.engine import number_slots
from solver.greedy import greedy_roster
from solver.lns import EXPLORE_SHARE, Kind, KindChooser, NeighbourhoodSearch
from solver.problem import Problem
from tests.unit.solver.builders import load_fixture


def test_the_chooser_follows_the_kind_that_gains_and_still_tries_the_others() -> None:
    chooser = KindChooser(random.Random(3))
    assert Counter(chooser.pick() for _ in range(2000)).keys() == set(Kind)  # nothing gained: the mix
    for _ in range(30):
        chooser.record(Kind.TIME, 5000)
        chooser.record(Kind.LOCAL, 0)
    picks = Counter(chooser.pick() for _ in range(4000))
    explored = EXPLORE_SHARE * 4000
    assert picks[Kind.TIME] > 4000 - explored
    assert picks[Kind.LOCAL] > 0.5 * Kind.LOCAL.value * explored


def test_a_kind_that_stops_paying_loses_its_lead() -> None:
    chooser = KindChooser(random.Random(5))
    for _ in range(10):
        chooser.record(Kind.LOCAL, 4000)
    for _ in range(60):
        chooser.record(Kind.LOCAL, 0)
        chooser.record(Kind.FAIRNESS, 1000)
    picks = Counter(chooser.pick() for _ in range(2000))
    assert picks[Kind.FAIRNESS] > picks[Kind.LOCAL]


def test_the_adaptive_search_repeats_itself_and_keeps_the_rules() -> None:
    params = Params(product_rules=True)
    inst = instance_from_bench(load_fixture("small-s2"))
    pb = Problem(inst, params)
    rosters, gains = [], []
    for _ in range(2):
        search = NeighbourhoodSearch(pb, greedy_roster(pb), 11, 2, size=200)
        search.run(time.monotonic() + 60, max_rounds=6)
        assert search.chooser is not None
        rosters.append(sorted(search.state.chosen))
        gains.append(dict(search.chooser.gain))
        checked = check(inst, number_slots(pb, search.state), params)
        assert checked.feasible and checked.objective == search.value >= greedy_roster(pb).objective()
    assert rosters[0] == rosters[1] and gains[0] == gains[1]
    assert search.value > greedy_roster(pb).objective() and sum(gains[0].values()) > 0
