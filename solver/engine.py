"""The solver's entry point: prepare, warm start, improve until the deadline, explain, number slots."""

from __future__ import annotations

import logging
import time

from ortools.sat.python import cp_model

from solver.explain import explain_unfilled
from solver.greedy import greedy_roster
from solver.lns import NeighbourhoodSearch
from solver.model import solve_scope
from solver.problem import Problem
from solver.schema import Assignment, Instance, Params, Roster, SolveStatus
from solver.scope import Scope
from solver.state import RosterState

log = logging.getLogger("solver")

EXACT_MAX_PAIRS = 20_000
"""Up to this many eligible pairs one CP-SAT model over the whole roster is solved directly (it
also proves optimality and gives a bound); above it, neighbourhood search is used."""


def solve(instance: Instance, params: Params, *, started: float | None = None) -> Roster:
    """Best roster found within ``params.time_limit_s`` seconds from ``started`` (a monotonic time)."""
    t0 = time.monotonic() if started is None else started
    deadline = t0 + params.time_limit_s
    problem = Problem(instance, params)
    state = greedy_roster(problem)
    first_feasible = time.monotonic() - t0
    log.info("warm start: objective %d after %.2f s", state.objective(), first_feasible)
    status, bound = SolveStatus.FEASIBLE, None
    if len(problem.pair_r) <= EXACT_MAX_PAIRS:
        result = solve_scope(
            problem,
            Scope.everything(state),
            time_limit=deadline - time.monotonic(),
            workers=params.workers,
            seed=params.seed,
        )
        if result.solved and result.objective - problem.constant >= state.objective():
            state = RosterState(problem, result.chosen)
            bound = result.bound - problem.constant if result.bound is not None else None
            if result.status == cp_model.OPTIMAL:
                status = SolveStatus.OPTIMAL
    else:
        search = NeighbourhoodSearch(problem, state, params.seed, params.workers)
        search.run(deadline, params.max_rounds)
    return _roster(problem, state, status, bound, time.monotonic() - t0, first_feasible)


def _roster(
    problem: Problem, state: RosterState, status: SolveStatus, bound: int | None, wall: float, first: float
) -> Roster:
    assignments = number_slots(problem, state)
    objective = state.objective()
    log.info("objective %d, bound %s, %d/%d slots", objective, bound, len(assignments), problem.total_slots)
    used: dict[str, set[int]] = {}
    for a in assignments:
        used.setdefault(a.request_id, set()).add(a.slot_index)
    return Roster(
        status=status,
        assignments=tuple(assignments),
        objective=objective,
        bound=bound,
        unfilled=tuple(explain_unfilled(state, used)),
        wall_s=wall,
        first_feasible_s=first,
        filled_slots=len(assignments),
        total_slots=problem.total_slots,
    )


def number_slots(problem: Problem, state: RosterState) -> list[Assignment]:
    """Give each chosen pair a slot; kept approved or pinned assignments keep their slot number."""
    instance = problem.instance
    previous = {(a.request_id, a.member_id): a.slot_index for a in (*instance.approved, *instance.pinned)}
    out = []
    for r in range(problem.n_req):
        rid = instance.requests[r].id
        members = sorted(
            instance.members[problem.pair_m[p]].id for p in problem.by_req[r] if p in state.chosen
        )
        slots: dict[str, int] = {}
        for mid in members:
            k = previous.get((rid, mid))
            if k is not None and k < problem.head[r] and k not in slots.values():
                slots[mid] = k
        free = iter(k for k in range(problem.head[r]) if k not in slots.values())
        for mid in members:
            if mid not in slots:
                slots[mid] = next(free)
        out += [Assignment(request_id=rid, slot_index=k, member_id=mid) for mid, k in slots.items()]
    return out
