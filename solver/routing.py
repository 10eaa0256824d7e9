"""One lift's routes: which driver collects which pickup, in what order, to arrive in time.

This is the second of a lift's two steps. The roster (CP-SAT, HiGHS, the search) decides *who*
drives, alongside every other request of the week, because a driver on a lift is not free for
anything else and hours, fairness and double booking are the roster's business. Ordering pickups
is a different problem (a pickup-and-delivery vehicle routing problem) that the roster's pair
model cannot express and does not need to: once the drivers are known, routing one lift is small
and independent of the rest. So ``plan`` routes the drivers the roster chose, with a few free
drivers on standby (costly, used only if the chosen ones cannot carry everyone in time).

The model, in OR-Tools' routing library:
- each driver is a vehicle from home to the destination, capacity = free seats;
- each pickup is a pickup node paired with its own copy of the destination as delivery node; the
  copies let several pickups end in one car. Once at the destination a car does not go back out;
- a group waiting at one pickup rides together unless it is larger than every car: then it is
  split into near-equal chunks no larger than the largest car (7 people, cars of 4 and 3: 4 + 3).
  Splitting only then keeps families and friends together when they can be; if the seats are
  enough but whole groups do not fit, the lift is planned again one person a node;
- time: whole minutes of driving, no waiting; every delivery (and the car's arrival) by the
  request's start, no driver leaves before the earliest minute they gave;
- detour cap: the route's driving time minus driving straight home to destination is at most
  ``max_detour`` minutes (the span of the vehicle in the time dimension);
- cost: metres driven, a modest fixed cost per car used, a change cost for a driver who was not on
  the approved lift and for a pickup collected by someone else than in the approved routes (a
  driver declines: their pickups move, the others stay), a standby cost, and a drop penalty per
  person left behind so large that people are only left when no car can carry them in time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from solver.schema import LiftNote, Pickup, Request, Route, Stop
from solver.timefmt import clock
from solver.travel import Point, Travel

FIXED_COST_M = 2_000
"""Cost of using one more car, in metres: a second car is worth it to save more than 2 km."""
CHANGE_COST_M = 3_000
"""Cost of each change to the approved lift (a new driver, a pickup moved to another driver)."""
STANDBY_COST_M = 20_000
"""Extra cost of a driver the roster did not choose: used to carry people, not to save kilometres."""
DROP_COST_PER_PERSON = 10_000_000
"""Leaving one person behind: far more than any city route, so only impossibility drops people."""
DAY = 24 * 60


@dataclass(frozen=True)
class Driver:
    id: str
    lat: float
    lon: float
    seats: int
    approved: bool = False
    """On this lift in the approved roster: keeping them is no change."""
    earliest: int | None = None
    """The earliest minute (from the horizon start) they can leave home, if known."""
    standby: bool = False
    """Not chosen by the roster: used only if the chosen drivers cannot carry everyone."""

    @property
    def home(self) -> Point:
        return (self.lat, self.lon)


@dataclass
class LiftPlan:
    routes: list[Route]
    notes: list[LiftNote]
    left: dict[str, int] = field(default_factory=dict)
    """People not carried, per pickup id."""

    @property
    def carried(self) -> int:
        return sum(s.load for r in self.routes for s in r.stops[-2:-1])


@dataclass(frozen=True)
class _Chunk:
    pickup: Pickup
    people: int


def chunks(pickups: Sequence[Pickup], largest_car: int) -> list[_Chunk]:
    """Each pickup whole, or in near-equal parts no larger than the largest car."""
    out = []
    for p in pickups:
        parts = max(1, math.ceil(p.people / largest_car)) if largest_car else 1
        base, extra = divmod(p.people, parts)
        out += [_Chunk(p, base + (i < extra)) for i in range(parts)]
    return out


def direct_route(request: Request, driver: Driver, travel: Travel) -> Route:
    """A driver going straight to the destination with nobody to collect."""
    metres, minutes = travel.leg(driver.home, (request.lat, request.lon))
    stop = Stop(pickup_id=None, arrive=request.start, load=0)
    return Route(
        request_id=request.id,
        member_id=driver.id,
        leave=request.start - minutes,
        stops=(stop,),
        metres=metres,
        detour_minutes=0,
    )


def plan(
    request: Request,
    drivers: Sequence[Driver],
    *,
    horizon_start: datetime,
    max_detour: int,
    travel: Travel | None = None,
    previous: Mapping[str, str] | None = None,
    time_limit_s: float = 1.0,
) -> LiftPlan:
    """Routes for ``request``'s pickups among ``drivers`` (unused drivers get no route), and notes
    for everyone left behind. ``previous`` maps pickup ids to the driver who collected them in the
    approved routes."""
    travel = travel or Travel()
    cars = [d for d in drivers if d.seats > 0 and _in_time(request, d, travel)]
    if not request.pickups:
        return LiftPlan([], [])
    visited: list[list[_Chunk]] = [[] for _ in cars]
    left = {p.id: p.people for p in request.pickups}
    if cars:
        largest = max(d.seats for d in cars)
        visited, left = _solve(
            request, cars, chunks(request.pickups, largest), travel, max_detour, previous, time_limit_s
        )
        if left and sum(d.seats for d in cars) >= request.passengers and largest > 1:
            # Seats enough but people left: groups may fit only split, one person a node.
            again = _solve(
                request, cars, chunks(request.pickups, 1), travel, max_detour, previous, time_limit_s
            )
            if sum(again[1].values()) < sum(left.values()):
                visited, left = again
    routes = [_route(request, d, seq, travel) for d, seq in zip(cars, visited, strict=True) if seq]
    notes = _notes(request, cars, left, travel, max_detour, horizon_start) if left else []
    return LiftPlan(routes, notes, left)


def _in_time(request: Request, driver: Driver, travel: Travel) -> bool:
    """Whether the driver can reach the destination by its start at all (else they carry nobody)."""
    if driver.earliest is None:
        return True
    return driver.earliest + travel.leg(driver.home, (request.lat, request.lon))[1] <= request.start


def _solve(
    request: Request,
    cars: list[Driver],
    parts: list[_Chunk],
    travel: Travel,
    max_detour: int,
    previous: Mapping[str, str] | None,
    time_limit_s: float,
) -> tuple[list[list[_Chunk]], dict[str, int]]:
    """The chunks each car collects, and the people left per pickup."""
    visited = _Model(request, cars, parts, travel, max_detour, previous or {}).solve(time_limit_s)
    carried: dict[str, int] = {}
    for seq in visited:
        for c in seq:
            carried[c.pickup.id] = carried.get(c.pickup.id, 0) + c.people
    left = {p.id: p.people - carried.get(p.id, 0) for p in request.pickups}
    return visited, {k: v for k, v in left.items() if v}


class _Model:
    """The routing model of one lift; node order: homes, arrivals (one per car), then per chunk
    its pickup and its delivery copy of the destination."""

    def __init__(
        self,
        request: Request,
        cars: list[Driver],
        parts: list[_Chunk],
        travel: Travel,
        max_detour: int,
        previous: Mapping[str, str],
    ) -> None:
        self.cars, self.parts = cars, parts
        v, dest = len(cars), (request.lat, request.lon)
        points = [d.home for d in cars] + [dest] * v
        for c in parts:
            points += [(c.pickup.lat, c.pickup.lon), dest]
        self.n = len(points)
        self.pickup_node = [2 * v + 2 * i for i in range(len(parts))]
        metres, minutes = _matrices(points, travel)
        self.manager = pywrapcp.RoutingIndexManager(self.n, v, list(range(v)), list(range(v, 2 * v)))
        self.routing = pywrapcp.RoutingModel(self.manager)
        self._costs(metres, previous)
        base = request.start - DAY
        """Internal time 0 is one day before the deadline; the deadline is internal DAY."""
        time_cb = self.routing.RegisterTransitMatrix(minutes)
        self.routing.AddDimension(time_cb, 0, DAY, False, "time")
        time = self.routing.GetDimensionOrDie("time")
        demand = [0] * (2 * v)
        for c in parts:
            demand += [c.people, -c.people]
        seats_cb = self.routing.RegisterUnaryTransitVector(demand)
        self.routing.AddDimensionWithVehicleCapacity(seats_cb, 0, [d.seats for d in cars], True, "seats")
        solver = self.routing.solver()
        for k, d in enumerate(cars):
            start = self.routing.Start(k)
            time.CumulVar(start).SetMin(max(0, (d.earliest if d.earliest is not None else base) - base))
            time.SetSpanUpperBoundForVehicle(minutes[k][v + k] + max_detour, k)
        pickups = [self.manager.NodeToIndex(n) for n in self.pickup_node]
        for c, p in zip(parts, pickups, strict=True):
            d = self.manager.NodeToIndex(self._delivery(p))
            self.routing.AddPickupAndDelivery(p, d)
            solver.Add(self.routing.VehicleVar(p) == self.routing.VehicleVar(d))
            solver.Add(time.CumulVar(p) <= time.CumulVar(d))
            self.routing.AddDisjunction([p], DROP_COST_PER_PERSON * c.people)
            self.routing.AddDisjunction([d], 0)
            self.routing.NextVar(d).RemoveValues(pickups)  # at the destination, nobody goes back out

    def _delivery(self, pickup_index: int) -> int:
        return self.manager.IndexToNode(pickup_index) + 1

    def _costs(self, metres: list[list[int]], previous: Mapping[str, str]) -> None:
        """Arc costs in metres (plus a change cost per pickup moved away from its approved driver)
        and fixed costs per car."""
        routing, cars = self.routing, self.cars
        anyone_approved = any(d.approved for d in cars)
        for k, d in enumerate(cars):
            changed = anyone_approved and not d.approved
            fixed = FIXED_COST_M + CHANGE_COST_M * changed + STANDBY_COST_M * d.standby
            routing.SetFixedCostOfVehicle(fixed, k)
        moved = [
            (n, previous[c.pickup.id])
            for n, c in zip(self.pickup_node, self.parts, strict=True)
            if c.pickup.id in previous
        ]
        if not moved:
            routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(metres))
            return
        for k, d in enumerate(cars):
            own = [row[:] for row in metres]
            for n, who in moved:
                if who != d.id:
                    own[n] = [m + CHANGE_COST_M for m in own[n]]
            routing.SetArcCostEvaluatorOfVehicle(routing.RegisterTransitMatrix(own), k)

    def solve(self, time_limit_s: float) -> list[list[_Chunk]]:
        """The chunks each car collects, in order (empty lists if no solution was found)."""
        search = pywrapcp.DefaultRoutingSearchParameters()
        search.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
        search.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        search.time_limit.FromMilliseconds(max(10, int(time_limit_s * 1000)))
        solution = self.routing.SolveWithParameters(search)
        out: list[list[_Chunk]] = [[] for _ in self.cars]
        if solution is None:
            return out
        of_node = {n: c for n, c in zip(self.pickup_node, self.parts, strict=True)}
        for k in range(len(self.cars)):
            index = solution.Value(self.routing.NextVar(self.routing.Start(k)))
            while not self.routing.IsEnd(index):
                chunk = of_node.get(self.manager.IndexToNode(index))
                if chunk is not None:
                    out[k].append(chunk)
                index = solution.Value(self.routing.NextVar(index))
        return out


def _matrices(points: list[Point], travel: Travel) -> tuple[list[list[int]], list[list[int]]]:
    """Metres and minutes between every two nodes, measured once per distinct pair of places."""
    places = sorted(set(points))
    where = [places.index(p) for p in points]
    legs = [[travel.leg(a, b) for b in places] for a in places]
    metres = [[legs[i][j][0] for j in where] for i in where]
    minutes = [[legs[i][j][1] for j in where] for i in where]
    return metres, minutes


def _route(request: Request, driver: Driver, seq: list[_Chunk], travel: Travel) -> Route:
    """The driver's route: pickups in the order first visited (chunks of one pickup merged), leaving
    as late as arriving by the request's start allows."""
    order: list[Pickup] = []
    people: dict[str, int] = {}
    for c in seq:
        if c.pickup.id not in people:
            order.append(c.pickup)
        people[c.pickup.id] = people.get(c.pickup.id, 0) + c.people
    places = [driver.home, *((p.lat, p.lon) for p in order), (request.lat, request.lon)]
    legs = travel.along(places)
    total_min = sum(m for _, m in legs)
    leave = request.start - total_min
    stops, t, load = [], leave, 0
    for p, (_, minutes) in zip(order, legs, strict=False):
        t += minutes
        load += people[p.id]
        stops.append(Stop(pickup_id=p.id, arrive=t, load=load))
    stops.append(Stop(pickup_id=None, arrive=request.start, load=0))
    direct = travel.leg(driver.home, (request.lat, request.lon))[1]
    return Route(
        request_id=request.id,
        member_id=driver.id,
        leave=leave,
        stops=tuple(stops),
        metres=sum(m for m, _ in legs),
        detour_minutes=max(0, total_min - direct),
    )


