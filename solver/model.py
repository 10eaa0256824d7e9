"""Build the CP-SAT model of one scope from the active rules, solve it, read the answer back."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.problem import Problem
from solver.scope import Scope
from solver.stopping import halted_when
from solver.variables import AssignmentVars

log = logging.getLogger("solver")


@dataclass
class ScopeResult:
    status: cp_model.CpSolverStatus
    chosen: list[int]
    """Pairs of the scope that the answer sends."""
    objective: int
    """Objective of the scope's model (the whole roster's, up to a constant from outside the scope)."""
    bound: int | None

    def bound_for(self, value: int) -> int | None:
        """The bound in the terms of the roster the answer makes, whose objective is ``value``.

        The model leaves out what no decision in it changes (the assignments that stay, pinned
        ones included, and the objective's constant), so its objective and bound are the roster's
        less the same offset: on a demo-sized club with one pin the bound came out 3,990 below the
        very roster it had proven optimal."""
        return None if self.bound is None else self.bound + value - self.objective

    @property
    def solved(self) -> bool:
        return self.status in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def build(problem: Problem, scope: Scope) -> tuple[cp_model.CpModel, AssignmentVars]:
    model = cp_model.CpModel()
    v = AssignmentVars(model, problem, scope)
    terms: list[cp_model.LinearExprT] = [
        cp_model.LinearExpr.weighted_sum(list(v.x.values()), [problem.gain[p] for p in v.x])
    ]
    served = [(r, g) for r, g in problem.served if r in v.by_req]
    if served:
        terms.append(sum(g * v.sent(r) for r, g in served))
    terms += [rule.constrain(v) for rule in problem.rules]
    model.maximize(sum(terms))
    _complete_hint(model, v, scope.hint)
    return model, v


def _complete_hint(model: cp_model.CpModel, v: AssignmentVars, hint: set[int]) -> None:
    """Hint every variable, not only the assignments, so CP-SAT starts from the current roster.

    The rules' helper variables (who is used, fairness extremes...) are filled in by a solve with
    all assignments fixed, which is immediate; a partial hint would make CP-SAT search for the rest.
    """
    probe = model.clone()
    for p, var in v.x.items():
        value = int(p in hint)
        domain = probe.proto.variables[var.index].domain
        domain.clear()
        domain.extend([value, value])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 5.0
    if solver.solve(probe) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        log.warning("the current roster breaks a rule in this scope; solving without a hint")
        return
    values = solver.response_proto.solution
    model.clear_hints()
    model.proto.solution_hint.vars.extend(range(len(values)))
    model.proto.solution_hint.values.extend(values)


def solve_scope(
    problem: Problem,
    scope: Scope,
    *,
    time_limit: float,
    deterministic_limit: float | None = None,
    workers: int = 1,
    seed: int = 0,
    presolve: bool = True,
    stop: threading.Event | None = None,
) -> ScopeResult:
    """CP-SAT on ``scope``; with ``stop``, it ends early once the event is set (another solver
    answered)."""
    model, v = build(problem, scope)
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = max(time_limit, 0.01)
    if deterministic_limit is not None:
        params.max_deterministic_time = deterministic_limit
    params.num_workers = workers
    params.random_seed = seed
    params.cp_model_presolve = presolve
    params.interleave_search = workers > 1 and deterministic_limit is not None
    with halted_when(stop, solver.stop_search):
        status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return ScopeResult(status, [], 0, None)
    chosen = [p for p, var in v.x.items() if solver.boolean_value(var)]
    return ScopeResult(status, chosen, round(solver.objective_value), round(solver.best_objective_bound))
