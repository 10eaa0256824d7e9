"""An upper bound on a bench instance's optimum where the whole LP does not solve (large, xl).

``python bench/lagrange_bound.py INSTANCE [--roster ROSTER ...] [--iterations N]``

The whole LP of large holds 800 k rows and did not solve in 900 s, so large and xl had no bound to
measure a gap against. This bound prices each request's headcount instead (a Lagrangian relaxation):
at prices ``λ >= 0`` every member plans their own week alone, each job worth its gain less its
request's price, and

    optimum <= Σ_r λ_r · headcount_r + Σ_m (the best week of member m at these prices)

A member's best week is found exactly, by dynamic programming over their jobs in order of end time
and their load, under a relaxation of the rules, so that the bound stays valid: jobs may not overlap
in time (travel between them is ignored) and the load stays within the member's hours.

The prices come from column generation (Dantzig-Wolfe): a master LP chooses among the weeks found so
far, one per member at most and each request's headcount at most, and its row prices find the next
weeks (sought first at prices smoothed towards the best bound's). ``--roster`` starts the master
from a roster's weeks, and the prices from its going rates. When no week is worth more than the
master pays its member, the prices are optimal for this relaxation.

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
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from solver.problem import Problem

ROOT = Path(__file__).resolve().parents[1]
SMOOTHING = 0.8
"""Weeks are sought at prices 80% of the way from the master's to the best bound's (Wentges): the
master's own prices jump about from one solve to the next, and at low prices every job is worth
taking, which makes the weeks long to find and the bound poor. Large s12 from its 60 s roster:
244 s with the master's prices alone, 126 s at 0.5, 104 s at 0.8, the same bound."""
FAIRNESS_PER_MINUTE = 10
"""The bench objective's price of one minute of spread between the most and least loaded member."""


class MemberWeeks:
    """Each member's jobs in order of end time, with what the dynamic programme needs."""

    def __init__(self, pb: Problem) -> None:
        self.unit = math.gcd(*pb.dur, *pb.cap) or 1
        """Loads are counted in units of the gcd of durations and hours, which keeps them exact."""
        self.cap = [c // self.unit for c in pb.cap]
        self.top = max(self.cap, default=0)
        self.gain = np.array(pb.gain, dtype=np.float64)
        self.pair_r = np.array(pb.pair_r, dtype=np.int64)
        self.pairs: list[np.ndarray] = []
        self.req: list[np.ndarray] = []
        self.dur: list[np.ndarray] = []
        self.before: list[np.ndarray] = []
        """Per job, how many of the member's jobs end by its start (the ones it can follow)."""
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
            self.before.append(np.searchsorted(ends[rs], starts[rs], side="right"))

    def table(self, m: int, price: np.ndarray, every_job: bool = False) -> np.ndarray:
        """Row ``k``: the best value of the member's first ``k`` jobs at each exact load (``-inf``
        where none). Without ``every_job`` a job worth nothing is left out: it cannot raise the
        best week, only help reach a given load, which only fairness asks for."""
        reqs, durs, before, cap = self.req[m], self.dur[m], self.before[m], self.cap[m]
        worth = self.gain[self.pairs[m]] - price[reqs]
        table = np.full((len(reqs) + 1, cap + 1), -np.inf)
        table[0, 0] = 0.0
        for k in range(len(reqs)):
            row = table[k + 1]
            row[:] = table[k]
            d = int(durs[k])
            if (every_job or worth[k] > 0) and d <= cap:
                np.maximum(row[d:], table[before[k], : cap + 1 - d] + worth[k], out=row[d:])
        return table

    def week(self, m: int, table: np.ndarray, load: int) -> list[int]:
        """The pairs of the week the table found at ``load``, walked back through its rows."""
        pairs, durs, before = self.pairs[m], self.dur[m], self.before[m]
        out: list[int] = []
        k = len(pairs)
        while k > 0 and load > 0:
            if table[k, load] == table[k - 1, load]:
                k -= 1
                continue
            out.append(int(pairs[k - 1]))
            load -= int(durs[k - 1])
            k = int(before[k - 1])
        return out


def fairness_bound(weeks: MemberWeeks, price: np.ndarray, head: np.ndarray) -> float:
    """The bound at these prices with the spread of loads paid (see the module's docstring)."""
    top = weeks.top
    total = np.zeros((top + 1, top + 1))
    for m in range(len(weeks.cap)):
        last = weeks.table(m, price, every_job=True)[-1]
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

    dual, own = np.zeros(n_req), np.zeros(n_mem)
    if any(start):
        dual, own = add([(m, pairs) for m, pairs in enumerate(start) if pairs])
    best, best_price = math.inf, _going_rate(weeks, head, start) if any(start) else dual
    for it in range(1, iterations + 1):
        found: list[tuple[int, list[int]]] = []
        alpha = 1.0 if it == 1 else SMOOTHING  # the first prices as they are
        for price in (alpha * best_price + (1 - alpha) * dual, dual):
            tables = [weeks.table(m, price) for m in range(n_mem)]
            value = float(price @ head) + sum(max(0.0, float(t[-1].max())) for t in tables)
            if value < best:
                best, best_price = value, price
            for m, table in enumerate(tables):
                pairs = weeks.week(m, table, int(np.argmax(table[-1])))
                worth = float((weeks.gain[pairs] - dual[weeks.pair_r[pairs]]).sum())
                if worth > own[m] + 1e-6:  # pays more than the master pays the member now
                    found.append((m, pairs))
            if found:
                break
        master = lp.getInfo().objective_function_value
        print(
            f"iteration {it}: bound {value:,.0f}, best {best:,.0f}, master LP {master:,.0f}, "
            f"{len(found)} better weeks, {time.monotonic() - t0:.0f} s",
            flush=True,
        )
        if not found:
            break
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


def roster_weeks(pb: Problem, paths: list[Path]) -> list[list[int]]:
    """Each member's week in the given rosters (the last roster's, where several name the member)."""
    start: list[list[int]] = [[] for _ in range(pb.n_mem)]
    for path in paths:
        doc = json.loads(path.read_text())
        found: dict[int, list[int]] = {}
        for a in doc["assignments"] if isinstance(doc, dict) else doc:
            m = pb.mem_pos[a["member_id"]]
            p = pb.pair(pb.req_pos[a["request_id"]], m)
            if p is None:
                raise SystemExit(f"{path}: {a['member_id']} cannot take {a['request_id']}")
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
    pb = Problem(instance_from_bench(json.loads(args.instance.read_text())), Params())
    bound, plain = upper_bound(pb, roster_weeks(pb, args.roster), args.iterations, t0)
    print(f"bound {bound} (without fairness {plain:,.0f}), {time.monotonic() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
