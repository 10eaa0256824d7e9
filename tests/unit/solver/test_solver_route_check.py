"""The route checker rejects a route that breaks each rule; the routes are built by hand."""

from __future__ import annotations

from typing import Any

import pytest

from solver import Params, check
from solver.schema import Assignment, Pickup, Roster, Route, SolveStatus, Stop
from solver.travel import Travel
from tests.unit.solver.builders import HERE, instance, member, request

START = 600
NORTH, SOUTH = (51.50, -3.18), (51.46, -3.18)
PICKUPS = (
    Pickup(id="north", lat=NORTH[0], lon=NORTH[1], people=2),
    Pickup(id="south", lat=SOUTH[0], lon=SOUTH[1], people=1),
)
INST = instance(
    [request("lift", START, START + 60, headcount=2, pickups=PICKUPS)],
    [member("a", car_seats=3), member("b", car_seats=3)],
)
ASSIGNED = (Assignment(request_id="lift", slot_index=0, member_id="a"),)


def good_route() -> Route:
    """a: home (at the destination) -> north -> south -> destination, arriving at the start."""
    legs = Travel().along([HERE, NORTH, SOUTH, HERE])
    leave = START - sum(m for _, m in legs)
    t1, t2 = leave + legs[0][1], leave + legs[0][1] + legs[1][1]
    stops = (Stop(pickup_id="north", arrive=t1, load=2), Stop(pickup_id="south", arrive=t2, load=3))
    return Route(
        request_id="lift",
        member_id="a",
        leave=leave,
        stops=(*stops, Stop(pickup_id=None, arrive=START, load=0)),
        metres=sum(d for d, _ in legs),
        detour_minutes=sum(m for _, m in legs),
    )


def violations(*routes: Route, assigned: tuple[Assignment, ...] = ASSIGNED, detour: int = 30) -> list[str]:
    roster = Roster(status=SolveStatus.FEASIBLE, assignments=assigned, routes=routes)
    return check(INST, roster, Params(max_detour_minutes=detour)).violations


def stops(*pairs: tuple[str | None, int]) -> tuple[Stop, ...]:
    """Stops with the good route's times, other pickups and loads."""
    times = [s.arrive for s in good_route().stops]
    return tuple(Stop(pickup_id=p, arrive=t, load=load) for (p, load), t in zip(pairs, times, strict=True))


def test_the_hand_made_route_is_valid() -> None:
    assert violations(good_route()) == []


BAD: dict[str, tuple[dict[str, Any], str]] = {
    "seats": ({"stops": stops(("north", 2), ("south", 4), (None, 0))}, "in a car with 3 seats"),
    "destination last": (
        {"stops": stops(("north", 2), (None, 0), ("south", 3))},
        "destination must be the last",
    ),
    "loads": ({"stops": stops(("north", 2), ("south", 2), (None, 0))}, "nobody gets in at south"),
    "people left in the car": ({"stops": stops(("north", 2), ("south", 3), (None, 1))}, "still in the car"),
    "arrival": ({"leave": START - 10}, "before"),
    "metres": ({"metres": 1}, "m claimed"),
    "detour claimed": ({"detour_minutes": 0}, "claimed"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_the_checker_rejects_a_route_that_breaks_a_rule(case: str) -> None:
    change, words = BAD[case]
    found = violations(good_route().model_copy(update=change))
    assert any(words in v for v in found), found


def test_the_checker_rejects_a_route_arriving_after_the_start() -> None:
    route = good_route()
    late = route.model_copy(
        update={
            "leave": route.leave + 20,
            "stops": tuple(s.model_copy(update={"arrive": s.arrive + 20}) for s in route.stops),
        }
    )
    assert any("after the start 600" in v for v in violations(late))


def test_the_checker_rejects_a_detour_over_the_cap() -> None:
    assert violations(good_route(), detour=30) == []
    assert any("more than 5" in v for v in violations(good_route(), detour=5))


def test_the_checker_rejects_people_carried_twice_and_unassigned_drivers() -> None:
    both = (*ASSIGNED, Assignment(request_id="lift", slot_index=1, member_id="b"))
    twice = good_route().model_copy(update={"member_id": "b"})
    assert any(
        "4 people collected at north, where 2 wait" in v
        for v in violations(good_route(), twice, assigned=both)
    )
    assert any("without being assigned" in v for v in violations(good_route(), twice))
    assert any("without a route" in v for v in violations(assigned=ASSIGNED))
