"""Lift routes re-judged in plain Python: the router's independent witness (no OR-Tools here).

Every route is walked leg by leg with the instance's travel model (``solver.travel``), so what the
router claims (times, loads, metres, detour) is recomputed, not trusted. ``solver.check`` calls
this on every roster that carries routes.
"""

from __future__ import annotations

from collections.abc import Iterable

from solver.schema import Assignment, Instance, Member, Params, Request, Route
from solver.travel import Travel


def check_routes(
    instance: Instance, assignments: Iterable[Assignment], routes: Iterable[Route], params: Params
) -> list[str]:
    """Every broken rule of ``routes``, one sentence each; every driver of a lift with pickups
    must have exactly one route."""
    reqs = {r.id: r for r in instance.requests}
    mems = {m.id: m for m in instance.members}
    travel = Travel(instance.travel)
    drivers = {(a.request_id, a.member_id) for a in assignments}
    out: list[str] = []
    seen: set[tuple[str, str]] = set()
    collected: dict[tuple[str, str], int] = {}
    for route in routes:
        key = (route.request_id, route.member_id)
        r, m = reqs.get(route.request_id), mems.get(route.member_id)
        if r is None or not r.pickups:
            out.append(f"R route of {route.member_id} for {route.request_id}, which is no lift with pickups")
            continue
        if m is None or key not in drivers:
            out.append(f"R {route.member_id} drives on {r.id} without being assigned to it")
            continue
        if key in seen:
            out.append(f"R {m.id} has two routes on {r.id}")
        seen.add(key)
        out += _route(r, m, route, travel, params, collected)
    out += [
        f"R {mid} drives on {rid} without a route"
        for rid, mid in sorted(drivers - seen)
        if rid in reqs and reqs[rid].pickups
    ]
    for (rid, pid), people in sorted(collected.items()):
        pickup = next(p for p in reqs[rid].pickups if p.id == pid)
        if people > pickup.people:
            out.append(f"R {rid}: {people} people collected at {pid}, where {pickup.people} wait")
    return out


def _route(
    r: Request,
    m: Member,
    route: Route,
    travel: Travel,
    params: Params,
    collected: dict[tuple[str, str], int],
) -> list[str]:
    """The rules of one route: shape, loads within the seats, times, deadline, detour, metres."""
    who = f"route of {m.id} on {r.id}"
    stops = route.stops
    if not stops or stops[-1].pickup_id is not None or any(s.pickup_id is None for s in stops[:-1]):
        return [f"R {who}: the destination must be the last stop, and only the last"]
    pickups = {p.id: p for p in r.pickups}
    ids = [s.pickup_id for s in stops[:-1]]
    unknown = [pid for pid in ids if pid not in pickups]
    if unknown:
        return [f"R {who}: unknown pickups {unknown}"]
    if len(set(ids)) != len(ids):
        return [f"R {who}: a pickup is visited twice"]
    out = []
    load = 0
    for s in stops[:-1]:
        assert s.pickup_id is not None
        if s.load <= load:
            out.append(f"R {who}: nobody gets in at {s.pickup_id} (load {load} -> {s.load})")
        collected[(r.id, s.pickup_id)] = collected.get((r.id, s.pickup_id), 0) + s.load - load
        load = max(load, s.load)
    if load > (m.car_seats or 0):
        out.append(f"R {who}: {load} people in a car with {m.car_seats or 0} seats")
    if stops[-1].load != 0:
        out.append(f"R {who}: {stops[-1].load} people still in the car after the destination")
    places = [(m.lat, m.lon), *((pickups[pid].lat, pickups[pid].lon) for pid in ids if pid), (r.lat, r.lon)]
    legs = travel.along(places)
    t = route.leave
    for s, (_, minutes) in zip(stops, legs, strict=True):
        t += minutes
        if s.arrive < t:
            out.append(f"R {who}: arrives at {s.pickup_id or 'the destination'} at {s.arrive}, before {t}")
        t = max(t, s.arrive)
    if stops[-1].arrive > r.start:
        out.append(f"R {who}: arrives at {stops[-1].arrive}, after the start {r.start}")
    metres = sum(d for d, _ in legs)
    if route.metres != metres:
        out.append(f"R {who}: {route.metres} m claimed, {metres} m driven")
    detour = sum(mi for _, mi in legs) - travel.leg((m.lat, m.lon), (r.lat, r.lon))[1]
    if detour > params.max_detour_minutes:
        out.append(f"R {who}: a detour of {detour} min, more than {params.max_detour_minutes}")
    if route.detour_minutes != max(0, detour):
        out.append(f"R {who}: a detour of {route.detour_minutes} min claimed, {detour} driven")
    return out
