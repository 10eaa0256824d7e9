"""Lifts to a march: the router (``solver.routing.plan``) against a greedy yardstick, side by side.

Usage: python -m bench.lift_bench [--seed 1 2 3] [--limit 2] [--short] [--decline] [--engine]
       [--drivers 40] [--people 150] [--pickups 60] [--detour 30]

Generates a seeded city: drivers' homes spread uniformly over a disc of 8 km around Cardiff's
centre with 1-6 free seats (adjusted so the seats are 110% of the people, or with ``--short`` 80%),
people waiting at pickups spread over the same disc (one each, the rest shared out at random, so a
few groups are larger than some cars), one destination in the centre, everyone to arrive by 11:00.
Prints, per seed, people carried, cars used, total driving, the longest detour and the wall time of
each peer, and the ratio of their driving; with ``--decline``, also the router's re-plan after the
driver with the most pickups declines (the others approved, the first routes as previous), and
how many pickups changed driver; with ``--engine``, the lift through ``solver.solve`` (the roster
picks the drivers among all 40, then they are routed: the price of the two steps), its wall time
including the roster and its routes passing ``check``. Both peers keep the same rules (seats, arrival, detour
cap) and both peers' routes are re-judged by ``solver.route_check``.

The greedy is a yardstick, not product: pickups farthest from the destination first, each to the
nearest car (from where it is now: home or its last pickup) with a free seat whose detour stays
within the cap, as many of the group as fit, the rest to the next nearest car.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from solver import Assignment, Instance, Member, Params, Request, check, solve
from solver.route_check import check_routes
from solver.routing import Driver, plan, route_of
from solver.schema import Pickup, Route
from solver.travel import Point, Travel

CENTRE = (51.4816, -3.1791)
RADIUS_KM = 8.0
MARCH = datetime(2026, 3, 7, tzinfo=UTC)
ARRIVE = 11 * 60


def _spot(rng: random.Random) -> Point:
    """A uniform point of the disc around the centre."""
    r, a = RADIUS_KM * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
    dlat = r * math.cos(a) / 111.32
    dlon = r * math.sin(a) / (111.32 * math.cos(math.radians(CENTRE[0])))
    return (round(CENTRE[0] + dlat, 6), round(CENTRE[1] + dlon, 6))


def city(seed: int, drivers: int, people: int, pickups: int, short: bool) -> tuple[Request, list[Driver]]:
    rng = random.Random(seed)
    groups = [1] * pickups
    for _ in range(people - pickups):
        groups[rng.randrange(pickups)] += 1
    stops = []
    for i, n in enumerate(groups):
        lat, lon = _spot(rng)
        stops.append(Pickup(id=f"p{i:02}", lat=lat, lon=lon, people=n, label=f"pickup {i:02}"))
    seats = [rng.randint(1, 6) for _ in range(drivers)]
    target = int(people * (0.8 if short else 1.1))
    while sum(seats) != target:
        k = rng.randrange(drivers)
        seats[k] = min(6, seats[k] + 1) if sum(seats) < target else max(1, seats[k] - 1)
    cars = []
    for k, n in enumerate(seats):
        lat, lon = _spot(rng)
        cars.append(Driver(id=f"d{k:02}", lat=lat, lon=lon, seats=n))
    req = Request(
        id="march",
        lat=CENTRE[0],
        lon=CENTRE[1],
        start=ARRIVE,
        end=ARRIVE + 180,
        headcount=drivers,
        priority=5,
        pickups=tuple(stops),
    )
    return req, cars


@dataclass
class _Car:
    driver: Driver
    free: int
    stops: list[tuple[Pickup, int]] = field(default_factory=list)

    def at(self) -> Point:
        return (self.stops[-1][0].lat, self.stops[-1][0].lon) if self.stops else self.driver.home


def greedy(req: Request, drivers: list[Driver], travel: Travel, max_detour: int) -> list[Route]:
    dest = (req.lat, req.lon)
    cars = [_Car(d, d.seats) for d in drivers]
    order = sorted(req.pickups, key=lambda p: -travel.leg((p.lat, p.lon), dest)[0])
    for p in order:
        left = p.people
        while left:
            fit = [c for c in cars if c.free and _detour(c, p, dest, travel) <= max_detour]
            if not fit:
                break
            car = min(fit, key=lambda c: (travel.leg(c.at(), (p.lat, p.lon))[0], c.driver.id))
            n = min(car.free, left)
            car.stops.append((p, n))
            car.free -= n
            left -= n
    return [route_of(req, c.driver, c.stops, travel) for c in cars if c.stops]


def _detour(car: _Car, p: Pickup, dest: Point, travel: Travel) -> int:
    places = [car.driver.home, *((q.lat, q.lon) for q, _ in car.stops), (p.lat, p.lon), dest]
    return sum(m for _, m in travel.along(places)) - travel.leg(car.driver.home, dest)[1]


@dataclass
class Figures:
    carried: int
    cars: int
    km: float
    detour: int
    check: str


def measure(req: Request, drivers: list[Driver], routes: list[Route], params: Params) -> Figures:
    members = [Member(id=d.id, lat=d.lat, lon=d.lon, max_minutes=600, car_seats=d.seats) for d in drivers]
    inst = Instance(
        name="march", horizon_start=MARCH, horizon_minutes=24 * 60, requests=(req,), members=tuple(members)
    )
    drove = [Assignment(request_id=req.id, slot_index=0, member_id=r.member_id) for r in routes]
    broken = check_routes(inst, drove, routes, params)
    return Figures(
        carried=sum(r.stops[-2].load for r in routes if len(r.stops) > 1),
        cars=len(routes),
        km=sum(r.metres for r in routes) / 1000,
        detour=max((r.detour_minutes for r in routes), default=0),
        check="ok" if not broken else f"{len(broken)} broken: {broken[0]}",
    )


def after_a_decline(
    req: Request, drivers: list[Driver], routes: list[Route], args: argparse.Namespace
) -> tuple[str, list[Route], float, str]:
    """Re-plan once the driver with the most pickups declines: which pickups move."""
    who = {s.pickup_id: r.member_id for r in routes for s in r.stops if s.pickup_id}
    gone = max(routes, key=lambda r: (len(r.stops), r.member_id)).member_id
    driving = set(who.values())
    pool = [replace(d, approved=d.id in driving) for d in drivers if d.id != gone]
    t0 = time.monotonic()
    again = plan(
        req, pool, horizon_start=MARCH, max_detour=args.detour, previous=who, time_limit_s=args.limit
    )
    wall = time.monotonic() - t0
    now = {s.pickup_id: r.member_id for r in again.routes for s in r.stops if s.pickup_id}
    moved = [p for p in who if now.get(p) != who[p]]
    theirs = sum(who[p] == gone for p in moved)
    return (
        f"router, {gone} declines",
        again.routes,
        wall,
        f"{len(moved)} pickups moved ({theirs} were {gone}'s)",
    )


def through_solve(
    req: Request, drivers: list[Driver], args: argparse.Namespace
) -> tuple[str, list[Route], float, str]:
    """The same lift through ``solver.solve``: the roster picks the drivers, then they are routed."""
    members = [
        Member(id=d.id, lat=d.lat, lon=d.lon, windows=((0, 24 * 60),), max_minutes=600, car_seats=d.seats)
        for d in drivers
    ]
    inst = Instance(
        name="march", horizon_start=MARCH, horizon_minutes=24 * 60, requests=(req,), members=tuple(members)
    )
    params = Params(
        time_limit_s=args.limit + 3, route_time_limit_s=args.limit, max_detour_minutes=args.detour
    )
    t0 = time.monotonic()
    roster = solve(inst, params)
    wall = time.monotonic() - t0
    result = check(inst, roster, params)
    verdict = "check() ok" if result.feasible else f"check() {result.violations[:1]}"
    return f"solve(), {len(roster.assignments)} drivers sent", list(roster.routes), wall, verdict


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", nargs="+", type=int, default=[1, 2, 3])
    ap.add_argument("--limit", type=float, default=2.0, help="routing search seconds (guided local search)")
    ap.add_argument("--short", action="store_true", help="seats for 80%% of the people, not 110%%")
    ap.add_argument("--decline", action="store_true", help="also re-plan after the busiest driver declines")
    ap.add_argument("--engine", action="store_true", help="also plan the lift through solver.solve")
    ap.add_argument("--drivers", type=int, default=40)
    ap.add_argument("--people", type=int, default=150)
    ap.add_argument("--pickups", type=int, default=60)
    ap.add_argument("--detour", type=int, default=30)
    args = ap.parse_args()
    params = Params(max_detour_minutes=args.detour)
    travel = Travel()
    cols = ["seed", "seats", "peer", "carried", "cars", "driving km", "longest detour min", "wall s", "check"]
    print("| " + " | ".join(cols) + " |")
    print("|---" * len(cols) + "|")
    for seed in args.seed:
        req, drivers = city(seed, args.drivers, args.people, args.pickups, args.short)
        t0 = time.monotonic()
        ours = plan(req, drivers, horizon_start=MARCH, max_detour=args.detour, time_limit_s=args.limit).routes
        t1 = time.monotonic()
        base = greedy(req, drivers, travel, args.detour)
        t2 = time.monotonic()
        seats = sum(d.seats for d in drivers)
        rows = [("router", ours, t1 - t0, ""), ("greedy", base, t2 - t1, "")]
        if args.decline:
            rows.append(after_a_decline(req, drivers, ours, args))
        if args.engine:
            rows.append(through_solve(req, drivers, args))
        found = {}
        for peer, routes, wall, extra in rows:
            m = found[peer] = measure(req, drivers, routes, params)
            cells = [seed, seats, peer, f"{m.carried}/{req.passengers}", m.cars, f"{m.km:.1f}", m.detour]
            cells += [f"{wall:.2f}", m.check + (f"; {extra}" if extra else "")]
            print("| " + " | ".join(map(str, cells)) + " |")
        ratio = found["router"].km / max(found["greedy"].km, 1e-9)
        print(f"| {seed} | {seats} | router/greedy km | {ratio:.3f} | | | | | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
