"""Per rule: a trivial feasible case, a case where breaking the rule would pay (the solver must not),
and a case where the rule allows what looks close to a violation."""

from __future__ import annotations

from solver import Assignment, Params, check, solve
from tests.unit.solver.builders import DAY, instance, member, pairs, request

P = Params(time_limit_s=5, workers=1)
PRODUCT = Params(time_limit_s=5, workers=1, product_rules=True)
FAR = (51.60, -3.18)  # about 13 km north of HERE: 27 minutes of travel


def solved(inst, params=P):
    roster = solve(inst, params)
    result = check(inst, roster.assignments, params)
    assert result.feasible, result.violations
    assert result.objective == roster.objective
    return roster


def test_skills_rule_sends_the_skilled_member_and_never_the_unskilled() -> None:
    inst = instance(
        [request("r1", 0, 60, skills=("driver",))], [member("walker"), member("driver", skills=("driver",))]
    )
    assert pairs(solved(inst).assignments) == {("r1", "driver")}
    alone = instance(
        [request("r1", 0, 60, skills=("driver", "first_aid"))], [member("m1", skills=("driver",))]
    )
    assert solved(alone).assignments == ()


def test_availability_rule_needs_one_window_covering_the_whole_job() -> None:
    split = member("split", windows=((0, 30), (30, 60)))
    inst = instance([request("r1", 0, 60)], [split])
    assert solved(inst).assignments == ()
    covered = instance([request("r1", 0, 60)], [member("m1", windows=((-60, 60),))])
    assert pairs(solved(covered).assignments) == {("r1", "m1")}


def test_no_double_booking_rule_keeps_travel_time_between_jobs() -> None:
    overlap = instance([request("a", 0, 60, priority=5), request("b", 30, 90, priority=5)], [member("m1")])
    assert len(solved(overlap).assignments) == 1
    travel = instance([request("a", 0, 60), request("b", 70, 130, at=FAR)], [member("m1")])
    assert len(solved(travel).assignments) == 1
    enough = instance([request("a", 0, 60), request("b", 90, 150, at=FAR)], [member("m1")])
    assert len(solved(enough).assignments) == 2


def test_max_hours_rule_caps_the_week() -> None:
    jobs = [request(f"r{i}", i * DAY, i * DAY + 120) for i in range(3)]
    assert len(solved(instance(jobs, [member("m1", max_minutes=240)])).assignments) == 2
    assert len(solved(instance(jobs, [member("m1", max_minutes=360)])).assignments) == 3


def test_coverage_rule_prefers_urgent_slots_and_respects_headcount() -> None:
    inst = instance([request("low", 0, 60, priority=1), request("high", 0, 60, priority=5)], [member("m1")])
    assert pairs(solved(inst).assignments) == {("high", "m1")}
    crowd = instance([request("r1", 0, 60, headcount=2)], [member(f"m{i}") for i in range(4)])
    roster = solved(crowd)
    assert len(roster.assignments) == 2 and {a.slot_index for a in roster.assignments} == {0, 1}


def test_travel_cost_rule_sends_the_nearest_member() -> None:
    inst = instance([request("r1", 0, 60)], [member("far", at=FAR), member("near")])
    assert pairs(solved(inst).assignments) == {("r1", "near")}


def test_fairness_rule_balances_loads_between_members() -> None:
    jobs = [request("a", 0, 120), request("b", DAY, DAY + 120)]
    roster = solved(instance(jobs, [member("m1"), member("m2")]))
    # Both jobs to one member or one job each: the spread among used members is 0 either way.
    assert len(roster.assignments) == 2 and roster.objective == 6000


def test_lift_seats_rule_sends_enough_seats_or_nobody() -> None:
    lift = request("lift", 0, 60, headcount=2, passengers=5, skills=("driver",))
    small = [member("a", skills=("driver",), car_seats=2), member("b", skills=("driver",), car_seats=2)]
    assert solved(instance([lift], small), PRODUCT).assignments == ()
    big = [*small, member("c", skills=("driver",), car_seats=3, at=FAR)]
    roster = solved(instance([lift], big), PRODUCT)
    assert "c" in {a.member_id for a in roster.assignments} and len(roster.assignments) == 2


