"""How far and how long between two points of a lift: the instance's road table, else a straight line.

The router and the route checker both measure through this one class, so a route the router
planned is judged on exactly the metres and minutes it was planned with. ``services`` may fill
``Instance.travel`` from a road router; a pair the table lacks (or no table at all) is measured as
the crow flies at 30 km/h (``solver.geo``), the estimate the roster's travel rules use.
"""

from __future__ import annotations

from itertools import pairwise

from solver.geo import dist_m, travel_min
from solver.schema import TravelTable

Point = tuple[float, float]
"""(lat, lon)."""


def _key(a: Point, b: Point) -> tuple[float, float, float, float]:
    return (round(a[0], 6), round(a[1], 6), round(b[0], 6), round(b[1], 6))


class Travel:
    def __init__(self, table: TravelTable | None = None) -> None:
        self._legs = {
            _key((g.from_lat, g.from_lon), (g.to_lat, g.to_lon)): (g.metres, g.minutes)
            for g in (table.legs if table is not None else ())
        }

    def leg(self, a: Point, b: Point) -> tuple[int, int]:
        """(metres, minutes) of driving from ``a`` to ``b``."""
        if a == b:
            return 0, 0
        known = self._legs.get(_key(a, b))
        if known is not None:
            return known
        metres = dist_m(a[0], a[1], b[0], b[1])
        return metres, travel_min(metres)

    def along(self, places: list[Point]) -> list[tuple[int, int]]:
        """(metres, minutes) of each leg of a drive through ``places`` in order."""
        return [self.leg(a, b) for a, b in pairwise(places)]
