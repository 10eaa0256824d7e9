"""A network of clubs under a steady stream of requests: does re-planning keep up?

Builds N demo-sized clubs (40 members, 6 partners, a week of requests each), starts the real
embedded process (``mechanic up``), streams new help requests over HTTP at a fixed total rate spread
over the clubs, and reads from the database when each request first appears in a proposal:

    python -m bench.network_bench --clubs 50 --rate 2 --seconds 60
    python -m bench.network_bench --clubs 1 --rate 5 --seconds 30

Prints p50/p95/max latency (POST to the first proposal holding the request), solves per second,
wasted solves (a proposal of the same club with exactly the same entries and unfilled places as its
previous one) and the worst club's p95. Extra MECHANIC_* settings come from the environment.
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
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, select

from bench.latency import LOAD_TEST, free_port, leafleting, start, wait_until

ROOT = Path(__file__).resolve().parents[1]


def build_clubs(database_url: str, clubs: int) -> list[dict[str, Any]]:
    from services.demo import load_demo
    from services.store.db import make_engine, upgrade

    upgrade(database_url)
    engine = make_engine(database_url)
    made = []
    with engine.begin() as conn:
        for i in range(clubs):
            demo = load_demo(conn, seed=7 + i)
            made.append({"club_id": demo.club_id, "partner": next(iter(demo.partner_tokens.values()))})
    engine.dispose()
    return made


def first_proposals(engine: Engine) -> dict[str, datetime]:
    """When each request first appeared in any proposal (entries or unfilled places)."""
    from services.store.tables import roster_entries, rosters, unfilled_slots

    seen: dict[str, datetime] = {}
    with engine.connect() as conn:
        for table in (roster_entries, unfilled_slots):
            rows = conn.execute(
                select(table.c.request_id, rosters.c.created_at).join(
                    rosters, rosters.c.id == table.c.roster_id
                )
            )
            for request_id, at in rows:
                if request_id not in seen or at < seen[request_id]:
                    seen[request_id] = at
    return seen


def solves(engine: Engine, since: datetime) -> tuple[int, int]:
    """Proposals made since ``since``, and how many of them changed nothing from the club's previous one."""
    from services.store.tables import roster_entries, rosters, unfilled_slots

    with engine.connect() as conn:
        made = conn.execute(
            select(rosters.c.id, rosters.c.club_id, rosters.c.created_at).order_by(rosters.c.created_at)
        ).all()
        content: dict[str, set[tuple[str, int, str]]] = {}
        for table, who in (
            (roster_entries, roster_entries.c.member_id),
            (unfilled_slots, unfilled_slots.c.code),
        ):
            for roster_id, request_id, slot, value in conn.execute(
                select(table.c.roster_id, table.c.request_id, table.c.slot_index, who)
            ):
                content.setdefault(roster_id, set()).add((request_id, slot, value))
    last: dict[str, set[tuple[str, int, str]]] = {}
    count = wasted = 0
    for roster_id, club_id, created_at in made:
        mine = content.get(roster_id, set())
        if created_at >= since:
            count += 1
            wasted += club_id in last and last[club_id] == mine
        last[club_id] = mine
    return count, wasted


def post_request(http: httpx.Client, partner: str, n: int) -> tuple[str, datetime]:
    start_at = (datetime.now(UTC) + timedelta(days=1 + n % 5)).replace(
        hour=8 + n % 10, minute=15 * (n % 4), second=0, microsecond=0
    )
    body = leafleting(n, start_at, headcount=1 + n % 2, priority=1 + n % 5)
    sent = datetime.now(UTC)
    made = http.post("/api/partner/requests", headers={"Authorization": f"Bearer {partner}"}, json=body)
    made.raise_for_status()
    return made.json()["id"], sent


def stream(base_url: str, clubs: list[dict[str, Any]], rate: float, seconds: float) -> dict[str, Any]:
    """POSTs at ``rate`` per second for ``seconds``, round robin over the clubs; request -> (club, sent)."""
    sent: dict[str, Any] = {}
    lock = threading.Lock()
    total = int(rate * seconds)
    t0 = time.monotonic()

    def one(n: int) -> None:
        club = clubs[n % len(clubs)]
        with httpx.Client(base_url=base_url, timeout=30) as http:
            request_id, at = post_request(http, club["partner"], n)
        with lock:
            sent[request_id] = (club["club_id"], at)

    with ThreadPoolExecutor(max_workers=16) as pool:
        for n in range(total):
            time.sleep(max(0.0, t0 + n / rate - time.monotonic()))
            pool.submit(one, n)
    return sent


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clubs", type=int, default=10)
    ap.add_argument("--rate", type=float, default=2.0, help="new requests per second, over all clubs")
    ap.add_argument("--seconds", type=float, default=30.0)
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mechanic-network-"))
    database_url = f"sqlite:///{work}/mechanic.db"
    env = (
        dict(os.environ)
        | {"MECHANIC_DATABASE_URL": database_url, "MECHANIC_LOG_LEVEL": "WARNING"}
        | LOAD_TEST
    )
    print(f"building {a.clubs} demo clubs", file=sys.stderr)
    clubs = build_clubs(database_url, a.clubs)
    from services.store.db import make_engine

    engine = make_engine(database_url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with ExitStack() as stack:
        start(stack, ["up", "--port", str(port)], env, work / "up.log")
        with httpx.Client(base_url=base, timeout=30) as http:
            wait_until("the API", lambda: http.get("/healthz").status_code == 200, 60)
        wait_until(
            "a first proposal for every club",
            lambda: len(first_proposals(engine)) > 0 and _all_planned(engine, clubs),
            600,
        )
        print(f"streaming {a.rate}/s for {a.seconds:.0f} s", file=sys.stderr)
        began = datetime.now(UTC)
        sent = stream(base, clubs, a.rate, a.seconds)
        wait_until("every request in a proposal", lambda: set(sent) <= set(first_proposals(engine)), 600)
        ended = datetime.now(UTC)
    seen = first_proposals(engine)
    latency = {rid: (seen[rid] - at).total_seconds() for rid, (_, at) in sent.items()}
    per_club: dict[str, list[float]] = {}
    for rid, (club_id, _) in sent.items():
        per_club.setdefault(club_id, []).append(latency[rid])
    count, wasted = solves(engine, began)
    engine.dispose()
    values = list(latency.values())
    print(
        json.dumps(
            {
                "clubs": a.clubs,
                "rate_per_s": a.rate,
                "requests": len(values),
                "p50_s": round(statistics.median(values), 2),
                "p95_s": round(percentile(values, 0.95), 2),
                "max_s": round(max(values), 2),
                "worst_club_p95_s": round(max(percentile(v, 0.95) for v in per_club.values()), 2),
                "solves_per_s": round(count / (ended - began).total_seconds(), 2),
                "wasted_solves": wasted,
                "solves": count,
                "load": os.getloadavg()[0],
            }
        )
    )
    return 0


def _all_planned(engine: Engine, clubs: list[dict[str, Any]]) -> bool:
    from services.store.tables import rosters

    with engine.connect() as conn:
        planned = set(conn.execute(select(rosters.c.club_id)).scalars())
    return {c["club_id"] for c in clubs} <= planned


if __name__ == "__main__":
    sys.exit(main())
