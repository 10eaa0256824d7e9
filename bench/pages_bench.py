"""Page speed: every page's p95 render time and the board's size, on the demo club and on a club of
300 members with 250 requests a week for four weeks, served by a real `mechanic up` (embedded mode,
SQLite) and measured from this second process over loopback.

    .venv/bin/python bench/pages_bench.py [--runs 40] [--solve-s 10]

Targets (issue 4): every page < 200 ms p95; the big club's board < 300 KB of HTML.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from services.demo import load_demo
from services.store import accounts, tokens
from services.store.db import make_engine, upgrade
from services.store.tables import assignments, help_requests

CHECKOUT = str(Path(__file__).resolve().parents[1])
MECHANIC = [sys.executable, "-m", "entrypoints.cli"]
"""The ``mechanic`` command of this checkout (first on the path below), not the installed script,
which runs whichever checkout it was installed from (an editable install of another worktree)."""
PASSWORD = "benchmark password"
CLUBS = {
    "demo (40 members, 35 requests/week)": {},
    "big (300 members, 252 requests/week, four weeks)": {"members": 300, "requests_per_day": 36, "days": 28},
}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(url: str, **sizes: Any) -> dict[str, str]:
    """Load the club and give it a coordinator account; returns the links to measure."""
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        demo = load_demo(conn, **sizes)
        coordinator = tokens.resolve(conn, demo.coordinator_token)
        assert coordinator is not None
        accounts.create_coordinator(
            conn, demo.club_id, coordinator.subject_id, "bench@example.org", "Bench", PASSWORD
        )
    engine.dispose()
    busiest = max(demo.partner_tokens.values(), key=lambda t: _partner_requests(url, t))
    return {"partner": busiest, "member": next(iter(demo.member_tokens.values()))}


def _partner_requests(url: str, token: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        who = tokens.resolve(conn, token)
        assert who is not None
        count = len(
            conn.execute(select(help_requests.c.id).where(help_requests.c.partner_id == who.subject_id)).all()
        )
    engine.dispose()
    return count


def wait(what: str, probe: Any, timeout_s: float) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.25)
    raise SystemExit(f"timed out waiting for {what}")


def login(http: httpx.Client) -> None:
    form = http.get("/c/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    http.post("/c/login", data={"csrf": csrf, "email": "bench@example.org", "password": PASSWORD})


def approve(http: httpx.Client) -> None:
    board = http.get("/c/").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', board).group(1)  # type: ignore[union-attr]
    roster = re.search(r'name="roster_id" value="([^"]+)"', board).group(1)  # type: ignore[union-attr]
    http.post("/c/approve", data={"csrf": csrf, "roster_id": roster, "confirm": "1"})


def resolve(http: httpx.Client) -> None:
    board = http.get("/c/").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', board).group(1)  # type: ignore[union-attr]
    http.post("/c/resolve", data={"csrf": csrf})
    wait("the re-solve to start", lambda: not http.get("/c/status.json").json()["pending"], 120)


def busiest_member(url: str) -> str | None:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(assignments.c.member_id)).scalars().all()
    engine.dispose()
    return max(set(rows), key=rows.count) if rows else None


def measure(http: httpx.Client, path: str, runs: int) -> tuple[float, float, int]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        answer = http.get(path)
        times.append((time.perf_counter() - t) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))], len(answer.content)


def bench_club(name: str, sizes: dict[str, int], runs: int, solve_s: float) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/mechanic.db"
        links = prepare(url, **sizes)
        with mechanic_up(tmp, url, solve_s) as http:
            login(http)
            wait("a proposal", lambda: 'name="roster_id"' in http.get("/c/").text, 120 + solve_s * 4)
            approve(http)
            wait("assignments", lambda: busiest_member(url), 30)
            resolve(http)
            wait(
                "a new proposal",
                lambda: "Approve, then re-solve" in http.get("/c/").text,
                120 + solve_s * 4,
            )
            member = _member_token(url, busiest_member(url))
            return [row | {"club": name} for row in _pages(http, links["partner"], member, runs)]


@contextmanager
def mechanic_up(
    tmp: str, url: str, solve_s: float, settings: dict[str, str] | None = None
) -> Iterator[httpx.Client]:
    """A real `mechanic up` on ``url`` (with ``settings``, MECHANIC_ variables, on top) until the
    block ends, and a client of it once it answers."""
    port = _port()
    env = os.environ | {
        "MECHANIC_DATABASE_URL": url,
        "MECHANIC_SOLVE_TIME_LIMIT_S": str(solve_s),
        "MECHANIC_LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join(filter(None, [CHECKOUT, os.environ.get("PYTHONPATH")])),
        **(settings or {}),
    }
    proc = subprocess.Popen(
        [*MECHANIC, "up", "--port", str(port)],
        env=env,
        cwd=tmp,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            wait("the server", lambda: _up(http), 30)
            yield http
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _member_token(url: str, member_id: str | None) -> str:
    engine = make_engine(url)
    with engine.begin() as conn:
        token = tokens.rotate(conn, "member", _club(conn), member_id or "")
    engine.dispose()
    return token


def _club(conn: Any) -> str:
    from services.store.tables import clubs

    return str(conn.execute(select(clubs.c.id)).scalar_one())


def _up(http: httpx.Client) -> bool:
    try:
        return http.get("/healthz").status_code == 200
    except httpx.TransportError:
        return False


def _calendar_feed(http: httpx.Client, member: str) -> str:
    """The member's calendar link, made as they would on their week page; returns its path."""
    csrf = re.search(r'name="csrf" value="([^"]+)"', http.get(f"/m/{member}/").text).group(1)  # type: ignore[union-attr]
    made = http.post(f"/m/{member}/calendar", data={"csrf": csrf}).text
    url = made.split('id="feed" readonly value="')[1].split('"')[0]
    return "/" + url.split("/", 3)[3]


