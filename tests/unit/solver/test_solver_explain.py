from __future__ import annotations

from solver import Assignment, Params, ReasonCode, solve
from tests.unit.solver.builders import DAY, instance, member, request

P = Params(time_limit_s=5, workers=1)
TUESDAY_MORNING = (DAY + 9 * 60, DAY + 12 * 60)


def reasons(inst):
    return {(e.request_id, e.slot_index): (e.code, e.text) for e in solve(inst, P).unfilled}


def test_nobody_with_the_skills() -> None:
    inst = instance([request("court", *TUESDAY_MORNING, skills=("court_support_trained",))], [member("m1")])
    assert reasons(inst) == {("court", 0): (ReasonCode.NO_SKILL, "no member with court_support_trained")}


def test_skilled_but_nobody_available_names_the_day_and_time() -> None:
    trained = member("m1", skills=("court_support_trained",), windows=((2 * DAY, 3 * DAY),))
    inst = instance([request("court", *TUESDAY_MORNING, skills=("court_support_trained",))], [trained])
    assert reasons(inst)[("court", 0)] == (
        ReasonCode.UNAVAILABLE,
        "no member with court_support_trained is available on Tue 09:00-12:00",
    )


def test_available_members_at_their_hour_limit() -> None:
    inst = instance(
        [request("long", 0, 300, priority=5), request("r2", DAY, DAY + 120)], [member("m1", max_minutes=360)]
    )
    code, text = reasons(inst)[("r2", 0)]
    assert code is ReasonCode.AT_HOUR_LIMIT
    assert text == "the only member available on Tue 00:00-02:00 is at their hour limit", "not 'all 1 member'"


def test_busy_elsewhere_with_more_urgent_work() -> None:
    inst = instance(
        [request("urgent", 0, 60, priority=5), request("minor", 30, 90, priority=1)], [member("m1")]
    )
    code, text = reasons(inst)[("minor", 0)]
    assert code is ReasonCode.BUSY_ELSEWHERE and "priority 5" in text


def test_excluded_by_a_coordinator() -> None:
    ban = Assignment(request_id="r1", slot_index=0, member_id="m1")
    inst = instance([request("r1", 0, 60)], [member("m1")], forbidden=(ban,))
    assert reasons(inst)[("r1", 0)][0] is ReasonCode.EXCLUDED


def test_every_empty_slot_gets_its_own_explanation() -> None:
    inst = instance([request("r1", 0, 60, headcount=3)], [member("m1")])
    roster = solve(inst, P)
    assert sorted(e.slot_index for e in roster.unfilled) == [1, 2]
    assert roster.filled_slots + len(roster.unfilled) == roster.total_slots == 3


PRODUCT = Params(time_limit_s=5, workers=1, product_rules=True)


def product_reasons(inst):
    return {(e.request_id, e.slot_index): (e.code, e.text) for e in solve(inst, PRODUCT).unfilled}


def test_nobody_free_can_lead_the_team() -> None:
    lookout = request(
        "look", *TUESDAY_MORNING, headcount=2, lead_skills=frozenset({"legal_observer"}), min_team=2
    )
    code, text = product_reasons(instance([lookout], [member("m1"), member("m2")]))[("look", 0)]
    assert code is ReasonCode.NO_SKILL
    assert text.endswith("none of them holds legal_observer, needed to lead the team")


def test_too_few_free_to_go_together() -> None:
    court = request("court", *TUESDAY_MORNING, headcount=2, min_team=2)
    code, text = product_reasons(instance([court], [member("m1")]))[("court", 0)]
    assert code is ReasonCode.UNAVAILABLE and "nobody is sent alone: at least 2 go together" in text


def test_too_few_seats_for_the_passengers() -> None:
    lift = request("lift", *TUESDAY_MORNING, skills=("driver",), passengers=4)
    driver = member("d1", skills=("driver",), car_seats=2)
    code, text = product_reasons(instance([lift], [driver]))[("lift", 0)]
    assert code is ReasonCode.UNAVAILABLE and "their cars seat 2 of the 4 passengers" in text
