"""An upper bound on a bench instance's optimum where the whole LP does not solve (large, xl).

``python bench/lagrange_bound.py INSTANCE [--roster ROSTER ...] [--iterations N]``

The whole LP of large holds 800 k rows and did not solve in 900 s, so large and xl had no bound to
measure a gap against. This bound prices each request's headcount instead (a Lagrangian relaxation):
at prices ``λ >= 0`` every member plans their own week alone, each job worth its gain less its
request's price, and

    optimum <= Σ_r λ_r · headcount_r + Σ_m (the best week of member m at these prices)

A member's best week is found exactly, by dynamic programming over their jobs in order of end time
and their load, under a relaxation of the rules, so that the bound stays valid: each job must leave
the time to travel to the next one (the rule is checked between consecutive jobs, not every pair),
and the load stays within the member's hours.

The prices come from column generation (Dantzig-Wolfe): a master LP chooses among the weeks found so
far, one per member at most and each request's headcount at most, and its row prices find the next
weeks. Left alone, the master's prices start near zero, where every job is worth taking, and jump
about: they are kept in a box around the best bound's prices, which follows whenever they give a
better bound and widens when they stop at its edge. ``--roster`` starts the master from a roster's
weeks, and the prices from its going rates. When no week is worth more than the master pays its
member and no price is at the box's edge, the prices are optimal for this relaxation.

Fairness is counted last, at the best prices: for each pair (lowest load ``lo``, highest load
``hi``) among the members with any job, every week must be empty or have its load in ``[lo, hi]``,
and ``10 (hi - lo)`` is paid. The optimum's own pair is one of them, so the largest value over the
pairs is still a bound.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from solver.problem import Problem

ROOT = Path(__file__).resolve().parents[1]
BOX = 1000.0
"""Half the width of the box the master's prices are kept in, around the best bound's prices: one
priority level. Large s12 from its 60 s roster: 210 s to the bound; with a quarter of it, still
0.3% above it after 90 s; with no box but prices smoothed towards the best bound's, xl s15 was at
28.9 M after 563 s."""
FAIRNESS_PER_MINUTE = 10
"""The bench objective's price of one minute of spread between the most and least loaded member."""


@dataclass
class Tables:
    """A member's dynamic programme at one set of prices."""

    first: np.ndarray
    """Row ``k``: the best value of a week among the first ``k`` jobs, at each exact load (``-inf``
    where none)."""
    ending: np.ndarray
    """Row ``k``: the best value of a week whose last job is job ``k``, at each exact load."""


