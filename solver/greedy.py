"""A fast first roster, used as the warm start and as the answer if time runs out at once.

Approved assignments that still fit come first, so a re-solve starts from the current roster.
Then requests are served by priority; within a priority, short jobs first, because hours are the
scarce resource and a short job earns the same per slot as a long one. Each slot goes to the
eligible member with the best gain (nearest) who stays feasible."""

from __future__ import annotations

from solver.problem import Problem
from solver.state import RosterState


def greedy_roster(problem: Problem) -> RosterState:
    state = RosterState(problem)
    pb = problem
    for p in pb.approved:  # start from what coordinators approved, so a re-solve changes little
        if state.fits(p):
            state.add(p)
    order = sorted(
        range(pb.n_req), key=lambda r: (-pb.instance.requests[r].priority, pb.dur[r], pb.start[r], r)
    )
    for r in order:
        for p in sorted(pb.by_req[r], key=lambda p: (-pb.gain[p], pb.pair_m[p])):
            if state.count[r] >= pb.head[r]:
                break
            if state.fits(p):
                state.add(p)
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
