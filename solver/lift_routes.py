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

import logging

from solver.explain import reason
from solver.problem import Problem
from solver.route_check import check_routes
from solver.routing import Driver, LiftPlan, direct_route, plan, seats_note
from solver.schema import Assignment, LiftNote, ReasonCode, Roster, Route
from solver.state import RosterState
from solver.travel import Travel

MAX_STANDBY = 6
"""Free drivers offered to the router next to the roster's choice, nearest first."""

log = logging.getLogger(__name__)


def lifts_with_pickups(problem: Problem) -> list[int]:
    return [r for r, req in enumerate(problem.instance.requests) if req.pickups]


def route_lifts(
    problem: Problem, state: RosterState, seconds_per_lift: float, keep_approved: bool = False
) -> tuple[list[Route], list[LiftNote]]:
    """Routes and notes of every lift with pickups; ``state`` is changed to the drivers who drive.
    With ``keep_approved`` (a re-plan), a lift whose approved routes still stand is not routed again."""
    routes: list[Route] = []
    notes: list[LiftNote] = []
    for r in lifts_with_pickups(problem):
        if not any(p in state.chosen for p in problem.by_req[r]):
            notes.append(_unserved(problem, state, r))
            continue
        kept = _standing_routes(problem, state, r) if keep_approved else None
        if kept is not None:
            routes += kept
            continue
        lift = _route_guarded(problem, state, r, seconds_per_lift)
        routes += lift.routes
        notes += lift.notes
    return routes, notes


def _standing_routes(problem: Problem, state: RosterState, r: int) -> list[Route] | None:
    """The lift's approved routes if the roster kept exactly their drivers, they carry everyone and
    they still pass every check (pickups, times and seats as they are now); else None."""
    instance = problem.instance
    req = instance.requests[r]
    approved = [route for route in instance.approved_routes if route.request_id == req.id]
    drivers = {instance.members[problem.pair_m[p]].id for p in problem.by_req[r] if p in state.chosen}
    if not approved or drivers != {route.member_id for route in approved}:
        return None
    carried = sum(max((stop.load for stop in route.stops), default=0) for route in approved)
    assigned = [Assignment(request_id=req.id, slot_index=0, member_id=m) for m in drivers]
    if carried < req.passengers or check_routes(instance, assigned, approved, problem.params):
        return None
    return approved


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


def _route_guarded(problem: Problem, state: RosterState, r: int, seconds: float) -> LiftPlan:
    """``_route_one``, or, if the router fails on this lift, the roster's drivers going straight there
    with a note for the coordinators: one lift the router cannot plan must never stop the club's
    planning (the roster itself is still good)."""
    before = [p for p in problem.by_req[r] if p in state.chosen]
    try:
        return _route_one(problem, state, r, seconds)
    except Exception:  # any failure of the router, whatever its kind, falls back
        log.exception("lift routing failed", extra={"request_id": problem.instance.requests[r].id})
        for p in [p for p in problem.by_req[r] if p in state.chosen and p not in before]:
            state.remove(p)
        for p in [p for p in before if p not in state.chosen]:
            state.add(p)
        note = LiftNote(
            request_id=problem.instance.requests[r].id,
            text="the pickup order could not be planned; the drivers are chosen, arrange pickups by hand",
        )
        return _with_direct_routes(problem, state, r, LiftPlan(routes=[], notes=[note]))


def _route_one(problem: Problem, state: RosterState, r: int, seconds: float) -> LiftPlan:
    """Route with the roster's drivers and standbys; if the roster cannot take the routes' team
    (more standbys than free places, or a team rule broken), route the roster's drivers alone."""
    pb = problem
    chosen = [p for p in pb.by_req[r] if p in state.chosen]
    movable = sum(p not in state.pinned for p in chosen)
    spare = [p for p in pb.by_req[r] if p not in state.chosen and state.fits(p, movable)]
    spare = sorted(spare, key=lambda p: pb.km[p])[:MAX_STANDBY]
    pool = [_driver(pb, r, p, False) for p in chosen] + [_driver(pb, r, p, True) for p in spare]
    lift = _plan(pb, r, pool, seconds)
    if not _take(pb, state, r, chosen, spare, lift):
        lift = _plan(pb, r, pool[: len(chosen)], seconds)
        _take(pb, state, r, chosen, [], lift)  # always possible: at worst the roster's team stays
    return _with_direct_routes(pb, state, r, lift)


def _take(
    pb: Problem, state: RosterState, r: int, chosen: list[int], spare: list[int], lift: LiftPlan
) -> bool:
    """Make the lift's drivers in ``state`` those who drive in ``lift``, keeping pinned drivers and
    idle ones a team rule (seats, buddy, lead) still needs; False, with ``state`` as it was, if the
    roster cannot take that team."""
    members = pb.instance.members
    driving = {route.member_id for route in lift.routes}
    idle = [p for p in chosen if members[pb.pair_m[p]].id not in driving and p not in state.pinned]
    joining = [p for p in spare if members[pb.pair_m[p]].id in driving]
    for p in idle:
        state.remove(p)
    added = []
    for p in joining:
        if not state.fits(p):
            break
        state.add(p)
        added.append(p)
    back = []
    for p in idle:  # a team rule may still need an idle driver
        if _team_ok(pb, state, r) or not state.fits(p):
            break
        state.add(p)
        back.append(p)
    if len(added) == len(joining) and _team_ok(pb, state, r):
        return True
    for p in added + back:
        state.remove(p)
    for p in idle:
        state.add(p)
    return False


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


def with_routes(roster: Roster, routes: list[Route], notes: list[LiftNote]) -> Roster:
    """The roster with its lifts' routes and notes; an unserved lift whose routes say why is
    explained in the lift's own terms (the roster alone would call it "not worth it": it does not
    see that nobody can reach the pickups)."""
    served = {a.request_id for a in roster.assignments}
    said: dict[str, list[str]] = {}
    for n in notes:
        if n.pickup_id is not None and n.request_id not in served:
            said.setdefault(n.request_id, []).append(n.text)
    unfilled = tuple(
        e.model_copy(update={"code": ReasonCode.UNAVAILABLE, "text": "; ".join(said[e.request_id])})
        if e.request_id in said
        else e
        for e in roster.unfilled
    )
    return roster.model_copy(
        update={"routes": tuple(routes), "lift_notes": tuple(notes), "unfilled": unfilled}
    )
