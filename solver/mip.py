"""The whole roster as a mixed-integer program, solved by HiGHS (bundled with OR-Tools).

On club-size instances the LP relaxation with one "at most one" row per clique of a member's
overlapping requests is nearly tight, so branch and bound proves the optimum where CP-SAT, whose
bound comes from a portfolio time-sharing two cores, keeps a gap of a few tenths of a percent. The
program is the CP-SAT model of ``solver.model`` row for row (the same pairs, gains and rules), so
one answer can come from either and is judged the same way; a rule this module does not know
makes it decline rather than answer a different question.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ortools.linear_solver import pywraplp

from solver.problem import Problem
from solver.rules import (
    BuddyRule,
    CoverageRule,
    FairnessRule,
    LeadRule,
    LiftSeatsRule,
    MaxHoursRule,
    NoDoubleBookingRule,
    Rule,
)
from solver.rules.no_double_booking import overlap_cliques
from solver.state import RosterState

log = logging.getLogger("solver")

_MODELLED = (
    CoverageRule,
    NoDoubleBookingRule,
    MaxHoursRule,
    FairnessRule,
    LiftSeatsRule,
    LeadRule,
    BuddyRule,
)
"""Rules with constraints that ``_rows`` writes; the others only filter pairs or add gains."""


@dataclass
class MipResult:
    chosen: list[int]
    """Pairs the best solution found sends (pins included)."""
    objective: int
    """Its objective in the Problem's terms (constant subtracted), as ``RosterState.objective``."""
    bound: int
    proven: bool


def expressible(rules: list[Rule]) -> bool:
    """Whether every active rule that adds constraints is one the program writes."""
    return all(isinstance(rule, _MODELLED) or type(rule).constrain is Rule.constrain for rule in rules)


def solve_mip(problem: Problem, time_limit: float) -> MipResult | None:
    """Best roster HiGHS finds within ``time_limit`` seconds, or None when it has none."""
    if not expressible(problem.rules) or time_limit <= 0.05:
        return None
    mip = pywraplp.Solver.CreateSolver("HIGHS")
    if mip is None:
        return None
    mip.SuppressOutput()
    x = [mip.BoolVar(f"x{p}") for p in range(len(problem.pair_r))]
    for p in problem.pinned:
        x[p].SetLb(1)
    _rows(problem, mip, x)
    mip.SetTimeLimit(max(1, int(time_limit * 1000)))
    status = mip.Solve()
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        log.info("MIP: no solution (status %d, %d s)", status, mip.wall_time() // 1000)
        return None
    chosen = [p for p, var in enumerate(x) if var.solution_value() > 0.5]
    objective = round(mip.Objective().Value()) - problem.constant
    # HiGHS's bound is a float a hair above the integer optimum; every objective is an integer.
    bound = int(mip.Objective().BestBound() + 1e-6) - problem.constant
    # HiGHS calls a solution optimal within a relative gap of 1e-4; only an integer proof counts.
    proven = bound <= objective
    log.info("MIP: objective %d, bound %d, proven %s", objective, bound, proven)
    return MipResult(chosen, objective, max(bound, objective), proven)


def _rows(pb: Problem, mip: pywraplp.Solver, x: list[pywraplp.Variable]) -> None:
    kinds = {type(rule) for rule in pb.rules}
    reqs, members = pb.instance.requests, pb.instance.members
    sent = {r: mip.BoolVar(f"sent{r}") for r in range(pb.n_req) if pb.by_req[r]}
    for r, s in sent.items():
        team = [x[p] for p in pb.by_req[r]]
        mip.Add(sum(team) <= pb.head[r])
        for var in team:
            mip.Add(var <= s)
        team_of = [members[pb.pair_m[p]] for p in pb.by_req[r]]
        if LiftSeatsRule in kinds and reqs[r].passengers:
            seats = sum((who.car_seats or 0) * var for who, var in zip(team_of, team, strict=True))
            mip.Add(seats >= reqs[r].passengers * s)
        if LeadRule in kinds and reqs[r].lead_skills:
            lead = reqs[r].lead_skills
            mip.Add(sum(var for who, var in zip(team_of, team, strict=True) if lead <= who.skills) >= s)
        if BuddyRule in kinds and reqs[r].min_team > 1:
            mip.Add(sum(team) >= reqs[r].min_team * s)
    used = {m: mip.BoolVar(f"used{m}") for m in range(pb.n_mem) if pb.by_mem[m]}
    top = max([pb.cap[m] + pb.history[m] for m in used] + [0])
    high, low = mip.IntVar(0, top, "high"), mip.IntVar(0, top, "low")
    mip.Add(low <= high)
    for m, u in used.items():
        var_of = {pb.pair_r[p]: x[p] for p in pb.by_mem[m]}
        for var in var_of.values():
            mip.Add(var <= u)
        for clique in overlap_cliques(sorted(var_of), pb.start, pb.end):
            mip.Add(sum(var_of[r] for r in clique) <= 1)
        mine = sum(1 << r for r in var_of)
        for r, var in var_of.items():
            rest = pb.travel_only[r] & mine & ~((2 << r) - 1)
            while rest:
                s = (rest & -rest).bit_length() - 1
                mip.Add(var + var_of[s] <= 1)
                rest &= rest - 1
        load = sum(pb.dur[r] * var for r, var in var_of.items())
        mip.Add(load <= pb.cap[m])
        counted = load + pb.history[m]
        # A member who does not work is outside the spread: the rows relax by ``top`` for them.
        mip.Add(low <= counted + top * (1 - u))
        mip.Add(high >= counted - (top * (1 - u) if pb.history[m] else 0))
    weight = next((rule.weight for rule in pb.rules if isinstance(rule, FairnessRule)), 0)
    gains = sum(pb.gain[p] * var for p, var in enumerate(x))
    mip.Maximize(gains - weight * (high - low))


def verified_state(problem: Problem, result: MipResult) -> RosterState | None:
    """The MIP's roster as a RosterState, or None if it breaks a rule the search checks or its
    objective differs: HiGHS works in floating point, so its answer is re-judged in integers."""
    state = RosterState(problem)
    for p in result.chosen:
        if p not in state.chosen:
            if not state.fits(p):
                return None
            state.add(p)
    teams: dict[int, list[int]] = {}
    for p in state.chosen:
        teams.setdefault(problem.pair_r[p], []).append(problem.pair_m[p])
    if not all(rule.team_ok(problem, r, ms) for r, ms in teams.items() for rule in problem.rules):
        return None
    if state.objective() != result.objective:
        log.warning("MIP roster scores %d, not %d: not used", state.objective(), result.objective)
        return None
    return state
