"""Lifts with pickups through ``solve``: the roster picks the drivers, the router orders the pickups,
and the whole roster (routes included) passes ``check``."""

from __future__ import annotations

from solver import Assignment, Params, check, solve
from solver.schema import Instance, Member, Pickup, Request, Roster
from tests.unit.solver.builders import HERE, instance, member, pairs, request

P = Params(time_limit_s=3, workers=1, route_time_limit_s=0.3)
NORTH, SOUTH = (51.50, -3.18), (51.46, -3.18)
FAR_WEST = (51.48, -3.40)  # 15 km west: 31 minutes


def pickup(pid: str, at: tuple[float, float], people: int) -> Pickup:
    return Pickup(id=pid, lat=at[0], lon=at[1], people=people, label=pid.title())


def lift(*pickups: Pickup, headcount: int = 6) -> Request:
    return request("lift", 600, 720, headcount=headcount, skills=("driver",), pickups=pickups)


def driver(mid: str, seats: int, at: tuple[float, float] = HERE) -> Member:
    return member(mid, skills=("driver",), car_seats=seats, at=at)


def solved(inst: Instance, params: Params = P) -> Roster:
    roster = solve(inst, params)
    result = check(inst, roster, params)
    assert result.feasible, result.violations
    assert result.objective == roster.objective
    return roster


def test_a_lift_of_six_at_two_pickups_gets_two_cars_not_six() -> None:
    crew = [driver("four", 4), driver("three", 3), *(driver(f"one{i}", 1) for i in range(4))]
    inst = instance([lift(pickup("north", NORTH, 3), pickup("south", SOUTH, 3))], crew)
    roster = solved(inst)
    assert pairs(roster.assignments) == {("lift", "four"), ("lift", "three")}
    assert roster.unfilled == () and roster.lift_notes == ()
    assert sorted(r.stops[-2].load for r in roster.routes) == [3, 3]
    assert roster.objective == 1000 * 3 * 2  # worth the two cars it needs; nobody travels


def test_lifts_without_pickups_still_pay_per_driver() -> None:
    plain = request("lift", 600, 720, headcount=2, skills=("driver",), passengers=5)
    roster = solved(instance([plain], [driver("four", 4), driver("three", 3)]))
    assert len(roster.assignments) == 2 and roster.routes == () and roster.objective == 6000


def test_a_lift_with_too_few_seats_is_not_served_and_says_why() -> None:
    inst = instance(
        [lift(pickup("north", NORTH, 3), pickup("south", SOUTH, 4))], [driver("a", 3), driver("b", 2)]
    )
    roster = solved(inst)
    assert roster.assignments == () and roster.routes == ()
    assert [n.text for n in roster.lift_notes] == [
        "7 people at 2 pickups need 7 seats; the 2 free drivers have 5"
    ]


def test_a_driver_who_cannot_reach_in_time_gives_way_to_a_free_one() -> None:
    near, west = driver("near", 4), driver("west", 4, at=FAR_WEST)  # the roster prefers near
    roster = solved(instance([lift(pickup("west", FAR_WEST, 2), headcount=1)], [near, west]))
    assert pairs(roster.assignments) == {("lift", "west")} and roster.lift_notes == ()


def test_a_declined_driver_s_pickups_move_and_the_others_stay() -> None:
    req = lift(pickup("north", NORTH, 2), pickup("south", SOUTH, 2), headcount=3)
    crew = [driver("a", 2), driver("b", 2), driver("c", 2)]
    first = solved(instance([req], crew))
    approved = first.assignments
    who = {s.pickup_id: r.member_id for r in first.routes for s in r.stops if s.pickup_id}
    declined = who["north"]
    again = instance(
        [req],
        crew,
        approved=approved,
        approved_routes=first.routes,
        forbidden=(Assignment(request_id="lift", slot_index=0, member_id=declined),),
    )
    roster = solved(again, P.model_copy(update={"change_weight": 100}))
    after = {s.pickup_id: r.member_id for r in roster.routes for s in r.stops if s.pickup_id}
    assert after["south"] == who["south"] and after["north"] not in (declined, who["south"])
