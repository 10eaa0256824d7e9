"""One lift's routes (``solver.routing.plan``), one rule per test; every plan is re-judged by the
route checker."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import Params
from solver.route_check import check_routes
from solver.routing import Driver, LiftPlan, plan
from solver.schema import Assignment, Pickup, Request
from tests.unit.solver.builders import HERE, MONDAY, instance, member, request

START = 600  # 10:00 on the Monday
NORTH = (51.50, -3.18)  # 2.2 km north of the destination: 5 minutes
SOUTH = (51.46, -3.18)  # 2.2 km south
FAR_WEST = (51.48, -3.40)  # 15 km west: 31 minutes


def lift(*pickups: Pickup, headcount: int = 3) -> Request:
    return request("lift", START, START + 120, headcount=headcount, pickups=pickups)


def pickup(pid: str, at: tuple[float, float], people: int) -> Pickup:
    return Pickup(id=pid, lat=at[0], lon=at[1], people=people, label=pid.title())


def driver(did: str, at: tuple[float, float], seats: int, **extra: object) -> Driver:
    return Driver(id=did, lat=at[0], lon=at[1], seats=seats, **extra)  # type: ignore[arg-type]


def planned(req: Request, drivers: list[Driver], max_detour: int = 30, **extra: object) -> LiftPlan:
    out = plan(req, drivers, horizon_start=MONDAY, max_detour=max_detour, time_limit_s=0.1, **extra)  # type: ignore[arg-type]
    members = [member(d.id, at=(d.lat, d.lon), car_seats=d.seats) for d in drivers]
    inst = instance([req], members)
    drove = [Assignment(request_id=req.id, slot_index=0, member_id=r.member_id) for r in out.routes]
    assert check_routes(inst, drove, out.routes, Params(max_detour_minutes=max_detour)) == []
    return out


def collected(out: LiftPlan) -> dict[str, list[str]]:
    """Pickup ids per driver, in order."""
    return {r.member_id: [s.pickup_id for s in r.stops if s.pickup_id] for r in out.routes}


def test_capacity_no_car_carries_more_than_its_seats() -> None:
    req = lift(pickup("north", NORTH, 2), pickup("south", SOUTH, 2))
    out = planned(req, [driver("a", HERE, 3), driver("b", HERE, 3)])
    assert sorted(map(len, collected(out).values())) == [1, 1] and not out.left
    assert max(r.stops[-2].load for r in out.routes) == 2


def test_a_group_larger_than_every_car_is_split_across_cars() -> None:
    out = planned(lift(pickup("north", NORTH, 7)), [driver("a", HERE, 4), driver("b", HERE, 3)])
    assert sorted(r.stops[-2].load for r in out.routes) == [3, 4] and not out.left


def test_pickups_come_before_the_destination_and_arrive_in_order() -> None:
    out = planned(lift(pickup("north", NORTH, 1), pickup("south", SOUTH, 1)), [driver("a", FAR_WEST, 4)])
    (route,) = out.routes
    assert [s.pickup_id is None for s in route.stops] == [False, False, True]
    times = [route.leave, *(s.arrive for s in route.stops)]
    assert times == sorted(times) and route.stops[-1].arrive == START


def test_arrival_deadline_drops_a_pickup_nobody_can_reach_in_time() -> None:
    req = lift(pickup("north", NORTH, 1), pickup("west", FAR_WEST, 1))
    out = planned(req, [driver("a", HERE, 4, earliest=START - 15)])
    assert collected(out) == {"a": ["north"]} and out.left == {"west": 1}
    assert [n.text for n in out.notes] == ["1 person at West not carried: nobody can reach West by 09:29"]


def test_detour_cap_leaves_a_pickup_too_far_out_of_the_way() -> None:
    req = lift(pickup("west", FAR_WEST, 2))
    out = planned(req, [driver("a", NORTH, 4)], max_detour=30)
    assert out.routes == [] and out.left == {"west": 2}
    assert (
        out.notes[0].text
        == "2 people at West not carried: West is more than 30 minutes out of any free driver's way"
    )
    assert collected(planned(req, [driver("a", NORTH, 4)], max_detour=90)) == {"a": ["west"]}


def test_too_few_seats_drops_a_pickup_with_a_note_for_the_lift() -> None:
    req = lift(pickup("north", NORTH, 3), pickup("south", SOUTH, 4))
    out = planned(req, [driver("a", HERE, 4)])
    assert sum(out.left.values()) == 3
    assert out.notes[0].text == "7 people at 2 pickups need 7 seats; the only free driver has 4"
    assert out.notes[0].pickup_id is None and out.notes[1].pickup_id is not None


def test_change_penalty_keeps_the_approved_driver_when_another_is_as_good() -> None:
    req = lift(pickup("north", NORTH, 2))
    for keep in ("a", "b"):
        pool = [driver("a", SOUTH, 4, approved=keep == "a"), driver("b", SOUTH, 4, approved=keep == "b")]
        assert collected(planned(req, pool)) == {keep: ["north"]}
        same = [driver("a", SOUTH, 4), driver("b", SOUTH, 4)]
        assert collected(planned(req, same, previous={"north": keep})) == {keep: ["north"]}


def test_a_declined_driver_s_pickups_move_and_the_others_stay() -> None:
    req = lift(pickup("north", NORTH, 2), pickup("south", SOUTH, 2))
    pool = [driver("a", HERE, 2, approved=True), driver("c", HERE, 2)]  # a and c are as good for either
    for mine, other in (("north", "south"), ("south", "north")):
        before = {mine: "a", other: "b"}  # then b declined
        assert collected(planned(req, pool, previous=before)) == {"a": [mine], "c": [other]}


def test_standby_drivers_are_used_only_when_the_chosen_cannot_carry_everyone() -> None:
    req = lift(pickup("north", NORTH, 2))
    chosen, standby = driver("a", SOUTH, 4), driver("s", NORTH, 4, standby=True)
    assert set(collected(planned(req, [chosen, standby]))) == {"a"}
    assert set(collected(planned(req, [driver("a", SOUTH, 1), standby]))) == {"s"}


@st.composite
def lifts_and_drivers(draw: st.DrawFn) -> tuple[Request, list[Driver], int]:
    def spot() -> tuple[float, float]:
        return (draw(st.floats(51.42, 51.54)), draw(st.floats(-3.30, -3.06)))

    n = draw(st.integers(1, 5))
    req = lift(*(pickup(f"p{i}", spot(), draw(st.integers(1, 7))) for i in range(n)))
    drivers = [
        driver(f"d{i}", spot(), draw(st.integers(0, 6)), earliest=draw(st.none() | st.integers(540, 600)))
        for i in range(draw(st.integers(1, 4)))
    ]
    return req, drivers, draw(st.sampled_from([0, 10, 30]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lifts_and_drivers())
def test_every_plan_passes_the_route_checker_and_accounts_for_everyone(
    case: tuple[Request, list[Driver], int],
) -> None:
    req, drivers, detour = case
    out = planned(req, drivers, max_detour=detour)  # planned() runs the checker
    assert (
        sum(r.stops[-2].load for r in out.routes if len(r.stops) > 1) + sum(out.left.values())
        == req.passengers
    )
    assert {n.pickup_id for n in out.notes if n.pickup_id} == set(out.left)