class MemberWeeks:
    """Each member's jobs in order of end time, with what the dynamic programme needs."""

    def __init__(self, pb: Problem) -> None:
        from solver.candidates import dist_m_many
        from solver.geo import travel_min

        self.unit = math.gcd(*pb.dur, *pb.cap) or 1
        """Loads are counted in units of the gcd of durations and hours, which keeps them exact."""
        self.cap = [c // self.unit for c in pb.cap]
        self.top = max(self.cap, default=0)
        self.gain = np.array(pb.gain, dtype=np.float64)
        self.pair_r = np.array(pb.pair_r, dtype=np.int64)
        self.pairs: list[np.ndarray] = []
        self.req: list[np.ndarray] = []
        self.dur: list[np.ndarray] = []
        self.safe: list[np.ndarray] = []
        """Per job, how many of the member's jobs end early enough for any trip to it."""
        self.near: list[list[list[int]]] = []
        """Per job, the later jobs it can follow, travel time included (the rest end too late)."""
        lat = np.array([r.lat for r in pb.instance.requests])
        lon = np.array([r.lon for r in pb.instance.requests])
        reach = int(dist_m_many(lat[:1], lon[:1], lat, lon).max()) if len(lat) else 0
        longest = travel_min(2 * reach + 2)  # no two requests are further apart (triangle inequality)
        starts, ends = np.array(pb.start), np.array(pb.end)
        durs = np.array(pb.dur) // self.unit
        for m in range(pb.n_mem):
            ps = np.array(pb.by_mem[m], dtype=np.int64)
            order = np.argsort(ends[self.pair_r[ps]], kind="stable")
            ps = ps[order]
            rs = self.pair_r[ps]
            self.pairs.append(ps)
            self.req.append(rs)
            self.dur.append(durs[rs])
            safe = np.searchsorted(ends[rs], starts[rs] - longest, side="right")
            before = np.searchsorted(ends[rs], starts[rs], side="right")
            self.safe.append(safe)
            self.near.append(
                [
                    [i for i in range(safe[k], before[k]) if not (pb.conflicts[rs[k]] >> int(rs[i])) & 1]
                    for k in range(len(rs))
                ]
            )

    def table(self, m: int, price: np.ndarray, every_job: bool = False) -> Tables:
        """The member's best weeks at these prices. Without ``every_job`` a job worth nothing is
        left out: it cannot raise the best week, only help reach a given load, which only fairness
        asks for."""
        reqs, durs, safe, near, cap = self.req[m], self.dur[m], self.safe[m], self.near[m], self.cap[m]
        worth = self.gain[self.pairs[m]] - price[reqs]
        first = np.full((len(reqs) + 1, cap + 1), -np.inf)
        first[0, 0] = 0.0
        ending = np.full((len(reqs), cap + 1), -np.inf)
        for k in range(len(reqs)):
            first[k + 1] = first[k]
            d = int(durs[k])
            if (every_job or worth[k] > 0) and d <= cap:
                after = first[safe[k], : cap + 1 - d]
                for i in near[k]:
                    after = np.maximum(after, ending[i, : cap + 1 - d])
                ending[k, d:] = after + worth[k]
                np.maximum(first[k + 1], ending[k], out=first[k + 1])
        return Tables(first, ending)

    def week(self, m: int, tables: Tables, load: int) -> list[int]:
        """The pairs of the week the tables found at ``load``, walked back through them."""
        pairs, durs, safe, near = self.pairs[m], self.dur[m], self.safe[m], self.near[m]
        first, ending = tables.first, tables.ending
        out: list[int] = []
        j = len(pairs)
        while load > 0:
            if first[j, load] == first[j - 1, load]:
                j -= 1
                continue
            k = j - 1  # the week ends with job k
            while True:
                out.append(int(pairs[k]))
                load -= int(durs[k])
                if load == 0:
                    break
                best = max(near[k], key=lambda i: ending[i, load], default=None)
                if best is None or first[safe[k], load] >= ending[best, load]:
                    j = int(safe[k])
                    break
                k = best
        return out


def fairness_bound(weeks: MemberWeeks, price: np.ndarray, head: np.ndarray) -> float:
    """The bound at these prices with the spread of loads paid (see the module's docstring)."""
    top = weeks.top
    total = np.zeros((top + 1, top + 1))
    for m in range(len(weeks.cap)):
        last = weeks.table(m, price, every_job=True).first[-1]
        cap = len(last) - 1
        best = np.zeros((top + 1, top + 1))  # [lo, hi]: the best week with its load in [lo, hi]
        for lo in range(1, cap + 1):
            run = np.maximum.accumulate(last[lo:])
            best[lo, lo : cap + 1] = run
            best[lo, cap + 1 :] = run[-1]
        total += np.maximum(best, 0.0)  # or no week at all
    span = np.arange(top + 1)
    spread = (span[None, :] - span[:, None]) * weeks.unit * FAIRNESS_PER_MINUTE
    score = np.where(span[None, :] >= span[:, None], total - spread, -np.inf)
    return float(price @ head + score.max())


def column_generation(
    weeks: MemberWeeks, head: np.ndarray, start: list[list[int]], iterations: int, t0: float
) -> tuple[float, np.ndarray]:
    """The smallest bound met and its prices. HiGHS keeps its basis when weeks are added, so each
    master solve starts where the last one ended."""
    import highspy

    n_mem, n_req = len(weeks.cap), len(head)
    lp = highspy.Highs()
    lp.setOptionValue("output_flag", False)
    none_i, none_f = np.zeros(0, np.int32), np.zeros(0)
    lp.addRows(n_mem, np.full(n_mem, -highspy.kHighsInf), np.ones(n_mem), 0, none_i, none_i, none_f)
    lp.addRows(n_req, np.full(n_req, -highspy.kHighsInf), head, 0, none_i, none_i, none_f)
    lp.changeObjectiveSense(highspy.ObjSense.kMaximize)

    def add(found: list[tuple[int, list[int]]]) -> tuple[np.ndarray, np.ndarray]:
        """Add the weeks, solve the master, and return its prices of requests and of members."""
        starts: list[int] = []
        index: list[int] = []
        cost: list[float] = []
        for m, pairs in found:
            starts.append(len(index))
            index += [m, *(n_mem + int(weeks.pair_r[p]) for p in pairs)]
            cost.append(float(weeks.gain[pairs].sum()))
        n = len(found)
        lp.addCols(
            n, np.array(cost), np.zeros(n), np.full(n, highspy.kHighsInf), len(index),
            np.array(starts, np.int32), np.array(index, np.int32), np.ones(len(index)),
        )  # fmt: skip
        lp.run()
        dual = np.abs(np.array(lp.getSolution().row_dual))  # a maximum's duals come out negative
        return dual[n_mem:], dual[:n_mem]

    # The box: a column that buys a place on request r at u_r keeps its price at most u_r, one that
    # sells a place at l_r keeps it at least l_r.
    rows = np.arange(n_mem, n_mem + n_req, dtype=np.int32)
    ends = np.arange(n_req, dtype=np.int32)
    for sign in (-1.0, 1.0):
        lp.addCols(
            n_req, np.zeros(n_req), np.zeros(n_req), np.full(n_req, highspy.kHighsInf), n_req,
            ends, rows, np.full(n_req, sign),
        )  # fmt: skip
    width = BOX

    def box(center: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        low, high = np.maximum(center - width, 0.0), center + width
        lp.changeColsCost(n_req, ends, -high)
        lp.changeColsCost(n_req, ends + n_req, low)
        return low, high

    best, best_price = math.inf, _going_rate(weeks, head, start) if any(start) else np.zeros(n_req)
    low, high = box(best_price)
    dual, own = add([(m, pairs) for m, pairs in enumerate(start) if pairs])
    for it in range(1, iterations + 1):
        price = best_price if it == 1 else dual  # the first prices as they are
        edge = int(((dual >= high - 1e-6) | ((dual <= low + 1e-6) & (low > 0))).sum())
        tables = [weeks.table(m, price) for m in range(n_mem)]
        value = float(price @ head) + sum(max(0.0, float(t.first[-1].max())) for t in tables)
        moved = value < best
        if moved:
            best, best_price = value, price
        found = []
        for m, table in enumerate(tables):
            pairs = weeks.week(m, table, int(np.argmax(table.first[-1])))
            worth = float((weeks.gain[pairs] - dual[weeks.pair_r[pairs]]).sum())
            if worth > own[m] + 1e-6:  # pays more than the master pays the member now
                found.append((m, pairs))
        print(
            f"iteration {it}: bound {value:,.0f}, best {best:,.0f}, {len(found)} better weeks, "
            f"{edge} prices at the box's edge (width {width:,.0f}), {time.monotonic() - t0:.0f} s",
            flush=True,
        )
        if not found and not edge:
            break
        if not found:  # the best prices within the box: widen it
            width *= 2
        if moved or not found:  # the box follows the best bound's prices
            low, high = box(best_price)
        dual, own = add(found)
    return best, best_price


def _going_rate(weeks: MemberWeeks, head: np.ndarray, start: list[list[int]]) -> np.ndarray:
    """First prices from the starting roster: what its least paid member earns on each full request,
    nothing on a request with a place left. Near the final prices (where most jobs are worth
    little), so the first weeks are quick to find; the master's prices alone start near zero."""
    rate = np.full(len(head), np.inf)
    count = np.zeros(len(head))
    for pairs in start:
        for p in pairs:
            r = int(weeks.pair_r[p])
            rate[r] = min(rate[r], float(weeks.gain[p]))
            count[r] += 1
    rate[count < head] = 0.0
    return rate


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text())
    except OSError as err:
        raise SystemExit(f"cannot read the {what} {path}: {err.strerror}") from None
    except json.JSONDecodeError as err:
        raise SystemExit(f"{path}: the {what} is not JSON ({err})") from None


def roster_weeks(pb: Problem, paths: list[Path]) -> list[list[int]]:
    """Each member's week in the given rosters (the last roster's, where several name the member)."""
    start: list[list[int]] = [[] for _ in range(pb.n_mem)]
    for path in paths:
        doc = _read_json(path, "roster")
        found: dict[int, list[int]] = {}
        try:
            listed = doc["assignments"] if isinstance(doc, dict) else doc
            assignments = [(a["member_id"], a["request_id"]) for a in listed]
        except (KeyError, TypeError):
            raise SystemExit(f"{path}: not a roster (no assignments with member_id and request_id)") from None
        for member, request in assignments:
            unknown = [x for x, known in ((member, pb.mem_pos), (request, pb.req_pos)) if x not in known]
            if unknown:
                raise SystemExit(f"{path}: {unknown[0]} is not in the instance")
            m = pb.mem_pos[member]
            p = pb.pair(pb.req_pos[request], m)
            if p is None:
                raise SystemExit(f"{path}: {member} cannot take {request}")
            found.setdefault(m, []).append(p)
        for m, pairs in found.items():
            start[m] = pairs
    return start


def upper_bound(pb: Problem, start: list[list[int]], iterations: int, t0: float) -> tuple[int, float]:
    """The bound on the bench objective, and the bound before fairness was counted."""
    weeks = MemberWeeks(pb)
    head = np.array(pb.head, dtype=np.float64)
    plain, price = column_generation(weeks, head, start, iterations, t0)
    fair = fairness_bound(weeks, price, head)
    return math.floor(min(plain, fair) + 0.01), plain  # float sums of integers: a little room


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("instance", type=Path)
    ap.add_argument("--roster", type=Path, action="append", default=[], help="weeks to start from")
    ap.add_argument("--iterations", type=int, default=300, help="most master solves")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from solver import Params
    from solver.bench_format import instance_from_bench
    from solver.problem import Problem

    t0 = time.monotonic()
    try:
        instance = instance_from_bench(_read_json(args.instance, "instance"))
    except ValueError as err:
        raise SystemExit(f"{args.instance}: not a valid instance ({err})") from None
    pb = Problem(instance, Params())
    bound, plain = upper_bound(pb, roster_weeks(pb, args.roster), args.iterations, t0)
    print(f"bound {bound} (without fairness {plain:,.0f}), {time.monotonic() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
