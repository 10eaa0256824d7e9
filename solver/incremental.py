"""Re-plans that keep up: repair the current roster around what changed instead of solving it all.

A decline or one new request changes a few places, and with the change penalty the best new roster
differs from the current one only near them. So a re-plan starts from the current roster (the
approved assignments and the latest proposal, ``Instance.hint``, filled greedily), frees the
members who could take a changed request with their whole week, and lets CP-SAT re-decide that
neighbourhood exactly. If it proves that neighbourhood optimal with time to spare, the next ring
(the members who could take over the work of the first) is freed too. Everything outside stays as
it was, so the answer comes in a fraction of a second where the whole model needs several.

A club small enough for one model (up to ``engine.EXACT_ONLY_PAIRS`` pairs, a demo-sized club has
about 200) is re-decided whole by CP-SAT from the current roster, which proves such a club in about
a second and has a good roster within a few tenths; with the product rules (lifts, buddy rule,
leads) HiGHS, which the whole solve tries first there, proves none of them within the re-solve
limit. A bigger club without a current roster, or whose changes reach most of it, gets the whole
solve (``engine.improve_whole``). The roster says which kind of solve produced it (``Roster.kind``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from solver.engine import EXACT_ONLY_PAIRS, improve_whole
from solver.engine import solve as solve_roster
from solver.model import solve_scope
from solver.problem import Problem
from solver.schema import Instance, Params, Roster, SolveKind, SolveStatus
from solver.scope import Scope
from solver.state import RosterState

log = logging.getLogger("solver")

MAX_SHARE = 0.5
"""A neighbourhood over this share of the pairs is the whole roster in all but name: solve it whole."""
RING_SHARE, RING_PAIRS = 0.3, 1500
"""The first ring's members, with their weeks, stay under this share of the pairs or this many
pairs, whichever is more: a request that nearly everybody could take (leafleting) brings its
best-placed candidates, not the whole club; CP-SAT decides 1,500 pairs in about 0.2 s."""
MAX_RINGS = 3
"""Rings of members freed at most: the changed requests' candidates, then those who could take
over their work, and once more. With the change penalty the best repair rarely reaches further."""


@dataclass
class _Change:
    """What differs between the current roster and the warm start built from it."""

    requests: set[int] = field(default_factory=set)
    members: set[int] = field(default_factory=set)


def replan(instance: Instance, params: Params, *, started: float | None = None) -> Roster:
    """A roster for ``instance`` repaired from its current one (``approved`` and ``hint``) within
    ``params.time_limit_s``; a whole solve when a repair is not the better tool."""
    kind = [SolveKind.FULL]

    def improve(
        problem: Problem, params: Params, state: RosterState, deadline: float
    ) -> tuple[RosterState, SolveStatus, int | None]:
        everyone = set(range(problem.n_mem))
        if len(problem.pair_r) <= EXACT_ONLY_PAIRS:
            return _repair(problem, state, everyone, deadline, params.seed)
        if instance.approved or instance.hint:
            members = _candidates(problem, _changes(problem, state))
            if len(_pairs_of(problem, members)) <= MAX_SHARE * len(problem.pair_r):
                kind[0] = SolveKind.INCREMENTAL
                return _repair(problem, state, members, deadline, params.seed)
        return improve_whole(problem, params, state, deadline)

    roster = solve_roster(instance, params, started=started, improve=improve, keep_routes=True)
    return roster.model_copy(update={"kind": kind[0]})


def _changes(problem: Problem, state: RosterState) -> _Change:
    """Requests and members whose assignments differ between the current roster and ``state``:
    assignments that can no longer stand (a decline, a lost skill, a day off), places the warm start
    filled or left, and open requests nobody holds (new ones among them)."""
    pb, instance = problem, problem.instance
    change = _Change()
    current: set[int] = set()
    for a in (*instance.approved, *instance.hint):
        r, m = pb.req_pos.get(a.request_id), pb.mem_pos.get(a.member_id)
        p = None if r is None or m is None else pb.pair(r, m)
        if p is not None:
            current.add(p)
            continue
        if r is not None:
            change.requests.add(r)
        if m is not None:
            change.members.add(m)
    for p in current ^ state.chosen:
        change.requests.add(pb.pair_r[p])
        change.members.add(pb.pair_m[p])
    held = {pb.pair_r[p] for p in current}
    change.requests |= {r for r in range(pb.n_req) if r not in held and state.count[r] < pb.head[r]}
    return change


def _candidates(problem: Problem, change: _Change) -> set[int]:
    """The changed members and those who could take a changed request, the best placed first
    (highest gain: nearest, preferred) while their weeks hold under ``RING_SHARE`` of the pairs."""
    pb = problem
    members = set(change.members)
    budget = max(RING_SHARE * len(pb.pair_r), RING_PAIRS) - len(_pairs_of(pb, members))
    offers = sorted((p for r in change.requests for p in pb.by_req[r]), key=lambda p: (-pb.gain[p], p))
    for p in offers:
        m = pb.pair_m[p]
        if m not in members and len(pb.by_mem[m]) <= budget:
            members.add(m)
            budget -= len(pb.by_mem[m])
    return members


def _pairs_of(problem: Problem, members: set[int]) -> list[int]:
    return [p for m in members for p in problem.by_mem[m]]


def _next_ring(problem: Problem, state: RosterState, members: set[int]) -> set[int]:
    """``members`` and whoever could take one of the places they hold."""
    pb = problem
    held = {pb.pair_r[p] for m in members for p in pb.by_mem[m] if p in state.chosen}
    return members | {pb.pair_m[p] for r in held for p in pb.by_req[r]}


def _repair(
    problem: Problem, state: RosterState, members: set[int], deadline: float, seed: int
) -> tuple[RosterState, SolveStatus, int | None]:
    """Re-decide the weeks of ``members`` exactly, then of a wider ring while each is proven in
    time; optimal, with its bound, when the last ring was everybody and proven."""
    everyone = set(range(problem.n_mem))
    status, bound = SolveStatus.FEASIBLE, None
    for ring in range(1, MAX_RINGS + 1):
        left = deadline - time.monotonic()
        if left <= 0.01:
            break
        scope = Scope.around(state, sorted(members), None)
        result = solve_scope(problem, scope, time_limit=left, seed=seed)
        ring_bound = None
        if result.solved:
            repaired = RosterState(problem, (state.chosen - scope.hint) | set(result.chosen))
            ring_bound = result.bound_for(repaired.objective())
            if repaired.objective() >= state.objective():
                state = repaired
        proven = result.status == cp_model.OPTIMAL
        log.info(
            "repair ring %d: %d members, %d pairs, objective %d (%s)",
            ring,
            len(members),
            len(scope.pairs),
            state.objective(),
            "proven" if proven else "not proven",
        )
        if members == everyone:
            if proven and ring_bound is not None and state.objective() == ring_bound:
                status, bound = SolveStatus.OPTIMAL, state.objective()
            break
        wider = _next_ring(problem, state, members)
        if not proven or wider == members or len(_pairs_of(problem, wider)) > MAX_SHARE * len(problem.pair_r):
            break
        members = wider
    return state, status, bound
