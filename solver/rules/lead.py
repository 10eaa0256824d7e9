from __future__ import annotations

from typing import TYPE_CHECKING

from solver.rules.base import Rule

if TYPE_CHECKING:  # CP-SAT loads only for a path that builds its model
    from ortools.sat.python import cp_model

    from solver.rule_inputs import ModelVars, PreparedTables


class LeadRule(Rule):
    """A team is only sent with a lead: at least one person on it holds the request's lead skills.

    A court-support team without someone trained to speak to the clerk, or a lookout without a
    legal observer, can do more harm than good; the others may be less experienced.
    """

    pin_text = "could not be sent with anyone who can lead this work"

    def team_ok(self, problem: PreparedTables, r: int, members: list[int]) -> bool:
        return not members or any(_leads(problem, r, m) for m in members)

    def constrain(self, v: ModelVars) -> cp_model.LinearExprT:
        pb = v.pb
        for r, terms in v.by_req.items():
            if not pb.instance.requests[r].lead_skills:
                continue
            if any(_leads(pb, r, pb.pair_m[p]) for p in v.scope.fixed_on.get(r, [])):
                continue
            v.model.add(sum(var for p, var in terms if _leads(pb, r, pb.pair_m[p])) >= v.sent(r))
        return 0


def _leads(problem: PreparedTables, r: int, m: int) -> bool:
    return problem.instance.requests[r].lead_skills <= problem.instance.members[m].skills
