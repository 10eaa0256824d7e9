from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from solver.rules.base import Rule
from solver.schema import Waiver

if TYPE_CHECKING:
    from solver.candidates import Candidates


class TravelRadiusRule(Rule):
    """Never send a member further from home than the distance they said they would travel."""

    pin_text = "lives further away than they will travel"
    waiver = Waiver.TRAVEL_RADIUS

    def keep(self, cands: Candidates) -> npt.NDArray[np.bool_]:
        members = cands.instance.members
        radius = [members[m].max_travel_km for m in cands.members.tolist()]
        limit = np.array([np.iinfo(np.int64).max if km is None else km for km in radius], dtype=np.int64)
        return np.asarray(cands.km <= limit, dtype=np.bool_)

    def describe(self, cands: Candidates) -> str:
        return "every member who could go lives further away than they are willing to travel"
