from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from solver.rules.base import Rule
from solver.schema import Instance

if TYPE_CHECKING:
    from solver.candidates import Candidates


class StabilityRule(Rule):
    """Respect what coordinators already decided: keep approved assignments where possible.

    Every approved (request, member) assignment that the new roster drops or gives to someone else
    costs ``change_weight``, so a new request or a decline changes only what must change. Forbidden
    pairs never appear; pinned assignments are fixed before the search starts (``Problem``).
    Which slot number a kept assignment has is not a change: slots are interchangeable.
    """

    pin_text = "declined it"

    def __init__(self, instance: Instance, weight: int) -> None:
        self.weight = weight
        self.approved = {(a.request_id, a.member_id) for a in instance.approved}
        self.forbidden = {(a.request_id, a.member_id) for a in instance.forbidden}

    def keep(self, cands: Candidates) -> npt.NDArray[np.bool_]:
        rid, members = cands.request.id, cands.instance.members
        return np.array([(rid, members[m].id) not in self.forbidden for m in cands.members.tolist()])

    def gain(self, cands: Candidates) -> npt.NDArray[np.int64]:
        rid, members = cands.request.id, cands.instance.members
        kept = [(rid, members[m].id) in self.approved for m in cands.members.tolist()]
        return self.weight * np.array(kept, dtype=np.int64)

    @property
    def constant(self) -> int:
        """The cost of dropping every approved assignment; ``gain`` pays it back per kept one."""
        return self.weight * len(self.approved)

    def describe(self, cands: Candidates) -> str:
        return "a coordinator has ruled out every member who could go"
