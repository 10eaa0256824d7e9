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
import math
import threading
import time
from collections.abc import Container, Sequence
from dataclasses import dataclass

import highspy
import numpy as np

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
from solver.stopping import halted_when

log = logging.getLogger("solver")

MIP_HEURISTIC_EFFORT = 0.3
"""HiGHS's share of effort for primal heuristics, six times its default: after the LP-led steps of
``solver.engine`` the whole program then ended within 0.001% of the optimum on medium seeds 21-25
at 10 s (three proven), where the default left 0.65% and 0.82% on two of them."""

_FEASIBLE = 2
"""HiGHS's ``primal_solution_status`` when it holds a feasible solution (kSolutionStatusFeasible)."""

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
    bound: int | None
    """No roster scores more (None when HiGHS stopped before its first bound)."""
    proven: bool


def expressible(rules: list[Rule]) -> bool:
    """Whether every active rule that adds constraints is one the program writes."""
    return all(isinstance(rule, _MODELLED) or type(rule).constrain is Rule.constrain for rule in rules)


class MipModel:
    """The whole roster as one HiGHS program, built once from arrays (a tenth of the time the
    expression API takes on medium) so that its LP relaxation can lead the sub-programs and the same
    rows can then be solved as the MIP.

    Columns: one per pair (``x``), a "sent" flag per request with eligible members, a "used" flag
    per member with eligible requests, then the largest and smallest counted load.
    """

    def __init__(self, problem: Problem) -> None:
        self.pb = problem
        self.h = highspy.Highs()
        self.h.setOptionValue("output_flag", False)
        self.h.setOptionValue("mip_heuristic_effort", MIP_HEURISTIC_EFFORT)
        # Objectives are integers: a gap under 1 is a proof (the default stops at a 1e-4 relative gap).
        self.h.setOptionValue("mip_rel_gap", 0.0)
        self.h.setOptionValue("mip_abs_gap", 0.99)
        self.n_pairs = len(problem.pair_r)
        self.sent: dict[int, int] = {}
        """Column of each request's "sent" flag, for requests whose rules need one."""
        self.used = {m: 0 for m in range(problem.n_mem) if problem.by_mem[m]}
        self.kinds = np.zeros(0, dtype=np.uint8)
        """Each column's integrality (all integer), to restore after the LP relaxation."""
        self.cost = np.zeros(0)
        """Each column's objective coefficient."""
        _Builder(self).write()

    def relax(self, time_limit: float) -> Relaxation | None:
        """The LP relaxation's pair values and its bound (an integer the optimum cannot exceed)."""
        h, n = self.h, self.h.getNumCol()
        h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.zeros(n, dtype=np.uint8))
        h.setOptionValue("time_limit", max(0.01, time_limit))
        t0 = time.monotonic()
        h.run()
        seconds = time.monotonic() - t0
        optimal = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        values = h.getSolution().col_value[: self.n_pairs] if optimal else None
        bound = int(h.getInfo().objective_function_value + 1e-6) - self.pb.constant if optimal else None
        h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), self.kinds)
        h.clearSolver()
        if values is None or bound is None:
            log.info("LP relaxation: not solved in %.2f s", seconds)
            return None
        log.info("LP relaxation: bound %d in %.2f s", bound, seconds)
        return Relaxation(list(values), bound, seconds)

    def solve(
        self, time_limit: float, start: RosterState | None = None, stop: threading.Event | None = None
    ) -> MipResult | None:
        """Best roster HiGHS finds within ``time_limit`` seconds (from ``start`` if given), or None;
        with ``stop``, it ends early once the event is set (another solver answered).

        HiGHS's own binding is used (not OR-Tools' ``pywraplp``): at the time limit it still returns
        its incumbent and dual bound, where ``pywraplp`` reports an unknown status and no solution.

        A start HiGHS values wrongly is dropped and the program solved again without it: with
        columns fixed at one (the narrow RINS), HiGHS 1.16's presolve scored the start above the
        sub-program's optimum, took it as proven and returned it unimproved (medium seed 11:
        1,591,119 claimed for a start worth 1,583,149, where the optimum is 1,589,726; also medium
        seed 38 and small seed 13).
        """
        deadline = time.monotonic() + time_limit
        self._run(time_limit, start, stop)
        h = self.h
        if start is not None and self._misvalued():
            log.warning(
                "MIP: HiGHS scored the start %d, its columns score %d: solved again without it",
                round(h.getInfo().objective_function_value),
                round(self._columns_value()),
            )
            h.clearSolver()
            self._run(deadline - time.monotonic(), None, stop)
        return self._result()

    def _run(self, time_limit: float, start: RosterState | None, stop: threading.Event | None) -> None:
        h = self.h
        if start is not None:
            solution = highspy.HighsSolution()
            solution.col_value = self._values(start)
            h.setSolution(solution)
        h.setOptionValue("time_limit", max(0.01, time_limit))
        h.HandleUserInterrupt = stop is not None  # HiGHS polls for cancelSolve only when asked to
        with halted_when(stop, h.cancelSolve):
            h.run()

    def _columns_value(self) -> float:
        """The objective of the solution HiGHS returns, from its columns."""
        return float(np.dot(self.cost, self.h.getSolution().col_value))

    def _misvalued(self) -> bool:
        """Whether HiGHS's objective is not that of the solution it returns (beyond rounding)."""
        info = self.h.getInfo()
        if info.primal_solution_status != _FEASIBLE:
            return False
        return abs(info.objective_function_value - self._columns_value()) > 0.5

    def _result(self) -> MipResult | None:
        h, pb = self.h, self.pb
        info = h.getInfo()
        if info.primal_solution_status != _FEASIBLE:
            log.info("MIP: no solution (%s)", h.modelStatusToString(h.getModelStatus()))
            return None
        values = h.getSolution().col_value
        chosen = [p for p in range(self.n_pairs) if values[p] > 0.5]
        objective = round(info.objective_function_value) - pb.constant
        # HiGHS's bound is a float a hair above the integer optimum; every objective is an integer.
        dual = info.mip_dual_bound
        bound = int(dual + 1e-6) - pb.constant if math.isfinite(dual) else None
        if bound is not None:
            bound = max(bound, objective)
        proven = bound == objective
        log.info("MIP: objective %d, bound %s, proven %s", objective, bound, proven)
        return MipResult(chosen, objective, bound, proven)

    def within_support(
        self,
        relaxation: Relaxation,
        time_limit: float,
        start: RosterState,
        *,
        keep_agreed: bool = True,
        reach: int = 0,
    ) -> tuple[RosterState | None, bool]:
        """The best roster HiGHS finds where the LP optimum and ``start`` agree: pairs both leave
        out stay out and, with ``keep_agreed``, pairs both take stay in; the rest is free
        (relaxation-induced neighbourhood search, RINS). With ``reach``, that many of the pairs
        both leave out are free too, those that gain most.
        Returns the roster (verified; None if HiGHS found nothing) and whether it is proven the
        best of its neighbourhood.

        On medium (6-9 k pairs) 700-900 pairs stay free; HiGHS proves the narrow sub-program in
        0.1-0.6 s, 0.1-0.5% under the whole optimum (seeds 1-5; 1% on seed 13), from a rounding
        0.3-1.5% under it, and the wide one (nothing kept) in 0.35-0.8 s, 0.2-0.3% under.
        """
        h, values, chosen = self.h, relaxation.values, start.chosen
        out = sorted(_left_out(values, chosen), key=lambda p: -self.pb.gain[p])
        shut = np.array(out[reach:], dtype=np.int32)
        agreed = (p for p, v in enumerate(values) if keep_agreed and v > 1 - 1e-6 and p in chosen)
        kept = np.array(list(agreed), dtype=np.int32)
        h.changeColsBounds(len(shut), shut, np.zeros(len(shut)), np.zeros(len(shut)))
        h.changeColsBounds(len(kept), kept, np.ones(len(kept)), np.ones(len(kept)))
        try:
            result = self.solve(time_limit, start)
        finally:
            for cols in (shut, kept):
                h.changeColsBounds(len(cols), cols, np.zeros(len(cols)), np.ones(len(cols)))
            h.clearSolver()
        if result is None:
            return None, False
        return verified_state(self.pb, result), result.proven

    def outside(self, relaxation: Relaxation, start: RosterState) -> int:
        """How many pairs the LP optimum and ``start`` both leave out (the most ``reach`` can free)."""
        return len(_left_out(relaxation.values, start.chosen))

    def _values(self, state: RosterState) -> list[float]:
        """Every column's value for ``state``: the pairs, the flags and the load extremes."""
        values = [float(p in state.chosen) for p in range(self.n_pairs)]
        values += [float(state.count[r] > 0) for r in self.sent]
        values += [float(state.held[m] != 0) for m in self.used]
        high, low = state.fairness_extremes()
        return [*values, float(high or 0), float(low or 0)]


