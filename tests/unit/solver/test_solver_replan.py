"""Re-plans repair the current roster around what changed (solver.incremental), and reach the
optimum the whole solve proves. The small fixtures are re-decided whole by default (one model
holds them), so most of these tests lift the limits to exercise the neighbourhood repair on them."""

from __future__ import annotations

import time

import pytest

from solver import Instance, Params, SolveKind, SolveStatus, check, replan, solve
from solver import incremental as incremental_module
from solver.bench_format import instance_from_bench
from solver.greedy import greedy_roster
from solver.incremental import _repair
from solver.pins import prepare
from tests.unit.solver.builders import DAY, load_fixture, pairs, request, with_product_data

RESOLVE = Params(time_limit_s=5, change_weight=2000, workers=1)


@pytest.fixture(autouse=True)
def repair_small_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(incremental_module, "EXACT_ONLY_PAIRS", 0)
    monkeypatch.setattr(incremental_module, "RING_PAIRS", 0)
    monkeypatch.setattr(incremental_module, "MAX_SHARE", 1.0)


def _optimum(instance: Instance) -> int:
    whole = solve(instance, RESOLVE)
    assert whole.status == SolveStatus.OPTIMAL, "the whole solve proves the optimum on small"
    return whole.objective


def test_a_decline_is_repaired_at_the_optimum_changing_only_what_it_forces() -> None:
    inst = instance_from_bench(load_fixture("small-s1"))
    before = solve(inst, Params(time_limit_s=5, workers=1))
    declined = before.assignments[3]
    again = inst.model_copy(update={"approved": before.assignments, "forbidden": (declined,)})
    after = replan(again, RESOLVE)
    assert after.kind == SolveKind.INCREMENTAL
    assert check(again, after.assignments, RESOLVE).objective == after.objective
    assert after.objective == _optimum(again)
    dropped = pairs(before.assignments) - pairs(after.assignments)
    assert (declined.request_id, declined.member_id) in dropped and len(dropped) <= 2


def test_a_new_request_is_planned_from_the_unapproved_proposal() -> None:
    inst = instance_from_bench(load_fixture("small-s2"))
    proposal = solve(inst, Params(time_limit_s=5, workers=1))
    extra = request("new", 5 * DAY + 10 * 60, 5 * DAY + 11 * 60, priority=5)
    again = inst.model_copy(update={"hint": proposal.assignments, "requests": (*inst.requests, extra)})
    after = replan(again, RESOLVE)
    assert after.kind == SolveKind.INCREMENTAL
    assert "new" in {a.request_id for a in after.assignments}
    assert check(again, after.assignments, RESOLVE).objective == after.objective
    assert after.objective == _optimum(again)


def test_a_member_who_can_no_longer_go_is_replaced() -> None:
    inst = instance_from_bench(load_fixture("small-s3"))
    before = solve(inst, Params(time_limit_s=5, workers=1))
    busiest = max(
        {a.member_id for a in before.assignments},
        key=lambda m: sum(a.member_id == m for a in before.assignments),
    )
    members = tuple(m.model_copy(update={"windows": ()}) if m.id == busiest else m for m in inst.members)
    again = inst.model_copy(update={"approved": before.assignments, "members": members})
    after = replan(again, RESOLVE)
    assert after.kind == SolveKind.INCREMENTAL
    assert busiest not in {a.member_id for a in after.assignments}
    assert check(again, after.assignments, RESOLVE).objective == after.objective
    assert after.objective == _optimum(again)


def test_without_a_current_roster_the_whole_roster_is_solved() -> None:
    inst = instance_from_bench(load_fixture("small-s1"))
    first = replan(inst, RESOLVE)
    assert first.kind == SolveKind.FULL
    assert first.status == SolveStatus.OPTIMAL


def test_small_problems_are_solved_whole_from_the_current_roster(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()
    inst = instance_from_bench(load_fixture("small-s1"))
    before = solve(inst, Params(time_limit_s=5, workers=1))
    again = inst.model_copy(update={"approved": before.assignments, "forbidden": (before.assignments[0],)})
    after = replan(again, RESOLVE)
    assert (after.kind, after.status) == (SolveKind.FULL, SolveStatus.OPTIMAL)
    assert after.objective == after.bound == _optimum(again)


def test_a_repair_of_everybody_is_proven_also_with_a_pin_outside_its_model() -> None:
    """The pinned assignment's gain stays outside the repair's model: compared with the model's
    bound as it was, the roster never matched it, and a proven repair was reported unproven."""
    inst = with_product_data(instance_from_bench(load_fixture("small-s2")))
    pb, _ = prepare(inst, Params(time_limit_s=10.0, product_rules=True))
    assert pb.pinned
    everybody = set(range(pb.n_mem))
    state, status, bound = _repair(pb, greedy_roster(pb), everybody, time.monotonic() + 20, seed=0)
    assert status == SolveStatus.OPTIMAL and bound == state.objective()
