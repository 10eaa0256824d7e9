"""The checker against hand-computed figures (SPEC section 2 arithmetic) and each hard rule."""

from __future__ import annotations

from solver import Assignment, Params, check
from solver.geo import dist_m, home_km, travel_min
from tests.unit.solver.builders import DAY, instance, member, request


def a(rid: str, mid: str, slot: int = 0) -> Assignment:
    return Assignment(request_id=rid, slot_index=slot, member_id=mid)


def test_distance_rounding_follows_the_spec() -> None:
    metres = dist_m(51.48, -3.18, 51.49, -3.18)
    assert metres == 1112  # 0.01 degree of latitude on a 6371 km sphere
    assert travel_min(metres) == 3 and home_km(metres) == 1
    assert travel_min(1000) == 2 and travel_min(1001) == 3 and home_km(1499) == 1 and home_km(1500) == 2


def test_objective_parts_are_filled_minus_travel_minus_fairness() -> None:
    inst = instance(
        [request("r1", 600, 720, priority=5, at=(51.49, -3.18)), request("r2", 900, 930, priority=2)],
        [member("m1"), member("m2")],
    )
    res = check(inst, [a("r1", "m1"), a("r2", "m2")])
    assert res.feasible
    assert (res.filled, res.travel_km, res.fairness) == (7000, 1, 10 * (120 - 30))
    assert res.objective == 7000 - 1 - 900
    assert (res.filled_slots, res.total_slots) == (2, 2)


def test_unused_members_do_not_pull_the_minimum_load_to_zero() -> None:
    inst = instance([request("r1", 600, 720)], [member("m1"), member("idle")])
    assert check(inst, [a("r1", "m1")]).fairness == 0


def test_the_empty_roster_is_feasible_with_objective_zero() -> None:
    assert check(instance([request("r1", 0, 60)], [member("m1")]), []).objective == 0


def test_structural_faults_come_first() -> None:
    inst = instance([request("r1", 0, 60, headcount=1)], [member("m1"), member("m2")])
    assert check(inst, [a("r9", "m1")]).violations[0].startswith("S1")
    assert check(inst, [a("r1", "m9")]).violations[0].startswith("S2")
    assert check(inst, [a("r1", "m1", slot=1)]).violations[0].startswith("S3")
    assert check(inst, [a("r1", "m1"), a("r1", "m2")]).violations[0].startswith("S4")


def test_each_hard_rule_is_detected() -> None:
    far = (51.60, -3.18)  # about 13 km away: 27 minutes of travel
    inst = instance(
        [
            request("skill", 0, 60, skills=("driver",)),
            request("late", 2 * DAY, 2 * DAY + 60),
            request("two", 100, 160, headcount=2),
            request("a", 300, 360),
            request("b", 370, 430, at=far),
            request("long", 500, 1200),
        ],
        [member("m1", windows=((0, DAY),)), member("m2", max_minutes=60)],
    )
    assert check(inst, [a("skill", "m1")]).violations[0].startswith("H1")
    assert check(inst, [a("late", "m1")]).violations[0].startswith("H2")
    assert check(inst, [a("two", "m1"), a("two", "m1", 1)]).violations[0].startswith("H3")
    assert check(inst, [a("a", "m1"), a("b", "m1")]).violations[0].startswith("H4")
    assert check(inst, [a("long", "m2")]).violations[0].startswith("H5")
    assert check(inst, [a("a", "m1"), a("two", "m1")]).feasible


def test_touching_jobs_at_one_place_do_not_conflict_but_elsewhere_they_do() -> None:
    inst = instance(
        [request("a", 0, 60), request("b", 60, 120), request("c", 120, 180, at=(51.49, -3.18))],
        [member("m1")],
    )
    assert check(inst, [a("a", "m1"), a("b", "m1")]).feasible
    assert not check(inst, [a("b", "m1"), a("c", "m1")]).feasible


def test_product_rules_are_checked_only_when_asked() -> None:
    inst = instance([request("r1", 0, 60, min_team=2, headcount=2)], [member("m1")])
    assert check(inst, [a("r1", "m1")]).feasible
    assert check(inst, [a("r1", "m1")], Params(product_rules=True)).violations[0].startswith("P buddy")
