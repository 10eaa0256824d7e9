from __future__ import annotations

from typing import TYPE_CHECKING

from solver.rules.base import Rule

if TYPE_CHECKING:  # CP-SAT loads only for a path that builds its model
    from ortools.sat.python import cp_model

    from solver.rule_inputs import ModelVars


class FairnessRule(Rule):
    """Spread the work: the gap between the busiest and the least busy member who works costs points.

    Members who are not sent at all do not count, otherwise the least busy load would always be
    zero. With rolling fairness the loads include each member's recent history, so whoever carried
    the last weeks is spared this one.
    """

    def __init__(self, weight: int) -> None:
        self.weight = weight

    def constrain(self, v: ModelVars) -> cp_model.LinearExprT:
        pb, scope, model = v.pb, v.scope, v.model
        members = sorted(
            m for m in set(v.by_mem) | set(scope.fixed_load) if m in v.by_mem or scope.fixed_load[m]
        )
        if not members and scope.outside_max is None:
            return 0
        top = max([pb.cap[m] + pb.history[m] for m in members] + [scope.outside_max or 0])
        high = model.new_int_var(scope.outside_max or 0, top, "fairness_max_load")
        low = model.new_int_var(
            0, top if scope.outside_min is None else scope.outside_min, "fairness_min_load"
        )
        model.add(low <= high)
        for m in members:
            counted = v.load(m) + pb.history[m]
            used = v.used(m)
            upper = model.add(high >= counted)
            lower = model.add(low <= counted)
            if used is not True:
                lower.only_enforce_if(used)
                if pb.history[m]:
                    upper.only_enforce_if(used)
        return -self.weight * (high - low)
