"""Benchmark ``python -m solver`` on generated instances of every size and print one table.

Usage: python bench/solve_bench.py [--shared /work/shared/bench] [--seeds 1 2 3] [--sizes medium large]
       [--limit 2] [--greedy] [--mip] [--busy 1]

With ``--greedy`` every instance also gets a row for the reference greedy.py (re-scored by
score.py) and a column comparing every peer to it. With ``--mip`` every instance also gets a row
for HiGHS's MIP alone (bench/mip_peer.py) under the same limit, and the gap column of every row
is measured to the best bound any peer proved. With ``--busy N``, N processes spinning a core each
run beside every peer for the whole benchmark: the solver's answer on a machine another process
shares (on two cores, ``--busy 1`` leaves one core to the peer's two workers). With ``--optima
FILE`` (JSON, instance name to objective, e.g. proven by bench/mip_peer.py at a long limit) those
count among the bounds, so the gap column is the distance to the proven optimum.

Each run is a separate process, timed from outside (wall clock of the whole process, start-up
included) with its peak memory from ``wait4``. Every roster is verified with the reference
``score.py`` when the shared benchmark is available, otherwise with ``solver.check``. A run still
going well past its limit is killed, and its row says so.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

LIMITS = {"tiny": 1.0, "small": 1.0, "medium": 10.0, "large": 60.0, "xl": 120.0}
ROOT = Path(__file__).resolve().parents[1]
_KILL_GRACE_S = 5.0
"""A peer still running this long (or a tenth of its limit, if longer) after its limit is killed."""


def run_solver(cmd: list[str], roster: Path, cap: float) -> tuple[float, int, int | None]:
    """Wall seconds, peak resident memory in KiB and exit code of one solver process (None if it
    was still running ``cap`` seconds after its start and was killed: HiGHS's presolve of a large
    model does not look at its time limit, and a 60 s run went on for 299 s)."""
    t0 = time.monotonic()
    with (roster.parent / f"{roster.stem}.log").open("w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
        timer = threading.Timer(cap, proc.kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        timer.cancel()
    code = os.waitstatus_to_exitcode(status)
    killed = code == -signal.SIGKILL and time.monotonic() - t0 >= cap
    return time.monotonic() - t0, usage.ru_maxrss, None if killed else code


@contextmanager
def busy(n: int) -> Iterator[None]:
    """``n`` processes spinning a core each while the block runs, stopped after it."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        yield
    finally:
        for proc in spinners:
            proc.kill()
            proc.wait()


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


def greedy_objective(shared: Path | None, instance: Path, work: Path) -> int | None:
    """The reference greedy's objective on ``instance``."""
    if shared is None:
        return None
    out = work / f"{instance.stem}.greedy.json"
    subprocess.run(
        [sys.executable, str(shared / "greedy.py"), str(instance), "-o", str(out)],
        check=True,
        capture_output=True,
    )
    greedy = verify(shared, instance, out).get("objective")
    return greedy if isinstance(greedy, int) else None


