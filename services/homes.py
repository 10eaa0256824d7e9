"""Where members live, kept only as precisely as planning needs.

A home is stored on a grid of about 500 m (a neighbourhood: enough to judge how far work is and to
rank who is near), unless the member chose exact pickup planning (a driver, to be told when to
leave; someone who asks for lifts, to be collected at the door). A seized database then says which
part of town a member lives in, not which house."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

GRID_M = 500
METRES_PER_DEGREE = 111_320


def coarse(lat: float, lon: float) -> tuple[float, float]:
    """The centre of the ~500 m cell the point falls in (cells are square on the ground)."""
    lat_step = GRID_M / METRES_PER_DEGREE
    row = round(round(lat / lat_step) * lat_step, 6)
    lon_step = lat_step / max(
        math.cos(math.radians(row)), 0.01
    )  # the row's, so coarse(coarse(p)) == coarse(p)
    return row, round(round(lon / lon_step) * lon_step, 6)


def kept(values: Mapping[str, Any]) -> dict[str, Any]:
    """A member's values as stored: the home coarsened unless ``exact_home`` is set."""
    out = dict(values)
    if not out.get("exact_home") and out.get("home_lat") is not None and out.get("home_lon") is not None:
        out["home_lat"], out["home_lon"] = coarse(out["home_lat"], out["home_lon"])
    return out
