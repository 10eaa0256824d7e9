"""Benchmark ``python -m solver`` on generated instances of every size and print one table.

Usage: python bench/solve_bench.py [--shared /work/shared/bench] [--seeds 1 2 3] [--sizes medium large]

Each run is a separate process, timed from outside (wall clock of the whole process, start-up
included) with its peak memory from ``wait4``. Every roster is verified with the reference
``score.py`` when the shared benchmark is available, otherwise with ``solver.check``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LIMITS = {"tiny": 1.0, "small": 1.0, "medium": 10.0, "large": 60.0, "xl": 120.0}
ROOT = Path(__file__).resolve().parents[1]


def run_solver(instance: Path, roster: Path, limit: float, workers: int) -> tuple[float, int, int]:
    """Wall seconds, peak resident memory in KiB and exit code of one solver process."""
    cmd = [sys.executable, "-m", "solver", str(instance), "--time-limit", str(limit), "--out", str(roster)]
    t0 = time.monotonic()
    with (roster.parent / f"{roster.stem}.log").open("w") as log:
        proc = subprocess.Popen([*cmd, "--workers", str(workers)], cwd=ROOT, stderr=log)
        _, status, usage = os.wait4(proc.pid, 0)
    return time.monotonic() - t0, usage.ru_maxrss, os.waitstatus_to_exitcode(status)


def verify(shared: Path | None, instance: Path, roster: Path) -> dict[str, object]:
    if shared is not None:
        out = subprocess.run(
            [sys.executable, str(shared / "score.py"), str(instance), str(roster), "--json"],
            capture_output=True,
            text=True,
        )
        result: dict[str, object] = json.loads(out.stdout) if out.stdout else {"feasible": False}
        result["checker"] = "score.py"
        return result
    sys.path.insert(0, str(ROOT))
    from solver import Assignment, check
    from solver.bench_format import instance_from_bench

    inst = instance_from_bench(json.loads(instance.read_text()))
    doc = json.loads(roster.read_text())
    res = check(inst, [Assignment(**a) for a in doc["assignments"]])
    return {"feasible": res.feasible, "objective": res.objective, "checker": "solver.check"}


def greedy_gain(shared: Path | None, instance: Path, work: Path, objective: int) -> str:
    """How far above the reference greedy's objective ``objective`` is, e.g. ``+1.73%``."""
    if shared is None:
        return ""
    out = work / f"{instance.stem}.greedy.json"
    subprocess.run(
        [sys.executable, str(shared / "greedy.py"), str(instance), "-o", str(out)],
        check=True,
        capture_output=True,
    )
    greedy = verify(shared, instance, out).get("objective")
    return "" if not isinstance(greedy, int) else f"{100 * (objective / greedy - 1):+.2f}%"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default = Path("/work/shared/bench")
    ap.add_argument("--shared", type=Path, default=default if default.exists() else None)
    ap.add_argument("--instances", type=Path, help="directory of ready instances named SIZE-sSEED.json")
    ap.add_argument("--sizes", nargs="+", default=list(LIMITS), choices=list(LIMITS))
    ap.add_argument("--seeds", nargs="+", type=int, default=[1])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--greedy", action="store_true", help="also run the reference greedy.py: column vs greedy"
    )
    args = ap.parse_args()
    if args.shared is None and args.instances is None:
        ap.error("need --shared (to generate instances) or --instances")
    work = Path(tempfile.mkdtemp(prefix="solve-bench-"))
    columns = ["instance", "limit s", "wall s", "first feasible s", "objective", "bound", "gap", "slots"]
    if args.greedy:
        columns.append("vs greedy")
    print("| " + " | ".join([*columns, "peak MiB", "check"]) + " |")
    print("|---" * (len(columns) + 2) + "|")
    for size in args.sizes:
        for seed in args.seeds:
            name = f"{size}-s{seed}"
            instance = (args.instances or work) / f"{name}.json"
            if not instance.exists():
                gen = [sys.executable, str(args.shared / "gen.py"), "--size", size, "--seed", str(seed)]
                subprocess.run([*gen, "-o", str(instance)], check=True, capture_output=True)
            roster = work / f"{name}.roster.json"
            wall, rss, code = run_solver(instance, roster, LIMITS[size], args.workers)
            if code != 0:
                cells = [name, f"{LIMITS[size]:g}", f"{wall:.2f}", f"solver exit {code}"]
                cells += [""] * (len(columns) - len(cells))
                print("| " + " | ".join([*cells, str(rss // 1024), ""]) + " |")
                continue
            meta = json.loads(roster.read_text())["meta"]
            checked = verify(args.shared, instance, roster)
            agrees = checked.get("feasible") and checked.get("objective") == meta["objective"]
            ok = "ok" if agrees else "MISMATCH"
            bound = meta["bound"]
            gap = "" if not bound else f"{100 * abs(bound - meta['objective']) / abs(bound):.2f}%"
            extra = f" {greedy_gain(args.shared, instance, work, meta['objective'])} |" if args.greedy else ""
            print(
                f"| {name} | {LIMITS[size]:g} | {wall:.2f} | {meta['first_feasible_s']:.2f} | "
                f"{meta['objective']:,} | {'' if bound is None else f'{bound:,}'} | {gap} | "
                f"{meta['filled_slots']}/{meta['total_slots']} |{extra} {rss // 1024} | "
                f"{checked['checker']} {ok} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
