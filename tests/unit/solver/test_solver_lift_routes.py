"""Lifts with pickups through ``solve``: the roster picks the drivers, the router orders the pickups,
and the whole roster (routes included) passes ``check``."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest import MonkeyPatch

from solver import Assignment, Params, check, lift_routes, solve
from solver.greedy import greedy_roster
from solver.mip import solve_mip
from solver.model import solve_scope
from solver.problem import Problem
from solver.schema import Instance, Member, Pickup, Request, Roster
from solver.scope import Scope
from solver.state import RosterState
from tests.unit.solver.builders import HERE, SPOTS, instance, member, pairs, request

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


def test_cp_sat_highs_and_the_roster_state_value_a_lift_alike() -> None:
    crew = [
        driver("four", 4),
        driver("three", 3, at=NORTH),
        *(driver(f"one{i}", 1, at=SOUTH) for i in range(4)),
    ]
    other = request("other", 600, 700, skills=("driver",), headcount=2, priority=2)
    pb = Problem(instance([lift(pickup("north", NORTH, 3), pickup("south", SOUTH, 3)), other], crew), P)
    cp = solve_scope(pb, Scope.everything(greedy_roster(pb)), time_limit=5)
    mip = solve_mip(pb, 5)
    assert mip is not None and mip.proven
    assert cp.objective - pb.constant == mip.objective == RosterState(pb, cp.chosen).objective()
    assert RosterState(pb, mip.chosen).objective() == mip.objective


def test_the_warm_start_adds_no_driver_to_a_lift_its_current_drivers_carry() -> None:
    """A re-plan compares the warm start with the current roster: a driver more on a lift already
    carried would cost the roster and look like a change around which to re-plan."""
    crew = [driver("four", 4), driver("three", 3), *(driver(f"one{i}", 1) for i in range(4))]
    carried = [
        Assignment(request_id="lift", slot_index=k, member_id=m) for k, m in enumerate(("four", "three"))
    ]
    for current in ({"approved": tuple(carried)}, {"hint": tuple(carried)}):
        inst = instance([lift(pickup("north", NORTH, 3), pickup("south", SOUTH, 3))], crew, **current)
        pb = Problem(inst, P)
        assert {pb.pair_m[p] for p in greedy_roster(pb).chosen} == {0, 1}


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
    assert len(roster.unfilled) == 1  # one job: not one explanation per slot of its headcount of 6


def test_a_driver_who_cannot_reach_in_time_gives_way_to_a_free_one() -> None:
    near, west = driver("near", 4), driver("west", 4, at=FAR_WEST)  # the roster prefers near
    roster = solved(instance([lift(pickup("west", FAR_WEST, 2), headcount=1)], [near, west]))
    assert pairs(roster.assignments) == {("lift", "west")} and roster.lift_notes == ()


def test_a_standby_who_would_break_the_seats_rule_does_not_join() -> None:
    east, west = (51.5, -3.125), (51.5, -3.25)  # 9 km apart: 36 minutes there and back
    req = request(
        "lift", 600, 660, skills=("driver",), at=east, pickups=(pickup("a", west, 1), pickup("b", west, 1))
    )
    roster = solved(instance([req], [driver("two", 2, at=east), driver("one", 1, at=west)]))
    assert roster.assignments == () and roster.routes == ()  # "one" alone has too few seats for both
    assert {n.pickup_id for n in roster.lift_notes} == {"a", "b"}


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


@st.composite
def instances_with_lifts(draw: st.DrawFn) -> Instance:
    reqs = []
    for i in range(draw(st.integers(1, 3))):
        start = draw(st.sampled_from([600, 630, 900]))
        stops = tuple(
            pickup(f"p{k}", draw(SPOTS), draw(st.integers(1, 5))) for k in range(draw(st.integers(0, 3)))
        )
        passengers = 0 if stops else draw(st.integers(0, 4))
        reqs.append(
            request(
                f"r{i}",
                start,
                start + 60,
                headcount=draw(st.integers(1, 4)),
                priority=draw(st.integers(1, 5)),
                skills=("driver",),
                at=draw(SPOTS),
                pickups=stops,
                passengers=passengers,
            )
        )
    crew = [driver(f"m{i}", draw(st.integers(0, 6)), at=draw(SPOTS)) for i in range(draw(st.integers(1, 6)))]
    return instance(reqs, crew)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances_with_lifts())
def test_every_roster_with_lifts_passes_the_checker_routes_included(inst: Instance) -> None:
    params = Params(time_limit_s=2, workers=1, route_time_limit_s=0.05)
    roster = solved(inst, params)  # solved() checks routes, rules and the objective
    lifts = {r.id for r in inst.requests if r.pickups}
    assert {(r.request_id, r.member_id) for r in roster.routes} == {
        (a.request_id, a.member_id) for a in roster.assignments if a.request_id in lifts
    }


def test_a_router_failure_keeps_the_roster_and_says_so(monkeypatch: MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("routing library failed")

    monkeypatch.setattr(lift_routes, "plan", broken)
    inst = instance(
        [lift(pickup("north", NORTH, 3), pickup("south", SOUTH, 3))], [driver("four", 4), driver("three", 3)]
    )
    roster = solved(inst)
    assert pairs(roster.assignments) == {("lift", "four"), ("lift", "three")}
    assert len(roster.routes) == 2
    assert all(r.stops[-1].load == 0 and len(r.stops) == 1 for r in roster.routes)
    assert [n.text for n in roster.lift_notes] == [
        "the pickup order could not be planned; the drivers are chosen, arrange pickups by hand"
    ]
