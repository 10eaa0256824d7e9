"""The warm start leaves members whom many requests need for the requests only they can take."""

from __future__ import annotations

from solver import Params
from solver.greedy import greedy_roster, hours_demand
from solver.problem import Problem
from tests.unit.solver.builders import instance, member, request


def test_a_slot_goes_to_the_member_whose_hours_fewer_requests_want() -> None:
    """Both members are as near; the one listed first is also the only one trained for court
    support at the same hour. Taking the nearest, first-listed member left court support empty."""
    inst = instance(
        [request("water", 0, 60, priority=5), request("court", 0, 60, priority=3, skills=("court",))],
        [member("trained", skills=("court",), max_minutes=60), member("untrained", max_minutes=60)],
    )
    pb = Problem(inst, Params())
    assert hours_demand(pb) == [2.0, 1.0]
    sent = {
        (pb.instance.requests[pb.pair_r[p]].id, pb.instance.members[pb.pair_m[p]].id)
        for p in greedy_roster(pb).chosen
    }
    assert sent == {("water", "untrained"), ("court", "trained")}
