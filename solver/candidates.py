"""Who could be sent to one request, narrowed rule by rule while the problem is prepared.

Members are held as numpy arrays so that the filters of a 5,000-member instance run in a fraction
of a second; distances are only computed for the members that survive the cheap filters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from solver.geo import EARTH_RADIUS_KM, dist_m
from solver.schema import Instance, Request

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
_BOUNDARY_EPS = 1e-6


def dist_m_many(
    lat1: FloatArray | float, lon1: FloatArray | float, lat2: FloatArray | float, lon2: FloatArray | float
) -> IntArray:
    """``geo.dist_m`` over broadcast arrays, equal to it to the metre.

    Wherever the vectorised result lies within a hair of a rounding boundary (where numpy's and
    libm's last bits could disagree), the scalar function decides.
    """
    p1, p2 = np.asarray(lat1) * np.pi / 180, np.asarray(lat2) * np.pi / 180
    l1, l2 = np.asarray(lon1) * np.pi / 180, np.asarray(lon2) * np.pi / 180
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
    raw = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a)) * 1000 + 0.5
    out = np.floor(raw).astype(np.int64)
    near = np.nonzero(np.abs(raw - np.rint(raw)) < _BOUNDARY_EPS)
    if near[0].size:
        b1, b2, b3, b4 = np.broadcast_arrays(lat1, lon1, lat2, lon2)
        for idx in zip(*near, strict=True):
            out[idx] = dist_m(float(b1[idx]), float(b2[idx]), float(b3[idx]), float(b4[idx]))
    return out


class MemberTables:
    """Column view of the members, built once per instance."""

    def __init__(self, instance: Instance) -> None:
        members = instance.members
        n = len(members)
        self.lat = np.array([m.lat for m in members], dtype=np.float64)
        self.lon = np.array([m.lon for m in members], dtype=np.float64)
        self.skill: dict[str, npt.NDArray[np.bool_]] = {}
        for i, m in enumerate(members):
            for s in m.skills:
                self.skill.setdefault(s, np.zeros(n, dtype=np.bool_))[i] = True
        owner = [i for i, m in enumerate(members) for _ in m.windows]
        self.win_member = np.array(owner, dtype=np.int64)
        self.win_start = np.array([w[0] for m in members for w in m.windows], dtype=np.int64)
        self.win_end = np.array([w[1] for m in members for w in m.windows], dtype=np.int64)
        self.size = n

    def with_skills(self, skills: frozenset[str]) -> npt.NDArray[np.bool_]:
        mask = np.ones(self.size, dtype=np.bool_)
        for s in skills:
            held = self.skill.get(s)
            if held is None:
                return np.zeros(self.size, dtype=np.bool_)
            mask &= held
        return mask

    def covering(self, start: int, end: int) -> npt.NDArray[np.bool_]:
        """Members with one availability window holding the whole of [start, end]."""
        hit = (self.win_start <= start) & (end <= self.win_end)
        mask = np.zeros(self.size, dtype=np.bool_)
        mask[self.win_member[hit]] = True
        return mask


@dataclass
class Candidates:
    instance: Instance
    tables: MemberTables
    index: int
    members: IntArray
    _km: IntArray | None = field(default=None, repr=False)

    @property
    def request(self) -> Request:
        return self.instance.requests[self.index]

    @property
    def km(self) -> IntArray:
        """home_km of each candidate, computed on first use."""
        if self._km is None:
            r = self.request
            metres = dist_m_many(self.tables.lat[self.members], self.tables.lon[self.members], r.lat, r.lon)
            self._km = (metres + 500) // 1000  # geo.home_km, vectorised
        return self._km

    def narrow(self, keep: npt.NDArray[np.bool_]) -> None:
        self.members = self.members[keep]
        if self._km is not None:
            self._km = self._km[keep]
