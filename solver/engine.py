"""The solver's entry point: prepare, warm start, improve until the deadline, explain, number slots."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from solver.explain import explain_unfilled
from solver.greedy import greedy_roster, rounded_roster
from solver.mip import MipModel, MipResult, Relaxation, expressible, solve_mip, verified_state
from solver.pins import prepare, release_broken_teams
from solver.problem import Problem
from solver.schema import Assignment, Instance, Params, Roster, SolveStatus
from solver.state import RosterState

log = logging.getLogger("solver")

EXACT_MAX_PAIRS = 50_000
"""Up to this many eligible pairs the whole roster is built as one program for HiGHS (its LP
leads the sub-programs, its MIP proves); above it only neighbourhood search is used: a memory guard,
since HiGHS held 1.6 GiB on large (318 k pairs) and had no LP optimum after 60 s."""
EXACT_ONLY_PAIRS = 2_000
"""Up to this many pairs (tiny, small) the whole model gets all the time, HiGHS and CP-SAT racing
on it (``_race``): HiGHS proves small optima in 0.1-0.4 s (CP-SAT in 0.3-0.7 s, over a second when
the machine is busy). Above, the search and HiGHS share the time."""
MIP_READ_S = 0.3
"""Seconds kept back from HiGHS to read its answer, verify it and write the roster."""
SUB_MIP_READ_S = 0.1
"""The same for HiGHS on the LP-guided sub-program and on a small whole program, which keep to
their time limits (a medium whole program's presolve can overrun it). On small seed 15 at 1 s,
HiGHS proves in 0.29 s of the 0.6 s left after the warm start: kept 0.3 s back, it had 0.29."""
MIP_PER_LP = 40.0
"""HiGHS runs on the whole model only with this many times the LP relaxation's solve time left
after the RINS steps; with less, the widening neighbourhoods have all of it. HiGHS alone took
50-300 LPs' time to prove medium optima (seeds 11-15, 21-25), and at 2 s on medium seed 21 its
1.2 s on the whole model improved nothing (and ran 0.65 s past its own time limit)."""
WIDEN_SHARE = 0.1
"""Share of the time left after the RINS steps that the widening neighbourhoods get before HiGHS
takes the whole model (when it has ``MIP_PER_LP`` LPs' worth of time): enough for the first
(0.2-0.8 s on medium), a floor of 0.1-0.3% under the optimum if HiGHS then proves nothing. At
10 s on medium seeds 21-25 a 0.25 share cost HiGHS its proof on s21, and on s21-22 with one core
busy (0.001-0.004% left); at 0.1 every seed ended at the optimum, three proven, quiet or busy."""
FIRST_REACH = 0.05
"""Share of the pairs the LP and the roster both leave out that the first widening neighbourhood
frees, those that gain most; each neighbourhood HiGHS proves doubles it. From the wide RINS roster
(0.35-0.82% under the optimum on medium seeds 21, 23-25) the first took 0.3-1.0 s at load 4-5 and
ended 0.08-0.31% under it. Ordered instead by the LP's reduced cost the same neighbourhoods ended
0.16-0.80% under it, at random 0.31-0.80%."""
WIDEN_MIN_S = 0.1
"""Least time for which one more widening neighbourhood is started."""
LP_SHARE = 0.8
"""At most this share of the time left goes to the LP relaxation; unsolved by then, the search
runs alone and unguided. Most of it: at 2 s on medium the search improved nothing in the second
it had after an LP cut off at 40% (seed 15 under load), while the LP leads to 0.1-1% rosters."""
ROUTING_SHARE = 0.3
"""At most this share of the time limit is kept for routing lifts with pickups (after the roster)."""


Improve = Callable[[Problem, Params, RosterState, float], tuple[RosterState, SolveStatus, int | None]]
"""How the warm start is improved until a deadline: returns the roster, its status and a bound."""


def solve(
    instance: Instance,
    params: Params,
    *,
    started: float | None = None,
    improve: Improve | None = None,
    keep_routes: bool = False,
) -> Roster:
    """Best roster found within ``params.time_limit_s`` seconds from ``started`` (a monotonic time),
    improved by ``improve`` (default: the whole roster, ``improve_whole``); with ``keep_routes``, a
    lift whose approved routes still stand is not routed again."""
    t0 = time.monotonic() if started is None else started
    problem, _ = prepare(instance, params)
    lifts = [r for r in instance.requests if r.pickups]
    routing_s = min(len(lifts) * params.route_time_limit_s, ROUTING_SHARE * params.time_limit_s)
    deadline = t0 + params.time_limit_s - routing_s
    state = greedy_roster(problem)
    while (again := release_broken_teams(state)) is not None:
        problem = again
        state = greedy_roster(problem)
    first_feasible = time.monotonic() - t0
    log.info("warm start: objective %d after %.2f s", state.objective(), first_feasible)
    state, status, bound = (improve or improve_whole)(problem, params, state, deadline)
    lifted = None
    if lifts:  # the second step of lifts with pickups: who collects whom, when (solver.lift_routes)
        from solver import lift_routes  # OR-Tools' routing loads only for such lifts

        before = state.objective()
        lifted = lift_routes.route_lifts(problem, state, routing_s / len(lifts), keep_routes)
        if state.objective() != before and status == SolveStatus.OPTIMAL:
            status = SolveStatus.FEASIBLE
    roster = _roster(problem, state, status, bound, time.monotonic() - t0, first_feasible)
    return roster if lifted is None else lift_routes.with_routes(roster, *lifted)


def improve_whole(
    problem: Problem, params: Params, state: RosterState, deadline: float
) -> tuple[RosterState, SolveStatus, int | None]:
    """The whole roster improved from the warm start ``state`` until ``deadline``, by size."""
    status, bound = SolveStatus.FEASIBLE, None
    n_pairs = len(problem.pair_r)
    if n_pairs <= EXACT_ONLY_PAIRS:
        state, status, bound = _race(problem, params, state, deadline)
    elif n_pairs <= EXACT_MAX_PAIRS:
        state, status, bound = _mip_and_search(problem, params, state, deadline)
    else:
        from solver.lns import NeighbourhoodSearch

        search = NeighbourhoodSearch(problem, state, params.seed, params.workers, presolve=False)
        search.run(deadline, params.max_rounds)
    return state, status, bound


def _race(
    problem: Problem, params: Params, state: RosterState, deadline: float
) -> tuple[RosterState, SolveStatus, int | None]:
    """HiGHS (in a thread) and CP-SAT side by side on the whole model until ``deadline``; the first
    to prove its roster stops the other. The better roster answers, with the better bound.

    Neither is first everywhere: HiGHS proves the benchmark's small instances in 0.1-0.4 s, while
    with the product rules (lifts, buddy rule, leads) a demo-sized club took HiGHS 0.5-3 s and
    CP-SAT 0.4-4 s. Taking turns, each had a share of the time: HiGHS's 0.3 of a 1 s run was too
    little for small seeds 11 and 15, which CP-SAT then proved in some runs only; a larger share
    left CP-SAT too little to improve the start when HiGHS proved nothing on a busy machine.
    Where a rule cannot be written for HiGHS, CP-SAT runs alone, with every worker."""
    if not expressible(problem.rules):
        return _cp_sat(problem, params, state, deadline)
    highs_proved, cp_sat_proved = threading.Event(), threading.Event()

    def highs() -> tuple[MipResult | None, RosterState | None]:
        mip = solve_mip(problem, deadline - time.monotonic() - SUB_MIP_READ_S, stop=cp_sat_proved)
        found = None if mip is None else verified_state(problem, mip)
        if mip is not None and found is not None and mip.proven:
            highs_proved.set()
        return mip, found

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="highs") as pool:
        running = pool.submit(highs)
        one_core_less = params.model_copy(update={"workers": max(1, params.workers - 1)})
        state, status, bound = _cp_sat(problem, one_core_less, state, deadline, highs_proved)
        if status == SolveStatus.OPTIMAL:
            cp_sat_proved.set()
        mip, found = running.result()
    if mip is not None and found is not None and mip.proven:
        return found, SolveStatus.OPTIMAL, mip.bound
    state = _better(state, found, "HiGHS, not proven")
    if mip is not None and mip.bound is not None:
        bound = mip.bound if bound is None else min(bound, mip.bound)
        status = _status(state.objective(), bound)
    return state, status, bound


def _cp_sat(
    problem: Problem, params: Params, state: RosterState, deadline: float, stop: threading.Event | None = None
) -> tuple[RosterState, SolveStatus, int | None]:
    """CP-SAT on the whole model, for small problems (until ``stop`` is set, if given)."""
    from ortools.sat.python import cp_model

    from solver.model import solve_scope
    from solver.scope import Scope

    result = solve_scope(
        problem,
        Scope.everything(state),
        time_limit=deadline - time.monotonic(),
        workers=params.workers,
        seed=params.seed,
        stop=stop,
    )
    if not result.solved:
        return state, SolveStatus.FEASIBLE, None
    found = RosterState(problem, result.chosen)
    value = found.objective()
    bound = result.bound_for(value)
    if value >= state.objective():
        state = found
    return state, SolveStatus.OPTIMAL if result.status == cp_model.OPTIMAL else SolveStatus.FEASIBLE, bound


def _mip_and_search(
    problem: Problem, params: Params, state: RosterState, deadline: float
) -> tuple[RosterState, SolveStatus, int | None]:
    """The LP relaxation, its rounding, HiGHS where LP and rounding agree (RINS), then where they
    share a zero (wide RINS), then on ever wider neighbourhoods (``_widen``); then HiGHS on the
    whole model if the LP says it has time. The best roster answers, with the best bound. Without an
    LP (a rule the program cannot write, or no LP optimum in time) the search runs.

    HiGHS gets no start on the whole model: from the widened roster its root node cut away at the
    bound until the time limit and it never branched, so on medium seeds 25, 35 and 38 at 10 s it
    ended where the widening did (0.26%, 0.09% and 0.42% under the optimum); from scratch it proved
    all three optima in 5-8 s, and every seed of 11-15, 21-25 and 31-38 ended within 0.021%.

    The LP's solve time measures the instance (and how busy the machine is): with less than
    ``MIP_PER_LP`` LPs' worth of time left, HiGHS on the whole model would not improve on its
    start, so the widening neighbourhoods, which HiGHS solves within their limits, take it all.
    None of this loads CP-SAT (and pandas with it, 0.3-0.5 s): at 2 s on medium the search it ran
    improved nothing in the second it had, and the import alone made the run late when busy.

    Measured on medium seeds 21-25 (load 3-9): running the search for 5% of the time before
    HiGHS, or beside it in a thread, did no better than HiGHS alone from the wide RINS roster
    at 10 s (beside it: 0.11-0.31% worse on three seeds, better on two), and a search beside
    HiGHS keeps it from proving.
    """
    model = MipModel(problem) if expressible(problem.rules) else None
    relaxation = None if model is None else model.relax(LP_SHARE * (deadline - time.monotonic()))
    if model is None or relaxation is None:
        return _search(problem, params, state, deadline), SolveStatus.FEASIBLE, None
    state = _better(state, rounded_roster(problem, relaxation.values), "LP rounding")
    narrow, _ = model.within_support(relaxation, deadline - time.monotonic() - SUB_MIP_READ_S, state)
    state = _better(state, narrow, "RINS")
    wide, _ = model.within_support(
        relaxation, deadline - time.monotonic() - SUB_MIP_READ_S, state, keep_agreed=False
    )
    state = _better(state, wide, "wide RINS")
    left = deadline - time.monotonic()
    whole = left >= MIP_PER_LP * relaxation.seconds
    state, proven = _widen(
        model, relaxation, state, deadline - (1 - WIDEN_SHARE) * left if whole else deadline
    )
    bound = state.objective() if proven else relaxation.bound
    if not whole or proven:
        return state, _status(state.objective(), bound), bound
    mip = model.solve(deadline - time.monotonic() - MIP_READ_S)
    found = None if mip is None else verified_state(problem, mip)
    best = found if found is not None and found.objective() >= state.objective() else state
    bound = relaxation.bound if mip is None or mip.bound is None else min(mip.bound, relaxation.bound)
    return best, _status(best.objective(), bound), bound


def _widen(
    model: MipModel, relaxation: Relaxation, state: RosterState, until: float
) -> tuple[RosterState, bool]:
    """HiGHS on the wide RINS neighbourhood plus the pairs that gain most of those left out,
    ``FIRST_REACH`` of them first, twice as many after each neighbourhood it proves, until
    ``until``; the best roster, and whether it is proven optimal (the last neighbourhood held
    every pair). Each neighbourhood starts from the best roster so far."""
    reach = max(1, int(FIRST_REACH * model.outside(relaxation, state)))
    while (limit := until - time.monotonic() - SUB_MIP_READ_S) >= WIDEN_MIN_S:
        everything = reach >= model.outside(relaxation, state)
        found, proven = model.within_support(relaxation, limit, state, keep_agreed=False, reach=reach)
        state = _better(state, found, f"RINS and {reach} pairs more")
        if not proven or found is None:
            break
        if everything:
            return state, True
        reach *= 2
    return state, False


def _search(problem: Problem, params: Params, state: RosterState, deadline: float) -> RosterState:
    """The neighbourhood search from ``state`` until ``deadline``."""
    from solver.lns import NeighbourhoodSearch

    search = NeighbourhoodSearch.for_mid_size(problem, state, params.seed, params.workers)
    search.run(deadline, params.max_rounds)
    return search.state


def _better(state: RosterState, other: RosterState | None, what: str) -> RosterState:
    if other is None or other.objective() <= state.objective():
        return state
    log.info("%s: objective %d", what, other.objective())
    return other


def _status(objective: int, bound: int | None) -> SolveStatus:
    return SolveStatus.OPTIMAL if bound is not None and objective >= bound else SolveStatus.FEASIBLE


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
