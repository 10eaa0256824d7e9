"""A forced pin keeps its member on the job past the rules the coordinator waived, for that pair only;
every other rule still holds, and what no force can change (double booking) is still refused."""

from __future__ import annotations

import pytest

from solver import Assignment, ForcedPin, Member, Params, ReasonCode, Waiver, breaches, check, solve
from tests.unit.solver.builders import DAY, instance, member, pairs, request

P = Params(time_limit_s=5, workers=1, product_rules=True)


def pin(rid: str, mid: str) -> Assignment:
    return Assignment(request_id=rid, slot_index=0, member_id=mid)


def forced(rid: str, mid: str, *waived: Waiver) -> ForcedPin:
    return ForcedPin(request_id=rid, member_id=mid, waived=frozenset(waived))


def test_breaches_name_every_waivable_rule_a_pin_breaks_in_order() -> None:
    away = member("sam", windows=((DAY, 2 * DAY),))
    inst = instance([request("lift", 0, 60, skills=("driver",))], [away], pinned=(pin("lift", "sam"),))
    found = breaches(inst, P, "lift", "sam")
    assert [(x.code, x.text, x.waiver) for x in found] == [
        (ReasonCode.NO_SKILL, "does not have the driver skill", Waiver.SKILLS),
        (
            ReasonCode.UNAVAILABLE,
            "is not available then (their availability or a day off)",
            Waiver.AVAILABILITY,
        ),
    ]


def test_double_booking_is_a_breach_no_force_can_waive() -> None:
    inst = instance(
        [request("r1", 0, 60), request("r2", 30, 90, skills=("driver",))],
        [member("sam")],
        pinned=(pin("r1", "sam"), pin("r2", "sam")),
    )
    found = breaches(inst, P, "r2", "sam")
    assert [x.waiver for x in found] == [Waiver.SKILLS, None]
    assert found[-1].code == ReasonCode.BUSY_ELSEWHERE


def test_a_pin_that_breaks_nothing_has_no_breaches() -> None:
    inst = instance([request("r1", 0, 60)], [member("a")], pinned=(pin("r1", "a"),))
    assert breaches(inst, P, "r1", "a") == []


def test_a_forced_non_driver_stays_on_the_lift_and_the_roster_passes_the_checker() -> None:
    lift = request("lift", 0, 60, skills=("driver",), headcount=2, passengers=2)
    inst = instance(
        [lift, request("later", DAY, DAY + 60, skills=("driver",))],
        [member("sam"), member("dai", skills=("driver",), car_seats=3)],
        pinned=(pin("lift", "sam"),),
        forced=(forced("lift", "sam", Waiver.SKILLS),),
    )
    roster = solve(inst, P)
    assert roster.released == ()
    assert {("lift", "sam"), ("lift", "dai")} <= pairs(roster.assignments)
    assert ("later", "sam") not in pairs(roster.assignments)  # waived for that job only
    assert check(inst, roster, P).feasible


def test_the_checker_still_refuses_the_waived_rule_on_any_other_pair() -> None:
    inst = instance(
        [request("r1", 0, 60, skills=("driver",)), request("r2", DAY, DAY + 60, skills=("driver",))],
        [member("sam")],
        pinned=(pin("r1", "sam"),),
        forced=(forced("r1", "sam", Waiver.SKILLS),),
    )
    ok = [pin("r1", "sam")]
    assert check(inst, ok, P).feasible
    bad = check(inst, [*ok, Assignment(request_id="r2", slot_index=0, member_id="sam")], P)
    assert any(v.startswith("H1") and "r2" in v for v in bad.violations)
    unforced = check(inst.model_copy(update={"forced": ()}), ok, P)
    assert any(v.startswith("H1") for v in unforced.violations)


def test_forced_hours_do_not_count_against_the_limit_but_other_work_still_does() -> None:
    inst = instance(
        [request("r1", 0, 60), request("r2", DAY, DAY + 60), request("r3", 2 * DAY, 2 * DAY + 60)],
        [member("a", max_minutes=90)],
        pinned=(pin("r1", "a"), pin("r2", "a")),
        forced=(forced("r2", "a", Waiver.HOURS),),
    )
    roster = solve(inst, P)
    assert roster.released == ()
    assert pairs(roster.assignments) == {("r1", "a"), ("r2", "a")}  # r3 would go over the hours
    assert check(inst, roster, P).feasible


