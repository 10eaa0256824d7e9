"""A roster under construction: the chosen pairs plus the running totals the search needs."""

from __future__ import annotations

from collections.abc import Iterable

from solver.problem import Problem


class RosterState:
    def __init__(self, problem: Problem, pairs: Iterable[int] = ()) -> None:
        self.pb = problem
        self.chosen: set[int] = set()
        self.held = [0] * problem.n_mem
        """Bitmask of the requests each member holds."""
        self.mine: list[set[int]] = [set() for _ in range(problem.n_mem)]
        """The chosen pairs of each member: neighbourhoods read a member's week without scanning the
        hundreds of pairs a member on xl could take."""
        self.load = [0] * problem.n_mem
        self.count = [0] * problem.n_req
        self.gained = 0
        """The chosen pairs' gains, kept as they change: the search asks for the objective after
        every neighbourhood, and summing 9 k gains each time held up the other worker on xl."""
        self.pinned = frozenset(problem.pinned)
        for p in self.pinned:
            self.add(p)
        for p in pairs:
            if p not in self.chosen:
                self.add(p)

    def add(self, p: int) -> None:
        r, m = self.pb.pair_r[p], self.pb.pair_m[p]
        self.chosen.add(p)
        self.mine[m].add(p)
        self.held[m] |= 1 << r
        self.load[m] += self.pb.dur[r]
        self.count[r] += 1
        self.gained += self.pb.gain[p]

    def remove(self, p: int) -> None:
        r, m = self.pb.pair_r[p], self.pb.pair_m[p]
        self.chosen.remove(p)
        self.mine[m].remove(p)
        self.held[m] &= ~(1 << r)
        self.load[m] -= self.pb.dur[r]
        self.count[r] -= 1
        self.gained -= self.pb.gain[p]

    def fits(self, p: int, spare_places: int = 0) -> bool:
        """Whether the pair can be added without breaking headcount, hours or double booking (with
        ``spare_places``: if that many people left the request first)."""
        pb = self.pb
        r, m = pb.pair_r[p], pb.pair_m[p]
        return (
            self.count[r] < pb.head[r] + spare_places
            and self.load[m] + pb.dur[r] <= pb.cap[m]
            and not (self.held[m] >> r) & 1
            and not pb.conflicts[r] & self.held[m]
        )

    def fairness_extremes(
        self, skip: set[int] | frozenset[int] = frozenset()
    ) -> tuple[int | None, int | None]:
        """Largest and smallest counted load (history included) over used members not in ``skip``."""
        history = self.pb.history
        loads = [self.load[m] + history[m] for m in range(self.pb.n_mem) if self.held[m] and m not in skip]
        return (max(loads), min(loads)) if loads else (None, None)

    def objective(self) -> int:
        pb = self.pb
        high, low = self.fairness_extremes()
        spread = 0 if high is None or low is None else high - low
        served = sum(g for r, g in pb.served if self.count[r])
        return self.gained + served - pb.params.fairness_weight * spread - pb.constant
