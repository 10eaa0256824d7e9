"""The benchmark's Lagrangian bound (bench/lagrange_bound.py): above every roster, close to proven optima."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.lagrange_bound import MemberWeeks, roster_weeks, upper_bound
from solver import Params
from solver.bench_format import instance_from_bench
from solver.problem import Problem
from tests.unit.solver.builders import SPOTS, instance, load_fixture, member, request
from tests.unit.solver.test_solver_replay import OPTIMA


@pytest.mark.parametrize("name", sorted(OPTIMA))
def test_the_bound_lies_above_a_proven_optimum_and_close_to_it(name: str) -> None:
    pb = Problem(instance_from_bench(load_fixture(name)), Params())
    bound, plain = upper_bound(pb, [[] for _ in range(pb.n_mem)], 300, time.monotonic())
    assert OPTIMA[name] <= bound <= plain
    assert bound <= OPTIMA[name] * 1.03, "the bound should be near the optimum, not merely above it"


JOBS = st.lists(
    st.tuples(st.integers(0, 40), st.sampled_from([30, 60, 90, 120]), st.integers(-3000, 5000), SPOTS),
    min_size=1,
    max_size=7,
)


@settings(max_examples=60, deadline=None)
@given(jobs=JOBS, hours=st.integers(1, 5))
def test_a_members_best_week_at_each_load_is_the_best_of_all_their_possible_weeks(
    jobs: list[tuple[int, int, int, tuple[float, float]]], hours: int
) -> None:
    """The dynamic programme against every subset of jobs within the member's hours in which each
    job leaves time to travel to the next (the rule between consecutive jobs only: a relaxation)."""
    reqs = [
        request(f"r{i}", 30 * at, 30 * at + d, priority=1, at=spot) for i, (at, d, _, spot) in enumerate(jobs)
    ]
    pb = Problem(instance(reqs, [member("m", max_minutes=60 * hours)]), Params(product_rules=False))
    weeks = MemberWeeks(pb)
    price = np.array([pb.gain[pb.by_req[r][0]] - job[2] for r, job in enumerate(jobs)], float)
    tables = weeks.table(0, price, every_job=True)
    last = tables.first[-1]
    best = np.full(len(last), -np.inf)
    for size in range(len(jobs) + 1):
        for chosen in itertools.combinations(range(len(jobs)), size):
            week = sorted(chosen, key=lambda r: reqs[r].end)
            load = sum(reqs[r].end - reqs[r].start for r in week)
            if load <= 60 * hours and not any(
                (pb.conflicts[a] >> b) & 1 for a, b in itertools.pairwise(week)
            ):
                unit = load // weeks.unit
                best[unit] = max(best[unit], sum(jobs[r][2] for r in chosen))
    assert np.array_equal(last, best)
    for reached in np.flatnonzero(last > -np.inf).tolist():
        found = weeks.week(0, tables, reached)
        assert sum(jobs[pb.pair_r[p]][2] for p in found) == last[reached]


@pytest.mark.parametrize(
    ("roster", "message"),
    [
        ({"assignments": [{"member_id": "nobody", "request_id": "r0"}]}, "nobody is not in the instance"),
        ({"assignments": [{"member_id": "m", "request_id": "r9"}]}, "r9 is not in the instance"),
        ({"members": []}, "not a roster"),
        ("[1", "the roster is not JSON"),
    ],
)
def test_a_roster_the_bound_cannot_start_from_is_named_with_the_reason(
    tmp_path: Path, roster: object, message: str
) -> None:
    pb = Problem(instance([request("r0", 0, 60)], [member("m")]), Params())
    path = tmp_path / "roster.json"
    path.write_text(roster if isinstance(roster, str) else json.dumps(roster))
    with pytest.raises(SystemExit, match=message):
        roster_weeks(pb, [path])
