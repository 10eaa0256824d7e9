"""A fast first roster, used as the warm start and as the answer if time runs out at once.

Approved assignments that still fit come first, then the latest proposal's (``Instance.hint``), so a
re-solve starts from the current roster.
Then requests are served by priority; within a priority, in a few orders (short jobs first, because
hours are the scarce resource and a short job earns the same per slot as a long one; by start
time; scarce requests, with few eligible members, first), keeping the best roster. Each slot goes
to the eligible member who stays feasible with the best gain less the demand on their hours
(``hours_demand``); a lift with pickups (one gain for the whole lift) takes drivers only until their
seats hold everyone. No order wins everywhere (large seed 2: 9,593,466 short-first against 9,654,903
by start); the whole warm start takes ~0.2 s on large and ~1.4 s on xl."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from solver.problem import Problem
from solver.state import RosterState


def greedy_roster(problem: Problem) -> RosterState:
    pb = problem
    prio = [r.priority for r in pb.instance.requests]
    orders: list[Callable[[int], tuple[int, ...]]] = [
        lambda r: (-prio[r], pb.dur[r], pb.start[r], r),
        lambda r: (-prio[r], pb.start[r], r),
        lambda r: (-prio[r], len(pb.by_req[r]), pb.start[r], r),
    ]
    demand = hours_demand(pb)
    rank = [
        sorted(pb.by_req[r], key=lambda p: (demand[pb.pair_m[p]] - pb.gain[p], pb.pair_m[p]))
        for r in range(pb.n_req)
    ]
    best: RosterState | None = None
    best_value = 0
    for key in orders:  # on a tie the earlier order is kept
        state = _greedy_pass(pb, sorted(range(pb.n_req), key=key), rank)
        value = state.objective()
        if best is None or value > best_value:
            best, best_value = state, value
    assert best is not None
    return best


def hours_demand(pb: Problem) -> list[float]:
    """How many times over each member's hours their eligible jobs would fill them.

    A slot's gain differs between its candidates only by their distance (a few points against
    1,000 a priority level), so the nearest member is a weak choice: it spends the hours of a member
    whom many other requests need. Charging each member one point per time over their hours are
    wanted leaves the busy ones for where nobody else can go. The first rosters gained 0.6-1.75%
    (xl seed 21: 26,506,385 to 26,669,882; large seeds 21 and 23: +1.75% and +1.08%); the exact charge
    mattered little (five points gave the same within 0.2%)."""
    wanted = np.bincount(
        np.asarray(pb.pair_m, dtype=np.int64),
        weights=np.asarray(pb.dur, dtype=np.float64)[np.asarray(pb.pair_r, dtype=np.int64)],
        minlength=pb.n_mem,
    )
    demand: list[float] = (wanted / np.maximum(np.asarray(pb.cap, dtype=np.float64), 1.0)).tolist()
    return demand


def _greedy_pass(pb: Problem, order: list[int], rank: list[list[int]]) -> RosterState:
    state = RosterState(pb)
    for p in (*pb.approved, *pb.hinted):  # start from the current roster, so a re-solve changes little
        if state.fits(p):
            state.add(p)
    seats = [m.car_seats or 0 for m in pb.instance.members]
    for r in order:
        # A lift's seats still to find: the current roster's drivers already carry some, and a
        # driver more than the lift needs only costs (and would look like a change to a re-plan).
        need = None
        if pb.served_gain[r]:
            carried = sum(seats[pb.pair_m[p]] for p in pb.by_req[r] if p in state.chosen)
            need = pb.instance.requests[r].passengers - carried
        for p in rank[r]:
            if state.count[r] >= pb.head[r] or (need is not None and need <= 0):
                break
            if state.fits(p):
                state.add(p)
                if need is not None:
                    need -= pb.instance.members[pb.pair_m[p]].car_seats or 0
    drop_broken_teams(state)
    return state


def drop_broken_teams(state: RosterState) -> None:
    """Withdraw everybody from requests whose team breaks a conditional rule (seats, lead, buddy).

    Sending nobody always satisfies those rules and never breaks hours or double booking.
    """
    pb = state.pb
    for r in range(pb.n_req):
        team = [p for p in pb.by_req[r] if p in state.chosen]
        members = [pb.pair_m[p] for p in team]
        if team and not all(rule.team_ok(pb, r, members) for rule in pb.rules):
            for p in team:
                if p not in state.pinned:
                    state.remove(p)


def rounded_roster(problem: Problem, values: list[float]) -> RosterState:
    """A roster that follows an LP optimum (``values``, one per pair): pairs by falling LP value
    weighted by gain while they fit, then the best-paying pairs that still fit.

    On club-size instances the clique relaxation is nearly tight (medium: within 0.2-0.6% of the
    optimum) and its rounding lands within 0.3-1.5% of it, against 2.6-5% for the greedy orders.
    """
    pb = problem
    state = RosterState(pb)
    for p in pb.approved:
        if state.fits(p):
            state.add(p)
    led = sorted((p for p, v in enumerate(values) if v > 1e-6), key=lambda p: (-values[p] * pb.gain[p], p))
    rest = sorted((p for p in range(len(values)) if pb.gain[p] > 0), key=lambda p: (-pb.gain[p], p))
    for p in (*led, *rest):
        if p not in state.chosen and state.fits(p):
            state.add(p)
    drop_broken_teams(state)
    return state
