"""Incremental re-solve: after an approved roster, how fast, how stable and how good is the next proposal?

Usage: python bench/resolve_bench.py INSTANCE.json [--first-limit 10] [--limit 1] [--cases 6] [--optimum-s 30]

Solves the instance once (the "approved" roster), then for several cases either adds one new
request (a copy of an existing one, an hour later, new id) or declines one approved assignment,
and re-plans (``solver.replan``, as the engine's scheduler does) with the approved roster, the
engine's change penalty and the re-solve time limit. Prints, per case, the wall time of the
re-plan, the kind of solve, the approved assignments it kept and the ones it changed beyond the one
a decline forces. With ``--optimum-s`` each case is also solved whole for that long (HiGHS proves
medium optima in about 6 s here) and the gap to it is printed with the proof status. The process's
own start-up is not included here: this is the scheduler's path, where the solver is loaded.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from solver import Assignment, Instance, Params, Request, replan, solve
from solver.bench_format import instance_from_bench

CHANGE_WEIGHT = 5000  # services.settings.Settings.change_weight


def with_new_request(inst: Instance, rng: random.Random) -> tuple[Instance, str]:
    base = rng.choice(inst.requests)
    shift = 60 if base.end + 60 <= inst.horizon_minutes else -60
    new = Request(
        **{**base.model_dump(), "id": "new-request", "start": base.start + shift, "end": base.end + shift}
    )
    return inst.model_copy(update={"requests": (*inst.requests, new)}), "new request"


def with_decline(
    inst: Instance, approved: tuple[Assignment, ...], rng: random.Random
) -> tuple[Instance, str]:
    gone = rng.choice(approved)
    kept = tuple(a for a in approved if a != gone)
    return inst.model_copy(update={"approved": kept, "forbidden": (gone,)}), f"decline {gone.request_id}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("instance", type=Path)
    ap.add_argument("--first-limit", type=float, default=10.0)
    ap.add_argument("--limit", type=float, default=1.0)
    ap.add_argument("--optimum-s", type=float, default=0.0, help="solve each case whole this long too")
    ap.add_argument("--cases", type=int, default=6)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    base = instance_from_bench(json.loads(a.instance.read_text()))
    print(f"first solve of {base.name} ({a.first_limit:.0f} s) ...", file=sys.stderr)
    first = solve(base, Params(time_limit_s=a.first_limit))
    approved = first.assignments
    print(f"approved roster: {len(approved)} assignments, objective {first.objective}", file=sys.stderr)
    rng = random.Random(a.seed)
    params = Params(time_limit_s=a.limit, change_weight=CHANGE_WEIGHT)
    head = ("case", "wall s", "kind", "kept", "changed", "objective", "optimum", "gap")
    print("{:<32} {:>7} {:>12} {:>11} {:>8} {:>10} {:>18} {:>8}".format(*head))
    for i in range(a.cases):
        inst = base.model_copy(update={"approved": approved})
        inst, label = with_new_request(inst, rng) if i % 2 == 0 else with_decline(inst, approved, rng)
        t0 = time.perf_counter()
        roster = replan(inst, params)
        wall = time.perf_counter() - t0
        now = {(x.request_id, x.member_id) for x in roster.assignments}
        before = {(x.request_id, x.member_id) for x in inst.approved}
        kept = len(before & now)
        optimum = gap = ""
        if a.optimum_s:
            whole = solve(inst, params.model_copy(update={"time_limit_s": a.optimum_s}))
            optimum = f"{whole.objective} {whole.status.value}"
            gap = f"{(whole.objective - roster.objective) / whole.objective:.4%}"
        print(
            f"{label:<32} {wall:7.2f} {roster.kind.value:>12} {kept:>5}/{len(before):<5} "
            f"{len(before) - kept:>8} {roster.objective:>10} {optimum:>18} {gap:>8}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