def test_a_forced_pin_is_released_for_a_rule_it_did_not_waive() -> None:
    away = member("sam", windows=((DAY, 2 * DAY),))
    inst = instance(
        [request("lift", 0, 60, skills=("driver",))],
        [away],
        pinned=(pin("lift", "sam"),),
        forced=(forced("lift", "sam", Waiver.SKILLS),),
    )
    roster = solve(inst, P)
    assert [(x.code, x.waiver) for x in roster.released] == [(ReasonCode.UNAVAILABLE, Waiver.AVAILABILITY)]
    assert check(inst, roster, P).feasible


def test_a_released_forced_pin_leaves_no_waived_pair_behind_for_the_solver() -> None:
    """Sam, forced onto buddy work, is released when the warm start finds nobody to go with him (Ana
    went to more urgent work), and is not then sent there unpinned, without the skill, by the exact
    search (which would pair him with Ana); the same when his forced pin clashes with an earlier pin."""
    buddy = request("court", 0, 60, skills=("trained",), headcount=2, min_team=2, priority=3)
    lone = instance(
        [buddy, request("other", 0, 60, priority=5)],
        [member("sam"), member("ana", skills=("trained",))],
        pinned=(pin("court", "sam"),),
        forced=(forced("court", "sam", Waiver.SKILLS),),
    )
    roster = solve(lone, P)
    assert [x.member_id for x in roster.released] == ["sam"]
    assert ("court", "sam") not in pairs(roster.assignments)
    assert check(lone, roster, P).feasible
    clash = instance(
        [request("r1", 0, 60), request("r2", 30, 90, skills=("driver",))],
        [member("sam")],
        pinned=(pin("r1", "sam"), pin("r2", "sam")),
        forced=(forced("r2", "sam", Waiver.SKILLS),),
    )
    roster = solve(clash, P)
    assert pairs(roster.assignments) == {("r1", "sam")}
    assert [(x.request_id, x.code) for x in roster.released] == [("r2", ReasonCode.BUSY_ELSEWHERE)]


@pytest.mark.parametrize("gone", ["member", "request"])
def test_a_forced_pin_whose_member_left_or_request_was_cancelled_is_released_and_planning_goes_on(
    gone: str,
) -> None:
    """Deactivated members and cancelled requests are not in the instance: whatever the pin waived,
    it goes, with the reason, and the rest is planned."""
    requests = [request("lift", 0, 60, skills=("driver",)), request("tea", DAY, DAY + 60)]
    members = [member("sam"), member("ana")]
    inst = instance(
        requests[1:] if gone == "request" else requests,
        members[1:] if gone == "member" else members,
        pinned=(pin("lift", "sam"),),
        forced=(forced("lift", "sam", Waiver.SKILLS, Waiver.AVAILABILITY),),
    )
    roster = solve(inst, P)
    assert [(x.request_id, x.member_id, x.code) for x in roster.released] == [
        ("lift", "sam", ReasonCode.EXCLUDED)
    ]
    assert "no longer in the plan" in roster.released[0].text
    assert "tea" in {rid for rid, _ in pairs(roster.assignments)}
    assert check(inst, roster, P, roster.released).feasible


@pytest.mark.parametrize(
    ("waiver", "sam", "prefix"),
    [
        (Waiver.KINDS, member("sam", refused_kinds=frozenset({"lift"})), "P preferences"),
        (Waiver.PARTNERS, member("sam", refused_partners=frozenset({"union"})), "P partners"),
        (Waiver.TRAVEL_RADIUS, member("sam", at=(51.9, -3.17), max_travel_km=5), "P travel radius"),
        (Waiver.AVAILABILITY, member("sam", windows=((DAY, 2 * DAY),)), "H2"),
    ],
)
def test_each_waiver_is_kept_by_the_solver_and_accepted_by_the_checker_for_its_pair_only(
    waiver: Waiver, sam: Member, prefix: str
) -> None:
    job = request("job", 0, 60, kind="lift", partner="union")
    inst = instance([job], [sam], pinned=(pin("job", "sam"),))
    assert [x.waiver for x in breaches(inst, P, "job", "sam")] == [waiver]
    unforced = check(inst, [pin("job", "sam")], P)
    assert any(v.startswith(prefix) for v in unforced.violations)
    forced_inst = inst.model_copy(update={"forced": (forced("job", "sam", waiver),)})
    roster = solve(forced_inst, P)
    assert pairs(roster.assignments) == {("job", "sam")} and roster.released == ()
    assert check(forced_inst, roster, P).feasible
