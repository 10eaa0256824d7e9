"""The assignment variables of one model: a boolean per (request, member) pair in scope.

There is no variable per slot: the slots of a request are interchangeable, so deciding who goes is
enough, and the slot numbers are handed out afterwards. This removes the slot symmetry that makes
a slot-indexed model hopeless on large instances.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.problem import Problem
from solver.scope import Scope


class AssignmentVars:
    def __init__(self, model: cp_model.CpModel, problem: Problem, scope: Scope) -> None:
        self.model = model
        self.pb = problem
        self.scope = scope
        self.x: dict[int, cp_model.IntVar] = {}
        self.by_req: dict[int, list[tuple[int, cp_model.IntVar]]] = {}
        self.by_mem: dict[int, list[tuple[int, cp_model.IntVar]]] = {}
        for p in scope.pairs:
            r, m = problem.pair_r[p], problem.pair_m[p]
            var = model.new_bool_var(f"x_{problem.instance.requests[r].id}_{problem.instance.members[m].id}")
            self.x[p] = var
            self.by_req.setdefault(r, []).append((p, var))
            self.by_mem.setdefault(m, []).append((p, var))
        self._used: dict[int, cp_model.IntVar] = {}
        self._sent: dict[int, cp_model.IntVar] = {}

    def load(self, m: int) -> cp_model.LinearExprT:
        """Minutes member ``m`` works in this horizon (fixed part included)."""
        dur = self.pb.dur
        terms = self.by_mem.get(m, [])
        return cp_model.LinearExpr.weighted_sum(
            [v for _, v in terms], [dur[self.pb.pair_r[p]] for p, _ in terms]
        ) + self.scope.fixed_load.get(m, 0)

    def used(self, m: int) -> cp_model.IntVar | bool:
        """True when member ``m`` has at least one assignment (a constant if a fixed one exists)."""
        if self.scope.fixed_load.get(m, 0) > 0:
            return True
        if m not in self._used:
            flag = self.model.new_bool_var(f"used_{self.pb.instance.members[m].id}")
            for _, v in self.by_mem.get(m, []):
                self.model.add_implication(v, flag)
            self._used[m] = flag
        return self._used[m]

    def sent(self, r: int) -> cp_model.IntVar | int:
        """1 when anybody goes to request ``r`` (a constant if somebody already stays on it)."""
        if self.scope.fixed_on.get(r):
            return 1
        if r not in self._sent:
            flag = self.model.new_bool_var(f"sent_{self.pb.instance.requests[r].id}")
            team = [v for _, v in self.by_req.get(r, [])]
            for v in team:
                self.model.add_implication(v, flag)
            self.model.add(sum(team) >= flag)
            self._sent[r] = flag
        return self._sent[r]
