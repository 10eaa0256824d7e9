"""``python -m solver INSTANCE --time-limit S --out ROSTER``: solve a benchmark instance file.

``mechanic solve`` calls ``solve_file`` too. The time limit covers the whole process, so the
deadline is counted from when the command started, and a margin is kept for writing the roster.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

from solver.bench_format import instance_from_bench, roster_to_bench
from solver.schema import Params, Roster

log = logging.getLogger("solver")

_EXIT_MARGIN_S = 0.15
_EXIT_MARGIN_SHARE = 0.02


def process_started(fallback: float | None = None) -> float:
    """The monotonic time this process began (Linux), so that the interpreter's start and the imports
    before the solver's own code are counted in its time limit too: on a busy machine they took
    0.3 s, and the whole process overran a 2 s limit by that much. Elsewhere (or when the process is
    not a fresh command's) ``fallback``, or now."""
    now = time.monotonic()
    try:
        with open("/proc/self/stat") as stat, open("/proc/uptime") as uptime:
            ticks = int(stat.read().rsplit(")", 1)[1].split()[19])  # field 22, starttime
            age = float(uptime.read().split()[0]) - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        age = -1.0
    if 0 <= age < 5:
        return now - age
    return now if fallback is None else fallback


def solve_file(
    instance_path: str | Path,
    out_path: str | Path,
    time_limit: float,
    workers: int = 2,
    seed: int = 0,
    started: float | None = None,
) -> Roster:
    """Read a SPEC instance, solve it, write the SPEC roster; ``ValueError`` if the instance is invalid."""
    from solver.engine import solve

    t0 = time.monotonic() if started is None else started
    try:
        raw = json.loads(Path(instance_path).read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"{instance_path}: not JSON ({err})") from None
    instance = instance_from_bench(raw)
    budget = time_limit * (1 - _EXIT_MARGIN_SHARE) - _EXIT_MARGIN_S
    params = Params(time_limit_s=max(budget, 0.05), workers=workers, seed=seed)
    roster = solve(instance, params, started=t0)
    meta = {"time_limit_s": time_limit, "workers": workers, "seed": seed}
    Path(out_path).write_text(json.dumps(roster_to_bench(instance, roster, meta), indent=1) + "\n")
    return roster


def run_cli(argv: list[str], started: float | None = None) -> int:
    t0 = time.monotonic() if started is None else started
    ap = argparse.ArgumentParser(prog="python -m solver", description=__doc__.splitlines()[0])
    ap.add_argument("instance", help="instance JSON (mechanic-bench-instance/1)")
    ap.add_argument("--time-limit", type=float, default=10.0, help="seconds for the whole run")
    ap.add_argument("--out", required=True, help="where to write the roster JSON")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quiet", action="store_true", help="only the summary line")
    args = ap.parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(relativeCreated)7.0f ms %(message)s",
    )
    try:
        roster = solve_file(args.instance, args.out, args.time_limit, args.workers, args.seed, started=t0)
    except (OSError, ValueError) as err:
        print(f"invalid instance: {err}", file=sys.stderr)
        return 2
    gap = "n/a" if roster.gap is None else f"{100 * roster.gap:.3f}%"
    print(
        f"{roster.status}: objective {roster.objective} bound {roster.bound} gap {gap} "
        f"slots {roster.filled_slots}/{roster.total_slots} first-feasible {roster.first_feasible_s:.2f} s "
        f"wall {time.monotonic() - t0:.2f} s",
        file=sys.stderr,
    )
    return 0
