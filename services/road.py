"""Road distances and times for lifts, from an OSRM or Valhalla server the club runs or trusts.

Only the points that lifts with pickups use are asked for (drivers' homes and pickups to pickups
and destinations), once per distinct set (answers are kept in memory), with a short time-out:
a router that is down or slow costs one warning and the plan falls back to straight lines at
30 km/h; it never stops planning.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

import httpx
import structlog

from solver.schema import Instance, Leg, TravelTable

log = structlog.get_logger("mechanic.road")
Point = tuple[float, float]
Cell = tuple[int, int] | None
"""(metres, minutes) of one source -> target drive, or None where the router found no road."""


class RoadRouter(Protocol):
    name: str

    def matrix(self, sources: Sequence[Point], targets: Sequence[Point]) -> list[list[Cell]]:
        """Driving from each source to each target."""


def _minutes(seconds: float) -> int:
    return math.ceil(seconds / 60)


class Osrm:
    """OSRM's table service: ``GET /table/v1/{profile}/{lon,lat;...}?sources=..&destinations=..``."""

    name = "osrm"

    def __init__(self, base_url: str, profile: str = "driving", timeout_s: float = 3.0) -> None:
        self.base_url, self.profile, self.timeout_s = base_url.rstrip("/"), profile, timeout_s

    def matrix(self, sources: Sequence[Point], targets: Sequence[Point]) -> list[list[Cell]]:
        points = [*sources, *targets]
        where = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in points)
        params = {
            "sources": ";".join(str(i) for i in range(len(sources))),
            "destinations": ";".join(str(len(sources) + i) for i in range(len(targets))),
            "annotations": "duration,distance",
        }
        answer = httpx.get(
            f"{self.base_url}/table/v1/{self.profile}/{where}", params=params, timeout=self.timeout_s
        )
        answer.raise_for_status()
        body = answer.json()
        if body.get("code") != "Ok":
            raise ValueError(f"OSRM answered {body.get('code')}: {body.get('message', '')}")
        return [
            [
                None if d is None or s is None else (round(d), _minutes(s))
                for s, d in zip(times, metres, strict=True)
            ]
            for times, metres in zip(body["durations"], body["distances"], strict=True)
        ]


class Valhalla:
    """Valhalla's matrix service: ``POST /sources_to_targets`` (distances in km, times in s)."""

    name = "valhalla"

    def __init__(self, base_url: str, costing: str = "auto", timeout_s: float = 3.0) -> None:
        self.base_url, self.costing, self.timeout_s = base_url.rstrip("/"), costing, timeout_s

    def matrix(self, sources: Sequence[Point], targets: Sequence[Point]) -> list[list[Cell]]:
        body = {
            "sources": [{"lat": lat, "lon": lon} for lat, lon in sources],
            "targets": [{"lat": lat, "lon": lon} for lat, lon in targets],
            "costing": self.costing,
            "units": "kilometers",
        }
        answer = httpx.post(f"{self.base_url}/sources_to_targets", json=body, timeout=self.timeout_s)
        answer.raise_for_status()
        rows = answer.json()["sources_to_targets"]
        return [
            [
                None
                if cell.get("time") is None or cell.get("distance") is None
                else (round(cell["distance"] * 1000), _minutes(cell["time"]))
                for cell in row
            ]
            for row in rows
        ]


def lift_points(instance: Instance) -> tuple[list[Point], list[Point]]:
    """Where lifts' drives start (homes of members with seats, pickups) and end (pickups,
    destinations); empty when no lift has pickups."""
    lifts = [r for r in instance.requests if r.pickups]
    if not lifts:
        return [], []
    pickups = sorted({(p.lat, p.lon) for r in lifts for p in r.pickups})
    homes = sorted({(m.lat, m.lon) for m in instance.members if m.car_seats})
    ends = sorted({(r.lat, r.lon) for r in lifts})
    return sorted({*homes, *pickups}), sorted({*pickups, *ends})


class RoadTimes:
    """Fills an instance's travel table from a router, remembering the last answers."""

    def __init__(self, router: RoadRouter, max_points: int = 100, remember: int = 32) -> None:
        self.router, self.max_points, self.remember = router, max_points, remember
        self._known: OrderedDict[tuple[tuple[Point, ...], tuple[Point, ...]], TravelTable] = OrderedDict()

    def table(self, instance: Instance) -> TravelTable | None:
        sources, targets = lift_points(instance)
        if not sources:
            return None
        if len(sources) + len(targets) > self.max_points:
            log.warning("road.too_many_points", points=len(sources) + len(targets), limit=self.max_points)
            return None
        key = (tuple(sources), tuple(targets))
        if key in self._known:
            self._known.move_to_end(key)
            return self._known[key]
        try:
            cells = self.router.matrix(sources, targets)
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            log.warning("road.unavailable", router=self.router.name, error=type(exc).__name__)
            return None
        legs = tuple(
            Leg(from_lat=a[0], from_lon=a[1], to_lat=b[0], to_lon=b[1], metres=cell[0], minutes=cell[1])
            for a, row in zip(sources, cells, strict=True)
            for b, cell in zip(targets, row, strict=True)
            if cell is not None and a != b
        )
        found = TravelTable(legs=legs)
        self._known[key] = found
        while len(self._known) > self.remember:
            self._known.popitem(last=False)
        return found

    def apply(self, instance: Instance) -> Instance:
        """The instance with road times for its lifts, or unchanged (straight lines) without them."""
        found = self.table(instance)
        return instance if found is None else instance.model_copy(update={"travel": found})
