"""The solver benchmark's timing of a peer: a peer that ignores its time limit is stopped, not waited for."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from bench.solve_bench import run_solver


def test_a_peer_still_running_at_its_cap_is_killed_and_reported_as_such(tmp_path: Path) -> None:
    t0 = time.monotonic()
    sleeper = [sys.executable, "-c", "import time; time.sleep(30)"]
    wall, _, code = run_solver(sleeper, tmp_path / "r.json", 1.0)
    assert code is None
    assert 1.0 <= wall < 10 and time.monotonic() - t0 < 10


def test_a_peer_that_ends_in_time_keeps_its_own_exit_code(tmp_path: Path) -> None:
    wall, rss, code = run_solver([sys.executable, "-c", "raise SystemExit(3)"], tmp_path / "r.json", 20.0)
    assert code == 3 and wall < 20 and rss > 0
