from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from solver.rules.base import Rule

if TYPE_CHECKING:  # CP-SAT loads only for a path that builds its model
    from ortools.sat.python import cp_model

    from solver.candidates import Candidates
    from solver.rule_inputs import ModelVars


class CoverageRule(Rule):
    """Fill as many slots as possible, urgent ones first: each filled slot earns its priority.

    No request gets more people than it asked for. The weight (1000 per priority point by
    default) dwarfs travel and fairness, so a slot is only left empty when filling it is impossible
    or would force a more urgent slot to be left empty.

    A lift with pickups is one job, not one per driver: it earns its gain once, when it is served
    (the seats rule makes that "in full"), worth ``k`` slots, where ``k`` is the fewest eligible
    drivers whose seats carry everyone (largest cars first, at most the headcount). Paying per
    driver made the roster send one driver per passenger ("lifts for 6 people" became 6 drivers).
    Its drivers then cost only travel and fairness, so the roster sends as few and as near as the
    seats allow; ``solver.routing`` orders the pickups among them.
    """

    def __init__(self, weight: int) -> None:
        self.weight = weight

    def gain(self, cands: Candidates) -> npt.NDArray[np.int64]:
        per_slot = 0 if cands.request.pickups else self.weight * cands.request.priority
        return np.full(cands.members.size, per_slot, dtype=np.int64)

    def served_gain(self, cands: Candidates) -> int:
        r = cands.request
        if not r.pickups:
            return 0
        members = cands.instance.members
        seats = sorted((members[m].car_seats or 0 for m in cands.members.tolist()), reverse=True)
        return self.weight * r.priority * fewest_cars(seats, r.passengers, r.headcount)

    def constrain(self, v: ModelVars) -> cp_model.LinearExprT:
        for r, terms in v.by_req.items():
            room = v.pb.head[r] - len(v.scope.fixed_on.get(r, ()))
            if len(terms) > room:
                v.model.add(sum(var for _, var in terms) <= room)
        return 0


def fewest_cars(seats_largest_first: list[int], people: int, most: int) -> int:
    """How many of the cars, largest first, it takes to seat ``people`` (at most ``most``)."""
    total = 0
    for k, seats in enumerate(seats_largest_first[:most], start=1):
        total += seats
        if total >= people:
            return k
    return most
