from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from solver.rules.base import Rule

if TYPE_CHECKING:
    from solver.candidates import Candidates


class TravelCostRule(Rule):
    """Prefer members who live near the job: each kilometre from home to the request costs a point.

    Only the trip from home counts; the trips between two jobs of the same member are a matter of
    feasibility (see ``NoDoubleBookingRule``), not of cost.
    """

    def __init__(self, weight: int) -> None:
        self.weight = weight

    def gain(self, cands: Candidates) -> npt.NDArray[np.int64]:
        return -self.weight * cands.km
