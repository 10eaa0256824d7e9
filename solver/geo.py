"""Distances exactly as SPEC section 2 defines them, so the solver and the checker agree to the metre.

The scalar function follows the reference arithmetic operation by operation, so it is what the
checker uses; ``solver.candidates.dist_m_many`` is its vectorised twin for large instances.
"""

from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0
METRES_PER_MINUTE = 500


def dist_m(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
    """Great-circle distance in whole metres, rounded half-up."""
    p1, p2 = lat1 * math.pi / 180, lat2 * math.pi / 180
    l1, l2 = lon1 * math.pi / 180, lon2 * math.pi / 180
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin((l2 - l1) / 2) ** 2
    return math.floor(2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a)) * 1000 + 0.5)


def travel_min(metres: int) -> int:
    """Minutes to cover ``metres`` at 30 km/h, rounded up."""
    return (metres + METRES_PER_MINUTE - 1) // METRES_PER_MINUTE


def home_km(metres: int) -> int:
    """Whole kilometres, rounded half-up."""
    return (metres + 500) // 1000
