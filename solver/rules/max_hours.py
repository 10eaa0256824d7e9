from __future__ import annotations

from typing import TYPE_CHECKING

from solver.rules.base import Rule

if TYPE_CHECKING:  # CP-SAT loads only for a path that builds its model
    from ortools.sat.python import cp_model

    from solver.rule_inputs import ModelVars


class MaxHoursRule(Rule):
    """Nobody works more than the hours they offered for the week."""

    def constrain(self, v: ModelVars) -> cp_model.LinearExprT:
        pb = v.pb
        for m, terms in v.by_mem.items():
            room = pb.cap[m] - v.scope.fixed_load.get(m, 0)
            if sum(pb.dur[pb.pair_r[p]] for p, _ in terms) > room:
                v.model.add(v.load(m) <= pb.cap[m])
        return 0
