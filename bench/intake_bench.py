"""Intake: how many help requests a second the embedded process takes in, and how fast it answers,
with the dispatcher and the scheduler running behind it.

    python -m bench.intake_bench --clients 16 --seconds 20

C partner clients POST requests back to back for S seconds over loopback (the demo club's partner
links). Prints requests per second, p50/p99 latency of the answers, and whether anything was lost:
every 201 must be a stored request with its RequestSubmitted event.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select

from bench.latency import LOAD_TEST, free_port, leafleting, load_demo, start, wait_until
from bench.network_bench import percentile


def client(
    base: str, token: str, until: float, n0: int, out: list[tuple[str, float]], lock: threading.Lock
) -> None:
    with httpx.Client(base_url=base, timeout=30, headers={"Authorization": f"Bearer {token}"}) as http:
        n = n0
        while time.monotonic() < until:
            start_at = (datetime.now(UTC) + timedelta(days=2 + n % 20)).replace(
                minute=0, second=0, microsecond=0
            )
            body = leafleting(n, start_at, headcount=1)
            t0 = time.perf_counter()
            answer = http.post("/api/partner/requests", json=body)
            took = time.perf_counter() - t0
            if answer.status_code == 201:
                with lock:
                    out.append((answer.json()["id"], took))
            n += 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=20.0)
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mechanic-intake-"))
    database_url = f"sqlite:///{work}/mechanic.db"
    env = (
        dict(os.environ)
        | {"MECHANIC_DATABASE_URL": database_url, "MECHANIC_LOG_LEVEL": "WARNING"}
        | LOAD_TEST
    )
    tokens = load_demo(database_url)
    partners = list(tokens["partners"].values())
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    done: list[tuple[str, float]] = []
    lock = threading.Lock()
    with ExitStack() as stack:
        start(stack, ["up", "--port", str(port)], env, work / "up.log")
        with httpx.Client(base_url=base, timeout=30) as http:
            wait_until("the API", lambda: http.get("/healthz").status_code == 200, 60)
        until = time.monotonic() + a.seconds
        threads = [
            threading.Thread(target=client, args=(base, partners[i % len(partners)], until, i, done, lock))
            for i in range(a.clients)
        ]
        began = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - began
    from services.store.db import make_engine
    from services.store.tables import help_requests, outbox

    engine = make_engine(database_url)
    ids = [rid for rid, _ in done]
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).where(help_requests.c.id.in_(ids))).scalar_one()
        announced = {
            json.loads(payload)["request_id"]
            for payload in conn.execute(
                select(outbox.c.payload).where(outbox.c.type == "RequestSubmitted")
            ).scalars()
        }
    engine.dispose()
    took = [t for _, t in done]
    print(
        json.dumps(
            {
                "clients": a.clients,
                "accepted": len(done),
                "per_s": round(len(done) / elapsed, 1),
                "p50_ms": round(statistics.median(took) * 1000, 1),
                "p99_ms": round(percentile(took, 0.99) * 1000, 1),
                "stored": stored,
                "lost": len(done) - stored,
                "without_event": len(set(ids) - announced),
                "load": os.getloadavg()[0],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
