"""The whole roster as a mixed-integer program, solved by HiGHS (the `highspy` binding).

On club-size instances the LP relaxation with one "at most one" row per clique of a member's
overlapping requests is nearly tight, so branch and bound proves the optimum where CP-SAT, whose
bound comes from a portfolio time-sharing two cores, keeps a gap of a few tenths of a percent. The
program is the CP-SAT model of ``solver.model`` row for row (the same pairs, gains and rules), so
one answer can come from either and is judged the same way; a rule this module does not know
makes it decline rather than answer a different question.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import highspy

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


def solve_mip(problem: Problem, time_limit: float, start: RosterState | None = None) -> MipResult | None:
    """Best roster HiGHS finds within ``time_limit`` seconds (from ``start`` if given), or None.

    HiGHS's own binding is used (not OR-Tools' ``pywraplp``): at the time limit it still returns
    its incumbent and dual bound, where ``pywraplp`` reports an unknown status and no solution.
    """
    if not expressible(problem.rules) or time_limit <= 0.05:
        return None
    deadline = time.monotonic() + time_limit
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    # Objectives are integers: a gap under 1 is a proof (the default stops at a 1e-4 relative gap).
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.99)
    x = [h.addBinary() for _ in problem.pair_r]
    for p in problem.pinned:
        h.addConstr(x[p] >= 1)
    start_values = _rows(problem, h, x, start)
    if start_values is not None:
        solution = highspy.HighsSolution()
        solution.col_value = start_values
        h.setSolution(solution)
    # HiGHS's clock starts with the solve; building the rows in Python is part of the limit.
    h.setOptionValue("time_limit", max(0.01, deadline - time.monotonic()))
    h.run()
    info = h.getInfo()
    if info.primal_solution_status != 2:  # kSolutionStatusFeasible
        log.info("MIP: no solution (%s)", h.modelStatusToString(h.getModelStatus()))
        return None
    values = h.getSolution().col_value
    chosen = [p for p in range(len(x)) if values[p] > 0.5]
    objective = round(info.objective_function_value) - problem.constant
    # HiGHS's bound is a float a hair above the integer optimum; every objective is an integer.
    bound = int(info.mip_dual_bound + 1e-6) - problem.constant
    proven = bound <= objective
    log.info("MIP: objective %d, bound %d, proven %s", objective, bound, proven)
    return MipResult(chosen, objective, max(bound, objective), proven)


def _rows(
    pb: Problem, h: highspy.Highs, x: list[highspy.highs_var], start: RosterState | None
) -> list[float] | None:
    """Write the rows and objective; the values of every column for ``start`` (None without one)."""
    kinds = {type(rule) for rule in pb.rules}
    reqs, members = pb.instance.requests, pb.instance.members
    chosen = set() if start is None else start.chosen
    values = [float(p in chosen) for p in range(len(x))]
    sent = {r: h.addBinary() for r in range(pb.n_req) if pb.by_req[r]}
    for r, s in sent.items():
        values.append(float(any(p in chosen for p in pb.by_req[r])))
        team = [x[p] for p in pb.by_req[r]]
        h.addConstr(h.qsum(team) <= pb.head[r])
        for var in team:
            h.addConstr(var <= s)
        team_of = [members[pb.pair_m[p]] for p in pb.by_req[r]]
        if LiftSeatsRule in kinds and reqs[r].passengers:
            seats = h.qsum((who.car_seats or 0) * var for who, var in zip(team_of, team, strict=True))
            h.addConstr(seats >= reqs[r].passengers * s)
        if LeadRule in kinds and reqs[r].lead_skills:
            lead = reqs[r].lead_skills
            h.addConstr(
                h.qsum(var for who, var in zip(team_of, team, strict=True) if lead <= who.skills) >= s
            )
        if BuddyRule in kinds and reqs[r].min_team > 1:
            h.addConstr(h.qsum(team) >= reqs[r].min_team * s)
        if pb.served_gain[r]:  # the gain is earned only if somebody really goes
            h.addConstr(h.qsum(team) >= s)
    used = {m: h.addBinary() for m in range(pb.n_mem) if pb.by_mem[m]}
    values += [float(any(p in chosen for p in pb.by_mem[m])) for m in used]
    top = max([pb.cap[m] + pb.history[m] for m in used] + [0])
    high, low = h.addIntegral(lb=0, ub=top), h.addIntegral(lb=0, ub=top)
    extremes = (None, None) if start is None else start.fairness_extremes()
    values += [float(extremes[0] or 0), float(extremes[1] or 0)]
    h.addConstr(low <= high)
    for m, u in used.items():
        var_of = {pb.pair_r[p]: x[p] for p in pb.by_mem[m]}
        for var in var_of.values():
            h.addConstr(var <= u)
        for clique in overlap_cliques(sorted(var_of), pb.start, pb.end):
            h.addConstr(h.qsum(var_of[r] for r in clique) <= 1)
        mine = sum(1 << r for r in var_of)
        for r, var in var_of.items():
            rest = pb.travel_only[r] & mine & ~((2 << r) - 1)
            while rest:
                s = (rest & -rest).bit_length() - 1
                h.addConstr(var + var_of[s] <= 1)
                rest &= rest - 1
        load = h.qsum(pb.dur[r] * var for r, var in var_of.items())
        h.addConstr(load <= pb.cap[m])
        # A member who does not work is outside the spread: the rows relax by ``top`` for them.
        h.addConstr(low <= load + pb.history[m] + top * (1 - u))
        if pb.history[m]:
            h.addConstr(high >= load + pb.history[m] - top * (1 - u))
        else:
            h.addConstr(high >= load)
    weight = next((rule.weight for rule in pb.rules if isinstance(rule, FairnessRule)), 0)
    h.setMaximize()
    objective = h.qsum(pb.gain[p] * var for p, var in enumerate(x)) - weight * (high - low)
    if pb.served:
        objective = objective + h.qsum(g * sent[r] for r, g in pb.served if r in sent)
    h.setObjective(objective)
    return None if start is None else values


def verified_state(problem: Problem, result: MipResult) -> RosterState | None:
    """The MIP's roster as a RosterState, or None if it breaks a rule the search checks or scores
    less than HiGHS claims: HiGHS works in floating point, so its answer is re-judged in integers."""
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
    # At the time limit the spread variables may be looser than the roster's real spread, so the
    # roster can score higher than HiGHS says; never lower.
    if state.objective() < result.objective:
        log.warning("MIP roster scores %d, not %d: not used", state.objective(), result.objective)
        return None
    return state
