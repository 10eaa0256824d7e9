from __future__ import annotations

from typing import TYPE_CHECKING

from solver.rules.base import Rule

if TYPE_CHECKING:  # CP-SAT loads only for a path that builds its model
    from ortools.sat.python import cp_model

    from solver.rule_inputs import ModelVars, PreparedTables


class BuddyRule(Rule):
    """Nobody goes alone where a partner asked for a team: send nobody or at least ``min_team`` people."""

    pin_text = "could not be sent with anyone else, and nobody goes alone on this work"

    def team_ok(self, problem: PreparedTables, r: int, members: list[int]) -> bool:
        return not members or len(members) >= problem.instance.requests[r].min_team

    def constrain(self, v: ModelVars) -> cp_model.LinearExprT:
        pb = v.pb
        for r, terms in v.by_req.items():
            need = pb.instance.requests[r].min_team
            if need > 1:
                fixed = len(v.scope.fixed_on.get(r, []))
                v.model.add(sum(var for _, var in terms) + fixed >= need * v.sent(r))
        return 0