@dataclass
class Relaxation:
    values: list[float]
    """Each pair's value in the LP optimum."""
    bound: int
    """The LP optimum rounded down, constant subtracted: no roster scores more."""
    seconds: float


class _Builder:
    """Collects the columns and rows of a ``MipModel`` as arrays and hands them to HiGHS at once."""

    def __init__(self, model: MipModel) -> None:
        self.model = model
        self.lo: list[float] = []
        self.hi: list[float] = []
        self.starts: list[int] = []
        self.index: list[int] = []
        self.value: list[float] = []

    def row(self, cols: list[int], coefs: list[float], lo: float, hi: float) -> None:
        self.starts.append(len(self.index))
        self.index += cols
        self.value += coefs
        self.lo.append(lo)
        self.hi.append(hi)

    def write(self) -> None:
        model, pb = self.model, self.model.pb
        kinds = {type(rule) for rule in pb.rules}
        reqs, members = pb.instance.requests, pb.instance.members
        n = model.n_pairs
        flagged = (
            r
            for r in range(pb.n_req)
            if pb.by_req[r]
            and (
                pb.served_gain[r]
                or (LiftSeatsRule in kinds and reqs[r].passengers)
                or (LeadRule in kinds and reqs[r].lead_skills)
                or (BuddyRule in kinds and reqs[r].min_team > 1)
            )
        )
        model.sent = {r: n + k for k, r in enumerate(flagged)}
        n += len(model.sent)
        for k, m in enumerate(model.used):
            model.used[m] = n + k
        high, low = n + len(model.used), n + len(model.used) + 1
        top = max([pb.cap[m] + pb.history[m] for m in model.used] + [0])
        inf = highspy.kHighsInf
        for p in pb.pinned:
            self.row([p], [1.0], 1.0, 1.0)
        for r in range(pb.n_req):
            if pb.by_req[r]:
                self.row(pb.by_req[r], [1.0] * len(pb.by_req[r]), -inf, pb.head[r])
        for r, s in model.sent.items():
            team = pb.by_req[r]
            ones = [1.0] * len(team)
            for p in team:
                self.row([p, s], [1.0, -1.0], -inf, 0.0)
            if LiftSeatsRule in kinds and reqs[r].passengers:
                seats = [float(members[pb.pair_m[p]].car_seats or 0) for p in team]
                self.row([*team, s], [*seats, -reqs[r].passengers], 0.0, inf)
            lead = reqs[r].lead_skills
            if LeadRule in kinds and lead:
                leads = [p for p in team if lead <= members[pb.pair_m[p]].skills]
                self.row([*leads, s], [1.0] * len(leads) + [-1.0], 0.0, inf)
            if BuddyRule in kinds and reqs[r].min_team > 1:
                self.row([*team, s], [*ones, -reqs[r].min_team], 0.0, inf)
            if pb.served_gain[r]:  # the gain is earned only if somebody really goes
                self.row([*team, s], [*ones, -1.0], 0.0, inf)
        self.row([low, high], [1.0, -1.0], -inf, 0.0)
        for m, u in model.used.items():
            col_of = {pb.pair_r[p]: p for p in pb.by_mem[m]}
            # One row per set of the member's requests that overlap in time, at most "used":
            # both "one at a time" and "a pair is taken only by a working member", in a row
            # per moment instead of a row per pair (the LP of medium seed 25 took 0.46 s, against
            # 0.90-1.22 s for the separate rows in the same minute).
            cliques = overlap_cliques(sorted(col_of), pb.start, pb.end)
            alone = set(col_of).difference(*cliques)
            for clique in [*cliques, *([r] for r in sorted(alone))]:
                self.row([*(col_of[r] for r in clique), u], [1.0] * len(clique) + [-1.0], -inf, 0.0)
            mine = sum(1 << r for r in col_of)
            for r, p in col_of.items():
                rest = pb.travel_only[r] & mine & ~((2 << r) - 1)
                while rest:
                    s = (rest & -rest).bit_length() - 1
                    self.row([p, col_of[s]], [1.0, 1.0], -inf, 1.0)
                    rest &= rest - 1
            cols = list(col_of.values())
            durs = [float(pb.dur[r]) for r in col_of]
            self.row(cols, durs, -inf, pb.cap[m])
            # A member who does not work is outside the spread: the rows relax by ``top`` for them.
            # low <= load + history + top (1 - used)
            self.row([low, *cols, u], [1.0, *(-d for d in durs), top], -inf, pb.history[m] + top)
            if pb.history[m]:  # high >= load + history - top (1 - used)
                self.row([high, *cols, u], [1.0, *(-d for d in durs), -top], pb.history[m] - top, inf)
            else:
                self.row([high, *cols], [1.0, *(-d for d in durs)], 0.0, inf)
        weight = next((rule.weight for rule in pb.rules if isinstance(rule, FairnessRule)), 0)
        cost = [float(g) for g in pb.gain] + [float(pb.served_gain[r]) for r in model.sent]
        cost += [0.0] * len(model.used) + [-float(weight), float(weight)]
        width = len(cost)
        upper = [1.0] * (width - 2) + [float(top)] * 2
        h = model.h
        none = np.zeros(0, dtype=np.int32)
        model.cost = np.array(cost)
        h.addCols(width, model.cost, np.zeros(width), np.array(upper), 0, none, none, np.zeros(0))
        model.kinds = np.ones(width, dtype=np.uint8)
        h.changeColsIntegrality(width, np.arange(width, dtype=np.int32), model.kinds)
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        h.addRows(
            len(self.lo),
            np.array(self.lo),
            np.array(self.hi),
            len(self.index),
            np.array(self.starts, dtype=np.int32),
            np.array(self.index, dtype=np.int32),
            np.array(self.value),
        )


def solve_mip(
    problem: Problem, time_limit: float, start: RosterState | None = None, stop: threading.Event | None = None
) -> MipResult | None:
    """HiGHS on the whole program from scratch (None if a rule is not expressible, no time, or
    ``stop`` was set before it found a roster)."""
    if not expressible(problem.rules) or time_limit <= 0.05:
        return None
    deadline = time.monotonic() + time_limit
    model = MipModel(problem)
    return model.solve(deadline - time.monotonic(), start, stop)


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


def _left_out(values: Sequence[float], chosen: Container[int]) -> list[int]:
    """The pairs the LP optimum (``values``) and a roster (``chosen``) both leave out."""
    return [p for p, v in enumerate(values) if v < 1e-6 and p not in chosen]
