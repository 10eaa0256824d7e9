"""Pins that can no longer be kept are released with the rule they break, and never stop a solve."""

from __future__ import annotations

from solver import Assignment, Params, ReasonCode, check, fit_notes, placement_options, solve
from tests.unit.solver.builders import DAY, instance, member, pairs, request

P = Params(time_limit_s=5, workers=1, product_rules=True)


def pin(rid: str, mid: str, slot: int = 0) -> Assignment:
    return Assignment(request_id=rid, slot_index=slot, member_id=mid)


def solved(inst):
    roster = solve(inst, P)
    result = check(inst, roster.assignments, P, roster.released)
    assert result.feasible, result.violations
    return roster


def released(roster) -> dict[tuple[str, str], tuple[ReasonCode, str]]:
    return {(x.request_id, x.member_id): (x.code, x.text) for x in roster.released}


def test_a_pin_that_still_fits_is_kept_and_nothing_is_released() -> None:
    inst = instance([request("r1", 0, 60)], [member("a"), member("b")], pinned=(pin("r1", "b"),))
    roster = solved(inst)
    assert pairs(roster.assignments) == {("r1", "b")} and roster.released == ()


def test_a_pin_on_a_day_off_is_released_as_unavailable_and_the_slot_goes_to_someone_free() -> None:
    away = member("away", windows=((DAY, 2 * DAY),))
    inst = instance([request("r1", 60, 120)], [away, member("free")], pinned=(pin("r1", "away"),))
    roster = solved(inst)
    assert pairs(roster.assignments) == {("r1", "free")}
    assert released(roster) == {
        ("r1", "away"): (ReasonCode.UNAVAILABLE, "is not available then (their availability or a day off)")
    }


def test_a_pin_onto_a_lift_for_someone_without_the_skill_is_released_naming_the_skill_rule() -> None:
    lift = request("lift", 0, 60, skills=("driver",), passengers=2)
    inst = instance(
        [lift],
        [member("walker"), member("driver", skills=("driver",), car_seats=3)],
        pinned=(pin("lift", "walker"),),
    )
    roster = solved(inst)
    assert released(roster)[("lift", "walker")][0] == ReasonCode.NO_SKILL
    assert pairs(roster.assignments) == {("lift", "driver")}


def test_a_pin_of_a_member_who_left_or_a_request_that_went_is_released_as_gone() -> None:
    inst = instance([request("r1", 0, 60)], [member("a")], pinned=(pin("r1", "left"), pin("gone", "a")))
    roster = solved(inst)
    assert set(released(roster)) == {("r1", "left"), ("gone", "a")}
    assert pairs(roster.assignments) == {("r1", "a")}


def test_two_pins_at_the_same_time_keep_the_first_and_release_the_second_as_busy() -> None:
    inst = instance(
        [request("r1", 0, 60), request("r2", 30, 90)],
        [member("a"), member("b")],
        pinned=(pin("r1", "a"), pin("r2", "a")),
    )
    roster = solved(inst)
    assert released(roster) == {
        ("r2", "a"): (ReasonCode.BUSY_ELSEWHERE, "is pinned elsewhere at the same time")
    }
    assert pairs(roster.assignments) == {("r1", "a"), ("r2", "b")}


def test_pins_over_the_members_hours_release_the_one_that_does_not_fit() -> None:
    inst = instance(
        [request("r1", 0, 60), request("r2", DAY, DAY + 60)],
        [member("a", max_minutes=90)],
        pinned=(pin("r1", "a"), pin("r2", "a")),
    )
    roster = solved(inst)
    assert released(roster) == {("r2", "a"): (ReasonCode.AT_HOUR_LIMIT, "would go over their hours")}


def test_a_pin_on_buddy_work_with_nobody_free_to_go_along_is_released_by_the_buddy_rule() -> None:
    lookout = request("look", 0, 60, headcount=2, min_team=2)
    inst = instance(
        [lookout], [member("a"), member("b", windows=((DAY, 2 * DAY),))], pinned=(pin("look", "a"),)
    )
    roster = solved(inst)
    assert (
        released(roster)[("look", "a")][1]
        == "could not be sent with anyone else, and nobody goes alone on this work"
    )
    assert roster.assignments == ()


def test_a_pin_on_buddy_work_is_kept_when_someone_can_go_along() -> None:
    lookout = request("look", 0, 60, headcount=2, min_team=2)
    inst = instance([lookout], [member("a"), member("b")], pinned=(pin("look", "a"),))
    roster = solved(inst)
    assert roster.released == () and pairs(roster.assignments) == {("look", "a"), ("look", "b")}


def test_the_checker_refuses_a_missing_pin_without_a_reason() -> None:
    inst = instance([request("r1", 0, 60)], [member("a"), member("b")], pinned=(pin("r1", "a"),))
    result = check(inst, [pin("r1", "b")], P)
    assert result.violations == ["C pinned r1/a is missing"]


def test_placement_options_rank_who_fits_and_name_the_rule_that_stops_the_others() -> None:
    far = (51.55, -3.18)
    inst = instance(
        [request("lift", 0, 60, skills=("driver",)), request("r2", 30, 90)],
        [
            member("near", skills=("driver",)),
            member("far", skills=("driver",), at=far),
            member("walker"),
            member("busy", skills=("driver",)),
        ],
        pinned=(pin("r2", "busy"),),
    )
    options = placement_options(inst, P, "lift")
    assert options[:2] == [("near", None), ("far", None)]
    assert dict(options[2:]) == {
        "walker": "does not have the driver skill",
        "busy": "is pinned elsewhere at the same time",
    }


def test_fit_notes_name_distance_liked_work_and_an_approved_place() -> None:
    far = (51.55, -3.18)
    inst = instance(
        [request("lift", 0, 60, kind="court_support")],
        [member("near", liked_kinds=frozenset({"court_support"})), member("far", at=far)],
        approved=(pin("lift", "far"),),
    )
    notes = fit_notes(inst, "lift", ["near", "far", "gone"])
    assert notes["near"] == "0 km from home, likes court support work"
    assert notes["far"].endswith("km from home, already on it in the approved roster")
    assert not notes["far"].startswith("0 km") and notes["gone"] == ""
    assert fit_notes(inst, "no-such-request", ["near"]) == {"near": ""}
