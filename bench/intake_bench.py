"""Intake: how many help requests a second the API takes in, and how fast it answers, with the
dispatcher and the scheduler (embedded) or the relay and the worker (Kafka) running behind it.

    python -m bench.intake_bench --clients 16 --seconds 20
    python -m bench.intake_bench --mode kafka --clients 16 --seconds 20
        (Kafka mode needs MECHANIC_KAFKA_BOOTSTRAP and a postgresql MECHANIC_DATABASE_URL)

C partner clients POST requests back to back for S seconds over loopback (the demo club's partner
links), each on one keep-alive connection. Prints requests per second, p50/p99 latency of the
answers, and whether anything was lost: every 201 must be a stored request with its
RequestSubmitted event. The load generator shares the machine with the server, so it is kept lean
(asyncio, one hand-built HTTP/1.1 request per POST, no client library; it still reads every status
line and every answer's id) and its own CPU time is printed next to the server's: cores used and
CPU milliseconds per accepted request, for each server process itself (embedded: ``up``, which holds
the API, dispatcher and scheduler; Kafka: ``api``, ``relay``, ``worker``), for their solver
processes together, and for the generator; ``everything_else`` is the rest of the machine's busy
cores (other tenants; in Kafka mode also the broker and PostgreSQL). CPU per request is the figure
to compare between runs on a shared machine: requests per second also measure the other tenants.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select

from bench.latency import LOAD_TEST, free_port, leafleting, load_demo, start, wait_until
from bench.network_bench import percentile

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_s() -> dict[int, tuple[int, float]]:
    """Every process's parent and user + system CPU seconds so far (from /proc)."""
    found: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS)
    return found


