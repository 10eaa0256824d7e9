"""Whatever the instance, the solver's roster passes the independent checker with the same objective."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import Instance, Params, check, solve
from tests.unit.solver.builders import DAY, SPOTS, instance, member, request

SKILLS = ("driver", "cook", "first_aid")


@st.composite
def instances(draw: st.DrawFn) -> Instance:
    reqs = []
    for i in range(draw(st.integers(1, 8))):
        start = draw(st.integers(0, 3 * DAY // 15)) * 15
        reqs.append(
            request(
                f"r{i}",
                start,
                start + draw(st.sampled_from([30, 60, 90, 180])),
                headcount=draw(st.integers(1, 3)),
                priority=draw(st.integers(1, 5)),
                skills=tuple(draw(st.sets(st.sampled_from(SKILLS), max_size=1))),
                at=draw(SPOTS),
            )
        )
    mems = []
    for i in range(draw(st.integers(1, 6))):
        a = draw(st.integers(-60, 3 * DAY // 15)) * 15
        windows = ((a, a + draw(st.integers(1, 48)) * 30),)
        mems.append(
            member(
                f"m{i}",
                skills=tuple(draw(st.sets(st.sampled_from(SKILLS)))),
                windows=windows,
                max_minutes=draw(st.sampled_from([0, 60, 240, 600])),
                at=draw(SPOTS),
            )
        )
    return instance(reqs, mems)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_every_roster_passes_the_checker_with_the_reported_objective(inst: Instance) -> None:
    roster = solve(inst, Params(time_limit_s=5, workers=1))
    result = check(inst, roster.assignments)
    assert result.feasible, result.violations
    assert result.objective == roster.objective
    assert roster.bound is None or roster.bound >= roster.objective
    assert roster.filled_slots + len(roster.unfilled) == roster.total_slots
