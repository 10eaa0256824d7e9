"""Large neighbourhood search: free a part of the roster, let CP-SAT re-solve it, keep improvements.

Large instances are far beyond one CP-SAT model (its presolve alone outlasts the time limit), but
their structure is local: a member's week interacts with the requests they could take and with
the other members who could take those. Each worker thread frees such a neighbourhood, has CP-SAT
re-solve it (CP-SAT releases the GIL), applies the answer if it still fits the roster the other
workers have changed meanwhile, and frees the next: no worker waits for another's slower sub-solve.
Waiting for both of a round's sub-solves left the two cores busy 60% of the time on large; free
workers keep them busy over 90% (docs/benchmarks.md).

Medium instances use it too, after a short whole-model solve for the bound (``for_mid_size``): on
a shared two-core machine many short sub-solves beat one long parallel solve.

Determinism: with one worker the search is one fixed sequence for a seed. Neighbourhoods come from
a seeded generator, every sub-solve is single-threaded and bounded by deterministic time, and a
sub-solve that the wall clock cuts short is discarded, so the time limit only decides how far along
the sequence the answer is (``Params.max_rounds`` fixes that too). With more workers, which
sub-solve finishes first, and so the rosters the next neighbourhoods start from, is up to timing.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ortools.sat.python import cp_model

from solver.model import ScopeResult, solve_scope
from solver.problem import Problem
from solver.scope import Scope
from solver.state import RosterState

log = logging.getLogger("solver")

_SUB_DETERMINISTIC_LIMIT = 0.3
_MIN_PAIRS, _MAX_PAIRS = 800, 40_000
_MAX_EXTREMES = 80
LOCAL_SHARE = 0.25
"""Share of neighbourhoods that are local windows (requests near one in place and time).
Taken from the request-led kind, the weakest per sub-solve on large: at 60 s on large seeds 21-22
the search went from +2.74/+2.51% over greedy to +3.05/+2.75% (a half share did no better at 30 s)."""


class NeighbourhoodSearch:
    def __init__(
        self,
        problem: Problem,
        state: RosterState,
        seed: int,
        workers: int,
        *,
        size: int = 2000,
        max_pairs: int = _MAX_PAIRS,
        sub_limit: float = _SUB_DETERMINISTIC_LIMIT,
        presolve: bool = True,
    ) -> None:
        self.pb = problem
        self.state = state
        self.value = state.objective()
        self.rng = random.Random(seed)
        self.workers = workers
        self.max_pairs = max_pairs
        self.min_pairs = min(_MIN_PAIRS, max_pairs)
        self.sub_limit = sub_limit
        self.size = min(size, max_pairs)
        """Target number of free pairs per neighbourhood, adapted to how hard sub-solves are."""
        self.presolve = presolve
        """Whether CP-SAT presolves each sub-model. Off on large and xl: a neighbourhood is small
        next to the fixed roster around it, presolve took a fifth of the time there, and without it
        more sub-solves finish proven, so neighbourhoods grow (23-29 k pairs against 5-7 k on large
        seed 22). At 60 s on large seeds 21-25 it ended higher on every seed (docs/benchmarks.md)."""
        self.rounds = 0
        """Neighbourhoods started."""
        self._taken: set[int] = set()
        """Members that neighbourhoods being solved free: the next neighbourhood frees others."""

    @classmethod
    def for_mid_size(
        cls, problem: Problem, state: RosterState, seed: int, workers: int
    ) -> NeighbourhoodSearch:
        """Settings for problems one CP-SAT model could hold (medium): neighbourhoods of 30-50% of
        the pairs and short sub-solves, so that a sub-solve takes a fraction of a second even when the
        machine is shared. Measured on medium seeds 1-5 against the whole model (docs/benchmarks.md).
        """
        n = len(problem.pair_r)
        size, most = 3 * n // 10, n // 2
        return cls(problem, state, seed, workers, size=size, max_pairs=most, sub_limit=0.3)

    def run(self, deadline: float, max_rounds: int | None = None) -> None:
        """Improve the roster until ``deadline`` or until ``max_rounds`` neighbourhoods were solved."""
        lock, failed = threading.Lock(), threading.Event()
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            running = [
                pool.submit(self._work, lock, failed, deadline, max_rounds) for _ in range(self.workers)
            ]
            for worker in running:
                worker.result()  # a worker's error is the search's

    def _work(
        self, lock: threading.Lock, failed: threading.Event, deadline: float, max_rounds: int | None
    ) -> None:
        """Neighbourhood after neighbourhood until the deadline, the count, or another worker's error
        (the others stop at once, not at the deadline)."""
        try:
            while True:
                with lock:
                    if failed.is_set() or time.monotonic() >= deadline - 0.05 or self.rounds == max_rounds:
                        return
                    scope = self._neighbourhood()
                    seed = self.rng.randrange(1 << 30)
                    self.rounds += 1
                    if self.rounds % 40 == 0:
                        log.info("lns: %d neighbourhoods, objective %d", self.rounds, self.value)
                result = self._solve(scope, seed, deadline - time.monotonic())
                with lock:
                    self._taken.difference_update(scope.fixed_load)
                    if time.monotonic() < deadline:
                        self._apply(scope, result)
        except BaseException:
            failed.set()
            raise

    def _solve(self, scope: Scope, seed: int, left: float) -> ScopeResult:
        return solve_scope(
            self.pb,
            scope,
            time_limit=left,
            deterministic_limit=self.sub_limit,
            seed=seed,
            presolve=self.presolve,
        )

    def _apply(self, scope: Scope, result: ScopeResult) -> None:
        proven = result.status == cp_model.OPTIMAL
        self.size = (
            min(self.max_pairs, int(self.size * 1.1))
            if proven
            else max(self.min_pairs, int(self.size * 0.85))
        )
        new = set(result.chosen)
        if not result.solved or new == scope.hint or not scope.hint <= self.state.chosen:
            return
        state = self.state
        for p in scope.hint:
            state.remove(p)
        added = []
        for p in sorted(new):
            if not state.fits(p):
                break
            state.add(p)
            added.append(p)
        value = state.objective() if len(added) == len(new) and self._teams_ok(new) else None
        if value is not None and value >= self.value:
            self.value = value
            return
        for p in added:
            state.remove(p)
        for p in scope.hint:
            state.add(p)

    def _teams_ok(self, pairs: set[int]) -> bool:
        pb, state = self.pb, self.state
        for r in {pb.pair_r[p] for p in pairs}:
            members = [pb.pair_m[p] for p in pb.by_req[r] if p in state.chosen]
            if not all(rule.team_ok(pb, r, members) for rule in pb.rules):
                return False
        return True

    def _neighbourhood(self) -> Scope:
        pick = self.rng.random()
        if pick < LOCAL_SHARE:
            return self._local_window()
        if pick < 0.5:
            return self._around_request()
        if pick < 0.8:
            return self._time_window()
        return self._fairness()

    def _fill(self, members: list[int], pool: list[int], count: dict[int, int] | None = None) -> list[int]:
        """Add members from ``pool`` (shuffled) until the free pairs reach the target size."""
        chosen = set(members) | self._taken
        total = sum(len(self.pb.by_mem[m]) if count is None else count.get(m, 0) for m in members)
        self.rng.shuffle(pool)
        for m in pool:
            if total >= self.size:
                break
            if m not in chosen:
                chosen.add(m)
                members.append(m)
                total += len(self.pb.by_mem[m]) if count is None else count.get(m, 0)
        self._taken.update(members)
        return members

    def _seed_request(self) -> int:
        pb, state = self.pb, self.state
        open_requests = [r for r in range(pb.n_req) if state.count[r] < pb.head[r] and pb.by_req[r]]
        if open_requests and self.rng.random() < 0.7:
            return self.rng.choice(open_requests)
        return self.rng.randrange(pb.n_req)

    def _around_request(self) -> Scope:
        """The members who gain most on one (preferably unfilled) request, with their whole week,
        then those who gain most on the requests these hold, and so on until the size is reached:
        an ejection chain (Ann takes the open job, Bob takes Ann's Tuesday, ...)."""
        pb, state = self.pb, self.state
        width = self.rng.choice([4, 8, 16])
        members: list[int] = []
        total, seen = 0, set(self._taken)
        level = [self._seed_request()]
        while level and total < self.size:
            ranked = sorted(
                (p for r in level for p in pb.by_req[r] if pb.pair_m[p] not in seen),
                key=lambda p: -pb.gain[p] * (0.5 + self.rng.random()),
            )
            nxt: list[int] = []
            for p in ranked[: width * len(level)]:
                if total >= self.size:
                    break
                m = pb.pair_m[p]
                if m in seen:
                    continue
                seen.add(m)
                members.append(m)
                total += len(pb.by_mem[m])
                nxt += [pb.pair_r[q] for q in sorted(state.mine[m])]
            level = nxt
        self._taken.update(members)
        return Scope.around(state, members, None)

    def _time_window(self) -> Scope:
        """Every request starting in a few hours, and enough of their members to fill the size."""
        pb = self.pb
        t = pb.start[self._seed_request()] - self.rng.randrange(0, 240)
        window = [r for r in range(pb.n_req) if t <= pb.start[r] < t + 360]
        count: dict[int, int] = {}
        for r in window:
            for p in pb.by_req[r]:
                count[pb.pair_m[p]] = count.get(pb.pair_m[p], 0) + 1
        members = self._fill([], sorted(count), count)
        return Scope.around(self.state, members, window)

    def _local_window(self) -> Scope:
        """Requests near one request in place and time, and the members who could take most of them
        (most first, with noise), with their whole week.

        Gains fall with distance, so members near a place compete for its requests: freeing them
        together lets CP-SAT trade jobs between them, where a random share of one request's
        candidates (``_around_request``) frees members who rarely interact."""
        pb = self.pb
        r0 = self._seed_request()
        reqs = pb.instance.requests
        lat0, lon0 = reqs[r0].lat, reqs[r0].lon
        lon_scale = math.cos(math.radians(lat0))  # a rough local distance is enough
        span = self.rng.choice([240, 480, 960])
        reach = self.rng.choice([0.03, 0.06, 0.1])  # degrees of latitude: about 3, 7 and 11 km
        t = pb.start[r0] - self.rng.randrange(0, span // 2)
        window = [
            r
            for r in range(pb.n_req)
            if t <= pb.start[r] < t + span
            and abs(reqs[r].lat - lat0) + abs(reqs[r].lon - lon0) * lon_scale < reach
        ]
        count: dict[int, int] = {}
        for r in window:
            for p in pb.by_req[r]:
                count[pb.pair_m[p]] = count.get(pb.pair_m[p], 0) + 1
        ranked = sorted(count, key=lambda m: -count[m] * (0.5 + self.rng.random()))
        members, total = [], 0
        for m in ranked:
            if total >= self.size:
                break
            if m not in self._taken:
                members.append(m)
                total += len(pb.by_mem[m])
        self._taken.update(members)
        return Scope.around(self.state, members, None)

    def _fairness(self) -> Scope:
        """All members at (or near) the largest or the smallest load, and members who could take over.

        The spread only shrinks when every member at an extreme can change at once, so they are
        freed together, with the members eligible for their jobs to absorb or hand over work.
        """
        state, pb = self.state, self.pb
        used = sorted((state.load[m] + pb.history[m], m) for m in range(pb.n_mem) if state.held[m])
        if not used:
            return self._around_request()
        slack = self.rng.choice([0, 15, 30, 60, 120])
        side = self.rng.random()
        ends = [
            m
            for load, m in used
            if (side < 0.6 and load >= used[-1][0] - slack) or (side > 0.4 and load <= used[0][0] + slack)
        ]
        ends = [m for m in ends if m not in self._taken][:_MAX_EXTREMES]
        related = {pb.pair_m[q] for m in ends for p in state.mine[m] for q in pb.by_req[pb.pair_r[p]]}
        return Scope.around(state, self._fill(ends, sorted(related)), None)