def test_lead_rule_sends_a_team_only_with_a_lead() -> None:
    job = request("court", 0, 60, headcount=2, lead_skills=frozenset({"legal_observer"}))
    novices = [member("n1"), member("n2")]
    assert solved(instance([job], novices), PRODUCT).assignments == ()
    roster = solved(instance([job], [*novices, member("lead", skills=("legal_observer",), at=FAR)]), PRODUCT)
    assert ("court", "lead") in pairs(roster.assignments) and len(roster.assignments) == 2


def test_buddy_rule_sends_nobody_alone() -> None:
    job = request("lookout", 0, 60, headcount=3, min_team=2)
    assert solved(instance([job], [member("solo")]), PRODUCT).assignments == ()
    assert len(solved(instance([job], [member("m1"), member("m2")]), PRODUCT).assignments) == 2


def test_preferences_rule_forbids_refused_kinds_and_rewards_liked_ones() -> None:
    job = request("r1", 0, 60, kind="cooking")
    refuser = member("refuser", refused_kinds=frozenset({"cooking"}))
    assert solved(instance([job], [refuser]), PRODUCT).assignments == ()
    fan = member("fan", liked_kinds=frozenset({"cooking"}), at=FAR)
    liked = Params(time_limit_s=5, workers=1, product_rules=True, preference_weight=50)
    assert pairs(solved(instance([job], [member("near"), fan]), liked).assignments) == {("r1", "fan")}


def test_refused_partners_rule_keeps_members_away_from_partners_they_refuse() -> None:
    job = request("r1", 0, 60, partner="Landlords Ltd")
    refuser = member("m1", refused_partners=frozenset({"Landlords Ltd"}))
    assert solved(instance([job], [refuser]), PRODUCT).assignments == ()
    assert (
        len(
            solved(
                instance([job], [member("m2", refused_partners=frozenset({"Other"}))]), PRODUCT
            ).assignments
        )
        == 1
    )


def test_travel_radius_rule_respects_how_far_members_travel() -> None:
    job = request("r1", 0, 60, at=FAR)
    assert solved(instance([job], [member("m1", max_travel_km=5)]), PRODUCT).assignments == ()
    assert len(solved(instance([job], [member("m1", max_travel_km=15)]), PRODUCT).assignments) == 1


def test_rolling_fairness_spares_whoever_carried_the_last_weeks() -> None:
    jobs = [request("r1", 0, 60), request("r2", 0, 60)]  # at one time: two people must go
    tired, fresh = member("tired", history_minutes=900), member("fresh", history_minutes=60, at=FAR)
    crew = [tired, fresh, member("m3", history_minutes=60, at=FAR)]
    assert "tired" not in {a.member_id for a in solved(instance(jobs, crew), PRODUCT).assignments}
    assert "tired" in {a.member_id for a in solved(instance(jobs, crew)).assignments}


def test_stability_rule_keeps_approved_assignments_when_changing_costs() -> None:
    job = request("r1", 0, 60)
    approved = (Assignment(request_id="r1", slot_index=0, member_id="far"),)
    inst = instance([job], [member("near"), member("far", at=FAR)], approved=approved)
    assert pairs(solved(inst, Params(time_limit_s=5, workers=1, change_weight=100)).assignments) == {
        ("r1", "far")
    }
    assert pairs(solved(inst).assignments) == {("r1", "near")}


def test_pinned_assignments_stay_in_their_slot_and_forbidden_ones_never_appear() -> None:
    job = request("r1", 0, 60, headcount=2)
    pin = Assignment(request_id="r1", slot_index=1, member_id="far")
    ban = Assignment(request_id="r1", slot_index=0, member_id="near")
    inst = instance(
        [job],
        [member("near"), member("far", at=FAR), member("mid", at=(51.50, -3.18))],
        pinned=(pin,),
        forbidden=(ban,),
    )
    roster = solved(inst)
    assert pin in roster.assignments and ("r1", "near") not in pairs(roster.assignments)
    assert pairs(roster.assignments) == {("r1", "far"), ("r1", "mid")}