def _people(n: int) -> str:
    return f"{n} {'person' if n == 1 else 'people'}"


def seats_note(request: Request, drivers: Sequence[Driver], free: str = "free") -> LiftNote | None:
    """The whole lift's note when the drivers' seats cannot hold everyone."""
    seats = sum(d.seats for d in drivers)
    people = request.passengers
    if seats >= people:
        return None
    n = len(request.pickups)
    at = f" at {n} pickup{'s' if n != 1 else ''}" if n else ""
    who = f"the only {free} driver has" if len(drivers) == 1 else f"the {len(drivers)} {free} drivers have"
    if not drivers:
        who = f"no {free} driver has any"
        return LiftNote(request_id=request.id, text=f"{_people(people)}{at} need {people} seats; {who}")
    return LiftNote(request_id=request.id, text=f"{_people(people)}{at} need {people} seats; {who} {seats}")


def _notes(
    request: Request,
    cars: list[Driver],
    left: dict[str, int],
    travel: Travel,
    max_detour: int,
    horizon_start: datetime,
) -> list[LiftNote]:
    """Why each pickup left behind is: nobody can be there in time, it is too far out of every
    driver's way, or the cars that could collect it are full (with the seats count of the lift)."""
    dest = (request.lat, request.lon)
    out: list[LiftNote] = []
    whole = seats_note(request, cars)
    if whole is not None:
        out.append(whole)
    for p in request.pickups:
        if p.id not in left:
            continue
        name = p.label or p.id
        here = (p.lat, p.lon)
        to_dest = travel.leg(here, dest)[1]
        latest = request.start - to_dest
        reach = [d for d in cars if d.earliest is None or d.earliest + travel.leg(d.home, here)[1] <= latest]
        near = [
            d
            for d in reach
            if travel.leg(d.home, here)[1] + to_dest - travel.leg(d.home, dest)[1] <= max_detour
        ]
        if not reach:
            why = f"nobody can reach {name} by {clock(horizon_start, latest)}"
        elif not near:
            why = f"{name} is more than {max_detour} minutes out of any free driver's way"
        else:
            why = f"the cars that could collect them at {name} are full"
        part = "" if left[p.id] == p.people else f" of the {p.people}"
        text = f"{left[p.id]}{part} {'person' if p.people == 1 else 'people'} at {name} not carried: {why}"
        out.append(LiftNote(request_id=request.id, pickup_id=p.id, text=text))
    return out
