from __future__ import annotations

from typing import TYPE_CHECKING

from solver.rules.base import Rule

if TYPE_CHECKING:  # CP-SAT loads only for a path that builds its model
    from ortools.sat.python import cp_model

    from solver.rule_inputs import ModelVars, PreparedTables


class LiftSeatsRule(Rule):
    """A lift goes ahead only with enough car seats: if anyone is sent, their cars carry every passenger.

    Sending one small car to a family of five helps nobody, so a lift is either fully covered by
    the drivers sent or not served at all (and then explained as unfilled); the headcount still
    caps how many drivers go.
    """

    pin_text = "could not be sent with enough car seats for the passengers"

    def team_ok(self, problem: PreparedTables, r: int, members: list[int]) -> bool:
        need = problem.instance.requests[r].passengers
        return not members or sum(_seats(problem, m) for m in members) >= need

    def constrain(self, v: ModelVars) -> cp_model.LinearExprT:
        pb = v.pb
        for r, terms in v.by_req.items():
            need = pb.instance.requests[r].passengers
            if need:
                fixed = sum(_seats(pb, pb.pair_m[p]) for p in v.scope.fixed_on.get(r, []))
                seats = sum(_seats(pb, pb.pair_m[p]) * var for p, var in terms)
                v.model.add(seats + fixed >= need * v.sent(r))
        return 0


def _seats(problem: PreparedTables, m: int) -> int:
    return problem.instance.members[m].car_seats or 0