def peers(
    args: argparse.Namespace, instance: Path, work: Path, limit: float
) -> list[tuple[str, list[str], Path]]:
    """The processes compared on one instance: the solver, and with ``--mip`` the MIP alone."""
    out = [("mechanic", work / f"{instance.stem}.roster.json", "-m", "solver")]
    if args.mip:
        out.append(("mip", work / f"{instance.stem}.mip.json", str(ROOT / "bench" / "mip_peer.py"), ""))
    runs = []
    for label, roster, *entry in out:
        cmd = [sys.executable, *[e for e in entry if e], str(instance), "--time-limit", str(limit)]
        cmd += ["--out", str(roster)] + (["--workers", str(args.workers)] if label == "mechanic" else [])
        runs.append((label, cmd, roster))
    return runs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default = Path("/work/shared/bench")
    ap.add_argument("--shared", type=Path, default=default if default.exists() else None)
    ap.add_argument("--instances", type=Path, help="directory of ready instances named SIZE-sSEED.json")
    ap.add_argument("--sizes", nargs="+", default=list(LIMITS), choices=list(LIMITS))
    ap.add_argument("--seeds", nargs="+", type=int, default=[1])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--limit", type=float, help="time limit for every size (default: the size's own)")
    ap.add_argument(
        "--greedy", action="store_true", help="also run the reference greedy.py: column vs greedy"
    )
    ap.add_argument("--mip", action="store_true", help="also run HiGHS's MIP alone: a row per instance")
    ap.add_argument("--optima", type=Path, help="JSON of proven optima by instance name (bounds)")
    ap.add_argument("--busy", type=int, default=0, help="processes spinning a core each beside the run")
    args = ap.parse_args()
    if args.shared is None and args.instances is None:
        ap.error("need --shared (to generate instances) or --instances")
    with busy(args.busy):
        table(args)
    return 0


def table(args: argparse.Namespace) -> None:
    """Run every peer on every instance and print the table, a row as soon as it is measured."""
    work = Path(tempfile.mkdtemp(prefix="solve-bench-"))
    optima: dict[str, int] = json.loads(args.optima.read_text()) if args.optima else {}
    columns = ["instance", "peer", "limit s", "wall s", "first feasible s", "objective", "bound", "gap"]
    columns += ["slots", *(["vs greedy"] if args.greedy else []), "peak MiB", "check"]
    print("| " + " | ".join(columns) + " |")
    print("|---" * len(columns) + "|")
    for size in args.sizes:
        for seed in args.seeds:
            name = f"{size}-s{seed}"
            instance = (args.instances or work) / f"{name}.json"
            if not instance.exists():
                gen = [sys.executable, str(args.shared / "gen.py"), "--size", size, "--seed", str(seed)]
                subprocess.run([*gen, "-o", str(instance)], check=True, capture_output=True)
            limit = args.limit or LIMITS[size]
            rows = [
                measure(args, instance, label, cmd, roster)
                for label, cmd, roster in peers(args, instance, work, limit)
            ]
            bounds = [b for _, meta, _ in rows if meta and isinstance(b := meta.get("bound"), int)]
            bounds += [optima[name]] if name in optima else []
            best = min(bounds) if bounds else None
            greedy = greedy_objective(args.shared, instance, work) if args.greedy else None
            if greedy:  # the yardstick's own row: its objective, its gap to the same bound
                gap = "" if not best else f"{100 * (best - greedy) / abs(best):.3f}%"
                cells = ["greedy", "", "", "", f"{greedy:,}", "", gap, "", "+0.00%", "", "score.py ok"]
                print("| " + " | ".join([name, *cells]) + " |", flush=True)
            for cells, meta, tail in rows:
                if meta:
                    objective = meta["objective"]
                    gap = "" if not best else f"{100 * (best - objective) / abs(best):.3f}%"
                    cells[6:6] = [
                        f"{objective:,}",
                        "" if meta["bound"] is None else f"{meta['bound']:,}",
                        gap,
                    ]
                    cells.append(f"{meta['filled_slots']}/{meta['total_slots']}")
                    if greedy:
                        cells.append(f"{100 * (objective / greedy - 1):+.2f}%")
                else:
                    cells += [""] * (len(columns) - 1 - len(cells) - len(tail))
                print("| " + " | ".join([name, *cells, *tail]) + " |", flush=True)


def measure(
    args: argparse.Namespace, instance: Path, label: str, cmd: list[str], roster: Path
) -> tuple[list[str], dict[str, Any] | None, list[str]]:
    """One peer's leading cells, its roster's meta (None if it gave no roster) and trailing cells."""
    limit = cmd[cmd.index("--time-limit") + 1]
    wall, rss, code = run_solver(cmd, roster, float(limit) + max(_KILL_GRACE_S, float(limit) / 10))
    if code != 0:
        ended = "killed past its limit" if code is None else f"exit {code}"
        return [label, limit, f"{wall:.2f}", ended], None, [str(rss // 1024), ""]
    meta = json.loads(roster.read_text())["meta"]
    checked = verify(args.shared, instance, roster)
    agrees = checked.get("feasible") and checked.get("objective") == meta["objective"]
    ok = f"{checked['checker']} {'ok' if agrees else 'MISMATCH'}"
    return [label, limit, f"{wall:.2f}", f"{meta['first_feasible_s']:.2f}"], meta, [str(rss // 1024), ok]


if __name__ == "__main__":
    sys.exit(main())
