"""A lift's second step: route the drivers the roster chose, and settle the roster around the routes.

Step one is the roster: it decides who drives, because a driver is one member among all the week's
requests (hours, double booking, fairness), and it pays a lift with pickups once, when its drivers'
seats hold everyone (``CoverageRule``). Step two, here, orders the pickups among those drivers with
``solver.routing``. The routes may show that the roster's choice does not work on the road (nobody
reaches a pickup in time, a detour is too long) or is more than needed, so:
- free drivers who fit the roster (eligible, not double-booked, within their hours, within the
  headcount) stand by, and are added if the chosen ones cannot carry everyone;
- a chosen driver the routes do not need is dropped, unless pinned or needed by a team rule
  (seats, buddy, lead): such a driver keeps a direct route with an empty car.
Every change goes through ``RosterState``, so the roster's own rules still hold and its objective
is recomputed; people still left behind get a ``LiftNote``.
"""

from __future__ import annotations

from solver.explain import reason
from solver.problem import Problem
from solver.routing import Driver, LiftPlan, direct_route, plan, seats_note
from solver.schema import LiftNote, Route
from solver.state import RosterState
from solver.travel import Travel

MAX_STANDBY = 6
"""Free drivers offered to the router next to the roster's choice, nearest first."""


def lifts_with_pickups(problem: Problem) -> list[int]:
    return [r for r, req in enumerate(problem.instance.requests) if req.pickups]


def route_lifts(
    problem: Problem, state: RosterState, seconds_per_lift: float
) -> tuple[list[Route], list[LiftNote]]:
    """Routes and notes of every lift with pickups; ``state`` is changed to the drivers who drive."""
    routes: list[Route] = []
    notes: list[LiftNote] = []
    for r in lifts_with_pickups(problem):
        if not any(p in state.chosen for p in problem.by_req[r]):
            notes.append(_unserved(problem, state, r))
            continue
        lift = _route_one(problem, state, r, seconds_per_lift)
        routes += lift.routes
        notes += lift.notes
    return routes, notes


def _driver(problem: Problem, r: int, p: int, standby: bool) -> Driver:
    m = problem.instance.members[problem.pair_m[p]]
    approved = {(a.request_id, a.member_id) for a in problem.instance.approved}
    return Driver(
        id=m.id,
        lat=m.lat,
        lon=m.lon,
        seats=m.car_seats or 0,
        approved=(problem.instance.requests[r].id, m.id) in approved,
        standby=standby,
    )


def _route_one(problem: Problem, state: RosterState, r: int, seconds: float) -> LiftPlan:
    pb, inst = problem, problem.instance
    chosen = [p for p in pb.by_req[r] if p in state.chosen]
    movable = sum(p not in state.pinned for p in chosen)
    spare = [p for p in pb.by_req[r] if p not in state.chosen and state.fits(p, movable)]
    spare.sort(key=lambda p: pb.km[p])
    pool = [_driver(pb, r, p, False) for p in chosen] + [_driver(pb, r, p, True) for p in spare[:MAX_STANDBY]]
    lift = _plan(pb, r, pool, seconds)
    driving = {route.member_id for route in lift.routes}
    idle = [p for p in chosen if inst.members[pb.pair_m[p]].id not in driving and p not in state.pinned]
    for p in idle:
        state.remove(p)
    for p in spare:
        if inst.members[pb.pair_m[p]].id in driving:
            if not state.fits(p):  # two standbys for one free place: plan again with who drives now
                for q in idle:
                    state.add(q)
                mine = [_driver(pb, r, q, False) for q in pb.by_req[r] if q in state.chosen]
                return _with_direct_routes(pb, state, r, _plan(pb, r, mine, seconds))
            state.add(p)
    for p in idle:  # a team rule (seats, buddy, lead) may still need an idle driver
        if _team_ok(pb, state, r):
            break
        state.add(p)
    return _with_direct_routes(pb, state, r, lift)


def _plan(pb: Problem, r: int, pool: list[Driver], seconds: float) -> LiftPlan:
    inst = pb.instance
    req = inst.requests[r]
    previous = {
        s.pickup_id: route.member_id
        for route in inst.approved_routes
        if route.request_id == req.id
        for s in route.stops
        if s.pickup_id is not None
    }
    return plan(
        req,
        pool,
        horizon_start=inst.horizon_start,
        max_detour=pb.params.max_detour_minutes,
        travel=Travel(inst.travel),
        previous=previous,
        time_limit_s=seconds,
    )


def _with_direct_routes(pb: Problem, state: RosterState, r: int, lift: LiftPlan) -> LiftPlan:
    """Give every driver of the lift without pickups (kept by a pin or a team rule) a direct route."""
    driving = {route.member_id for route in lift.routes}
    req = pb.instance.requests[r]
    for p in pb.by_req[r]:
        if p in state.chosen and pb.instance.members[pb.pair_m[p]].id not in driving:
            lift.routes.append(direct_route(req, _driver(pb, r, p, False), Travel(pb.instance.travel)))
    return lift


def _team_ok(pb: Problem, state: RosterState, r: int) -> bool:
    members = [pb.pair_m[p] for p in pb.by_req[r] if p in state.chosen]
    return all(rule.team_ok(pb, r, members) for rule in pb.rules)


def _unserved(pb: Problem, state: RosterState, r: int) -> LiftNote:
    """Why nobody drives: too few seats among the free drivers, or the roster's own reason."""
    req = pb.instance.requests[r]
    free = [_driver(pb, r, p, True) for p in pb.by_req[r] if state.fits(p)]
    note = seats_note(req, free)
    if note is not None:
        return note
    return LiftNote(request_id=req.id, text=f"nobody drives: {reason(state, r)[1]}")
