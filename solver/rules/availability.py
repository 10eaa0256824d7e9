from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from solver.rules.base import Rule
from solver.schema import ReasonCode, Waiver
from solver.timefmt import span_text

if TYPE_CHECKING:
    from solver.candidates import Candidates


class AvailabilityRule(Rule):
    """A member may only be sent when one of their declared availability windows holds the whole job.

    Windows are not merged: two back-to-back windows are two separate promises, and the benchmark
    specification reads them the same way.
    """

    reason = ReasonCode.UNAVAILABLE
    pin_text = "is not available then (their availability or a day off)"
    waiver = Waiver.AVAILABILITY

    def keep(self, cands: Candidates) -> npt.NDArray[np.bool_]:
        r = cands.request
        return cands.tables.covering(r.start, r.end)[cands.members]

    def describe(self, cands: Candidates) -> str:
        r = cands.request
        who = f"no member with {' and '.join(sorted(r.skills))}" if r.skills else "no member"
        return f"{who} is available on {span_text(cands.instance.horizon_start, r.start, r.end)}"
