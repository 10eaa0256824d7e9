from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model

from solver.rules.base import Rule

if TYPE_CHECKING:
    from solver.candidates import Candidates
    from solver.variables import AssignmentVars


class CoverageRule(Rule):
    """Fill as many slots as possible, urgent ones first: each filled slot earns its priority.

    No request gets more people than it asked for. The weight (1000 per priority point by
    default) dwarfs travel and fairness, so a slot is only left empty when filling it is impossible
    or would force a more urgent slot to be left empty.
    """

    def __init__(self, weight: int) -> None:
        self.weight = weight

    def gain(self, cands: Candidates) -> npt.NDArray[np.int64]:
        return np.full(cands.members.size, self.weight * cands.request.priority, dtype=np.int64)

    def constrain(self, v: AssignmentVars) -> cp_model.LinearExprT:
        for r, terms in v.by_req.items():
            room = v.pb.head[r] - len(v.scope.fixed_on.get(r, ()))
            if len(terms) > room:
                v.model.add(sum(var for _, var in terms) <= room)
        return 0
