"""Incremental re-solve: after a decline or a new request, the proposal keeps the approved roster."""

from __future__ import annotations

from solver import Params, check, solve
from solver.bench_format import instance_from_bench
from tests.unit.solver.builders import DAY, load_fixture, pairs, request

RESOLVE = Params(time_limit_s=2, change_weight=2000)


def test_a_decline_changes_only_the_declined_assignment_and_what_it_forces() -> None:
    inst = instance_from_bench(load_fixture("small-s1"))
    before = solve(inst, Params(time_limit_s=5))
    declined = before.assignments[0]
    again = inst.model_copy(update={"approved": before.assignments, "forbidden": (declined,)})
    after = solve(again, RESOLVE)
    assert check(again, after.assignments, RESOLVE).objective == after.objective
    dropped = pairs(before.assignments) - pairs(after.assignments)
    assert (declined.request_id, declined.member_id) in dropped and len(dropped) <= 2
    assert after.wall_s < 2.0


def test_a_new_request_is_staffed_without_reshuffling_the_week() -> None:
    inst = instance_from_bench(load_fixture("small-s2"))
    before = solve(inst, Params(time_limit_s=5))
    extra = request("new", 5 * DAY + 10 * 60, 5 * DAY + 11 * 60, priority=5)
    again = inst.model_copy(update={"approved": before.assignments, "requests": (*inst.requests, extra)})
    after = solve(again, RESOLVE)
    assert pairs(before.assignments) <= pairs(after.assignments)
    assert "new" in {a.request_id for a in after.assignments}
    kept = {(a.request_id, a.member_id): a.slot_index for a in before.assignments}
    assert all(kept.get((a.request_id, a.member_id), a.slot_index) == a.slot_index for a in after.assignments)