def _pages(http: httpx.Client, partner: str, member: str, runs: int) -> list[dict[str, Any]]:
    request_id = re.search(r"/requests/(r-[0-9a-f]+)", http.get(f"/p/{partner}/").text).group(1)  # type: ignore[union-attr]
    slot = re.search(r'/c/swap\?slot=([^"]+)"', http.get("/c/").text).group(1)  # type: ignore[union-attr]
    paths = [
        f"/p/{partner}/",
        f"/p/{partner}/new",
        f"/p/{partner}/requests/{request_id}",
        f"/m/{member}/",
        f"/m/{member}/availability",
        f"/m/{member}/profile",
        _calendar_feed(http, member),
        "/c/",
        "/c/members",
        "/c/partners",
        "/c/report",
        "/c/report.csv",
        f"/c/swap?slot={slot}",
        "/c/login",
    ]
    out = []
    for path in paths:
        median, p95, size = measure(http, path, runs)
        label = re.sub(r"r-[0-9a-f]+", "{id}", re.sub(r"/(p|m|cal)/[^/]+", r"/\1/{link}", path)).split("?")[0]
        out.append({"page": label, "median_ms": round(median, 1), "p95_ms": round(p95, 1), "bytes": size})
    with http.stream("GET", "/c/", headers={"Accept-Encoding": "gzip"}) as gz:
        wire = sum(len(chunk) for chunk in gz.iter_raw())
    out.append({"page": "/c/ gzip on the wire", "median_ms": 0, "p95_ms": 0, "bytes": wire})
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--solve-s", type=float, default=10)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = [r for name, sizes in CLUBS.items() for r in bench_club(name, sizes, args.runs, args.solve_s)]
    print(f"{'club':40} {'page':28} {'median ms':>10} {'p95 ms':>8} {'KB':>7}")
    for r in rows:
        print(f"{r['club']:40} {r['page']:28} {r['median_ms']:10} {r['p95_ms']:8} {r['bytes'] / 1024:7.1f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    slow = [r for r in rows if r["p95_ms"] >= 200]
    big = [r for r in rows if r["page"] == "/c/" and r["bytes"] >= 300 * 1024]
    print("all pages < 200 ms p95" if not slow else f"SLOW: {slow}")
    print("board < 300 KB" if not big else f"BOARD TOO BIG: {big}")
    return 1 if slow or big else 0


if __name__ == "__main__":
    sys.exit(main())
