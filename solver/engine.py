"""The solver's entry point: prepare, warm start, improve until the deadline, explain, number slots."""

from __future__ import annotations

import logging
import time

from ortools.sat.python import cp_model

from solver.explain import explain_unfilled
from solver.greedy import greedy_roster
from solver.lns import NeighbourhoodSearch
from solver.model import solve_scope
from solver.pins import admit_pins, release_broken_teams
from solver.problem import Problem
from solver.schema import Assignment, Instance, Params, Roster, SolveStatus
from solver.scope import Scope
from solver.state import RosterState

log = logging.getLogger("solver")

EXACT_MAX_PAIRS = 20_000
"""Up to this many eligible pairs one CP-SAT model over the whole roster is built (it proves
optimality or gives a bound); above it, only neighbourhood search is used."""
EXACT_ONLY_PAIRS = 2_000
"""Up to this many pairs (tiny, small) the whole model gets all the time: it proves optimality in
well under a second. Between this and ``EXACT_MAX_PAIRS`` (medium) the whole model only gets
``EXACT_SHARE`` of the time (at least ``EXACT_MIN_S``), for a bound, then neighbourhood search
takes over. Measured on medium seeds 1-5, ten seconds on the shared two-core machine: the search
ended higher than the whole model given all the time on four seeds (by up to 3.8%) and 0.4% lower
on one; the whole model's result swings with how much CPU the other tenants leave it."""
EXACT_SHARE, EXACT_MIN_S = 0.1, 1.4
BOUND_WORKERS = 8
"""CP-SAT workers for the bound phase on mid-size problems: its eight-worker portfolio includes
the LP-heavy subsolvers, which on medium bring the bound to within 0.2-0.5% of the best rosters
in 1.4 s even when they time-share two cores (two workers left gaps of 1-3%)."""


def solve(instance: Instance, params: Params, *, started: float | None = None) -> Roster:
    """Best roster found within ``params.time_limit_s`` seconds from ``started`` (a monotonic time)."""
    t0 = time.monotonic() if started is None else started
    deadline = t0 + params.time_limit_s
    problem = Problem(instance, params)
    admit_pins(problem)
    state = greedy_roster(problem)
    while release_broken_teams(state):
        state = greedy_roster(problem)
    first_feasible = time.monotonic() - t0
    log.info("warm start: objective %d after %.2f s", state.objective(), first_feasible)
    status, bound = SolveStatus.FEASIBLE, None
    n_pairs = len(problem.pair_r)
    if n_pairs <= EXACT_MAX_PAIRS:
        left = deadline - time.monotonic()
        exact_only = n_pairs <= EXACT_ONLY_PAIRS
        result = solve_scope(
            problem,
            Scope.everything(state),
            time_limit=left if exact_only else min(max(EXACT_MIN_S, left * EXACT_SHARE), left / 3),
            workers=params.workers if exact_only else max(params.workers, BOUND_WORKERS),
            seed=params.seed,
        )
        if result.solved:
            bound = result.bound - problem.constant if result.bound is not None else None
            proven = result.status == cp_model.OPTIMAL
            # On mid-size problems the (parallel, so run-dependent) phase only contributes its
            # roster when it is proven optimal: the search then starts from the greedy roster,
            # which keeps the answer reproducible with ``Params.max_rounds``.
            if (exact_only or proven) and result.objective - problem.constant >= state.objective():
                state = RosterState(problem, result.chosen)
            if proven:
                status = SolveStatus.OPTIMAL
        if status != SolveStatus.OPTIMAL and n_pairs > EXACT_ONLY_PAIRS:
            search = NeighbourhoodSearch.for_mid_size(problem, state, params.seed, params.workers)
            search.run(deadline, params.max_rounds)
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
        released=tuple(problem.released),
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