def machine_busy_s() -> float:
    """CPU seconds all cores spent busy so far, whoever was busy (from /proc/stat): the machine
    is shared, and in Kafka mode the broker and PostgreSQL are not the benchmark's children."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields[:8]) - idle) / TICKS


def split_cpu_s(roots: dict[str, int]) -> dict[str, float]:
    """CPU seconds of each named server process itself, and of all their descendants together
    (the solver processes), so a run says which part of the machine went where."""
    procs = cpu_s()
    out = {name: procs.get(pid, (0, 0.0))[1] for name, pid in roots.items()}
    todo = [child for child, (up, _) in procs.items() if up in roots.values()]
    out["solvers"] = 0.0
    while todo:
        pid = todo.pop()
        out["solvers"] += procs[pid][1]
        todo.extend(child for child, (up, _) in procs.items() if up == pid)
    return out


def body_for(n: int) -> bytes:
    start_at = (datetime.now(UTC) + timedelta(days=2 + n % 20)).replace(minute=0, second=0, microsecond=0)
    return json.dumps(leafleting(n, start_at, headcount=1)).encode()


async def client(
    port: int, token: str, until: float, n0: int, out: list[tuple[str, float]], refused: list[int]
) -> None:
    """One partner on one keep-alive connection: POST, read the whole answer, POST again."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        f"POST /api/partner/requests HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
    ).encode()
    n = n0
    try:
        while time.monotonic() < until:
            body = body_for(n)
            t0 = time.perf_counter()
            writer.write(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            answer = await reader.readexactly(length)
            took = time.perf_counter() - t0
            status = int(status_line.split()[1])
            if status == 201:
                out.append((json.loads(answer)["id"], took))
            else:
                refused.append(status)
            n += 1000
    finally:
        writer.close()


async def drive(port: int, partners: list[str], clients: int, seconds: float) -> tuple[list, list, float]:
    done: list[tuple[str, float]] = []
    refused: list[int] = []
    until = time.monotonic() + seconds
    began = time.monotonic()
    await asyncio.gather(
        *(client(port, partners[i % len(partners)], until, i, done, refused) for i in range(clients))
    )
    return done, refused, time.monotonic() - began


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=["embedded", "kafka"], default="embedded")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=20.0)
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mechanic-intake-"))
    port = free_port()
    env = dict(os.environ) | {"MECHANIC_LOG_LEVEL": "WARNING", "MECHANIC_TRANSPORT": a.mode} | LOAD_TEST
    if a.mode == "embedded":
        env["MECHANIC_DATABASE_URL"] = f"sqlite:///{work}/mechanic.db"
    elif not env.get("MECHANIC_DATABASE_URL", "").startswith("postgresql") or not env.get(
        "MECHANIC_KAFKA_BOOTSTRAP"
    ):
        raise SystemExit("kafka mode needs MECHANIC_KAFKA_BOOTSTRAP and a postgresql MECHANIC_DATABASE_URL")
    else:
        env["MECHANIC_WORKER_ID"] = f"intake-{port}"
    database_url = env["MECHANIC_DATABASE_URL"]
    tokens = load_demo(database_url)
    partners = list(tokens["partners"].values())
    with ExitStack() as stack:
        if a.mode == "embedded":
            servers = {"up": start(stack, ["up", "--port", str(port)], env, work / "up.log")}
        else:
            servers = {
                "relay": start(stack, ["relay"], env, work / "relay.log"),
                "worker": start(stack, ["worker"], env, work / "worker.log"),
                "api": start(stack, ["api", "--port", str(port)], env, work / "api.log"),
            }
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            wait_until("the API", lambda: http.get("/healthz").status_code == 200, 60)
        time.sleep(2)  # let start-up work (migrations checked, first solve, topics) settle
        roots = {name: p.pid for name, p in servers.items()}
        cpu0, own_cpu0, began = split_cpu_s(roots), time.process_time(), datetime.now(UTC)
        busy0 = machine_busy_s()
        done, refused, elapsed = asyncio.run(drive(port, partners, a.clients, a.seconds))
        own_cpu = time.process_time() - own_cpu0
        busy = machine_busy_s() - busy0
        cpu = {name: spent - cpu0[name] for name, spent in split_cpu_s(roots).items()}
        server_cpu = sum(cpu.values())
        load = os.getloadavg()[0]
        if a.mode == "kafka":
            time.sleep(5)  # the relay marks the last rows published
    from services.store.db import make_engine
    from services.store.tables import help_requests, outbox, rosters

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
        unpublished = conn.execute(select(func.count()).where(outbox.c.published_at.is_(None))).scalar_one()
        solves = conn.execute(select(func.count()).where(rosters.c.created_at >= began)).scalar_one()
    engine.dispose()
    took = [t for _, t in done]
    cores = os.cpu_count() or 1
    print(
        json.dumps(
            {
                "mode": a.mode,
                "clients": a.clients,
                "seconds": round(elapsed, 1),
                "accepted": len(done),
                "refused": {str(s): refused.count(s) for s in sorted(set(refused))},
                "per_s": round(len(done) / elapsed, 1),
                "p50_ms": round(statistics.median(took) * 1000, 1),
                "p99_ms": round(percentile(took, 0.99) * 1000, 1),
                "max_ms": round(max(took) * 1000, 1),
                "stored": stored,
                "lost": len(done) - stored,
                "without_event": len(set(ids) - announced),
                "unpublished_after": unpublished,
                "proposals_stored": solves,
                "server_cpu_share": round(server_cpu / elapsed / cores, 2),
                "generator_cpu_share": round(own_cpu / elapsed / cores, 2),
                "cores_used": {name: round(spent / elapsed, 2) for name, spent in cpu.items()}
                | {"generator": round(own_cpu / elapsed, 2)}
                | {"everything_else": round((busy - server_cpu - own_cpu) / elapsed, 2)},
                "cpu_ms_per_accepted": {
                    name: round(spent * 1000 / max(1, len(done)), 2) for name, spent in cpu.items()
                }
                | {"generator": round(own_cpu * 1000 / max(1, len(done)), 2)},
                "load": load,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
