"""Request-to-proposal latency: how long from a partner's POST until its slots are in a proposal.

Runs the real processes on this machine and drives them over loopback, like a partner would:
    python bench/latency.py --mode embedded --requests 30
    python bench/latency.py --mode kafka --requests 30   # needs MECHANIC_KAFKA_BOOTSTRAP and a
                                                          # PostgreSQL MECHANIC_DATABASE_URL
Prints the median and p95 over the requests, for the demo club, with default settings.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(what: str, probe: Any, timeout_s: float) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            found = probe()
        except httpx.TransportError:
            found = None
        if found:
            return found
        time.sleep(0.02)
    raise SystemExit(f"timed out waiting for {what}")


def load_demo(database_url: str) -> dict[str, Any]:
    from services.demo import load_demo as load
    from services.store.db import make_engine, upgrade

    upgrade(database_url)
    engine = make_engine(database_url)
    with engine.begin() as conn:
        demo = load(conn)
    engine.dispose()
    return {"coordinator": demo.coordinator_token, "partners": demo.partner_tokens}


def start(stack: ExitStack, args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = stack.enter_context(log.open("w"))
    proc = subprocess.Popen([str(BIN / "mechanic"), *args], env=env, stdout=out, stderr=subprocess.STDOUT)
    stack.callback(proc.wait, 30)
    stack.callback(proc.terminate)
    return proc


LOAD_TEST = {"MECHANIC_PARTNER_OPEN_REQUESTS": "1000000", "MECHANIC_PARTNER_REQUESTS_PER_DAY": "1000000"}
"""A load test posts far more than one partner may in a day (services.domain.PartnerQuota)."""


def leafleting(n: int, start_at: datetime, headcount: int = 2, priority: int = 2) -> dict[str, Any]:
    """The JSON body of a one-hour leafleting request in Cardiff: every benchmark's new request."""
    return {
        "kind": "leafleting",
        "title": f"Leafleting {n}",
        "place_name": "Cardiff",
        "lat": 51.48,
        "lon": -3.18,
        "starts_at": start_at.isoformat(),
        "ends_at": (start_at + timedelta(hours=1)).isoformat(),
        "headcount": headcount,
        "priority": priority,
    }


def in_proposal(http: httpx.Client, coordinator: dict[str, str], request_id: str) -> bool:
    answer = http.get("/api/coordinator/rosters/proposed", headers=coordinator)
    if answer.status_code != 200:
        return False
    roster = answer.json()
    return any(e["request_id"] == request_id for e in roster["entries"] + roster["unfilled"])


def measure(http: httpx.Client, tokens: dict[str, Any], n: int) -> list[float]:
    coordinator = {"Authorization": f"Bearer {tokens['coordinator']}"}
    partner = {"Authorization": f"Bearer {next(iter(tokens['partners'].values()))}"}
    wait_until(
        "the first proposal",
        lambda: http.get("/api/coordinator/rosters/proposed", headers=coordinator).status_code == 200,
        120,
    )
    latencies = []
    for i in range(n):
        start_at = (datetime.now(UTC) + timedelta(days=1 + i % 5)).replace(
            hour=10 + i % 8, minute=0, second=0, microsecond=0
        )
        t0 = time.perf_counter()
        made = http.post(
            "/api/partner/requests",
            headers=partner,
            json=leafleting(i, start_at),
        )
        made.raise_for_status()
        request_id = made.json()["id"]
        wait_until(
            f"request {request_id} in a proposal",
            lambda rid=request_id: in_proposal(http, coordinator, rid),
            120,
        )
        latencies.append(time.perf_counter() - t0)
        print(f"  request {i + 1}/{n}: {latencies[-1] * 1000:.0f} ms", file=sys.stderr)
    return latencies


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=["embedded", "kafka"], default="embedded")
    ap.add_argument("--requests", type=int, default=30)
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mechanic-latency-"))
    port = free_port()
    env = dict(os.environ)
    if a.mode == "embedded":
        env["MECHANIC_DATABASE_URL"] = f"sqlite:///{work}/mechanic.db"
    elif not env.get("MECHANIC_DATABASE_URL", "").startswith("postgresql") or not env.get(
        "MECHANIC_KAFKA_BOOTSTRAP"
    ):
        raise SystemExit("kafka mode needs MECHANIC_KAFKA_BOOTSTRAP and a postgresql MECHANIC_DATABASE_URL")
    env["MECHANIC_TRANSPORT"] = a.mode
    env["MECHANIC_WORKER_ID"] = f"latency-{port}"
    tokens = load_demo(env["MECHANIC_DATABASE_URL"])
    with ExitStack() as stack:
        if a.mode == "embedded":
            start(stack, ["up", "--port", str(port)], env, work / "up.log")
        else:
            start(stack, ["relay"], env, work / "relay.log")
            start(stack, ["worker"], env, work / "worker.log")
            start(stack, ["api", "--port", str(port)], env, work / "api.log")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            wait_until("the API", lambda: http.get("/healthz").status_code == 200, 60)
            latencies = measure(http, tokens, a.requests)
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(
        json.dumps(
            {
                "mode": a.mode,
                "requests": len(latencies),
                "median_ms": round(statistics.median(ordered) * 1000),
                "p95_ms": round(p95 * 1000),
                "max_ms": round(ordered[-1] * 1000),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
