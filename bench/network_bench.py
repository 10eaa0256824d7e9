"""A network of clubs under a steady stream of requests: does re-planning keep up?

Builds N demo-sized clubs (40 members, 6 partners, a week of requests each), starts the real
processes, streams new help requests over HTTP at a fixed total rate spread over the clubs, and
reads from the database when each request first appears in a proposal:

    python -m bench.network_bench --clubs 50 --rate 2 --seconds 60
    python -m bench.network_bench --clubs 1 --rate 5 --seconds 30
    python -m bench.network_bench --mode kafka --workers 2 --clubs 50 --rate 2 --seconds 60

Embedded mode runs ``mechanic up`` on a new SQLite file. Kafka mode runs ``mechanic relay``, W
``mechanic worker`` processes (one consumer group, starting at the topics' ends) and ``mechanic
api``, on a new database made next to the PostgreSQL one in MECHANIC_DATABASE_URL (its role may
CREATE DATABASE; dropped afterwards), with MECHANIC_KAFKA_BOOTSTRAP.

Prints p50/p95/max latency (POST to the first proposal holding the request), solves per second,
wasted solves (a proposal of the same club with exactly the same entries and unfilled places as its
previous one), the worst club's p95 and max, and the load average. Extra MECHANIC_* settings come
from the environment.
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
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, select

from bench.latency import LOAD_TEST, free_port, leafleting, start, wait_until

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def fresh_postgres(url: str) -> Iterator[str]:
    """A new empty database on the server of ``url``, dropped at the end."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_net_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def group_at_end(bootstrap: str, group: str) -> None:
    """Commit the topics' end offsets for a new consumer group: the workers see only this run's events."""
    from kafka import KafkaConsumer, TopicPartition
    from kafka.structs import OffsetAndMetadata

    from events import ALL_TOPICS
    from services.relay import ensure_topics
    from services.settings import Settings

    ensure_topics(Settings(kafka_bootstrap=bootstrap, transport="kafka"))
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        tps = [
            TopicPartition(t, p) for t in ALL_TOPICS for p in sorted(consumer.partitions_for_topic(t) or ())
        ]
        consumer.commit({tp: OffsetAndMetadata(end, "", -1) for tp, end in consumer.end_offsets(tps).items()})
    finally:
        consumer.close()


def start_services(
    stack: ExitStack, mode: str, workers: int, port: int, env: dict[str, str], work: Path
) -> None:
    if mode == "embedded":
        start(stack, ["up", "--port", str(port)], env, work / "up.log")
        return
    group_at_end(env["MECHANIC_KAFKA_BOOTSTRAP"], env["MECHANIC_WORKER_ID"])
    start(stack, ["relay"], env, work / "relay.log")
    for n in range(workers):
        start(stack, ["worker"], env, work / f"worker-{n + 1}.log")
    start(stack, ["api", "--port", str(port)], env, work / "api.log")


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
    ap.add_argument("--mode", choices=["embedded", "kafka"], default="embedded")
    ap.add_argument("--workers", type=int, default=1, help="Kafka mode: worker processes in the group")
    ap.add_argument("--clubs", type=int, default=10)
    ap.add_argument("--rate", type=float, default=2.0, help="new requests per second, over all clubs")
    ap.add_argument("--seconds", type=float, default=30.0)
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mechanic-network-"))
    env = dict(os.environ) | {"MECHANIC_LOG_LEVEL": "INFO", "MECHANIC_TRANSPORT": a.mode} | LOAD_TEST
    with ExitStack() as databases:
        if a.mode == "embedded":
            database_url = f"sqlite:///{work}/mechanic.db"
        elif env.get("MECHANIC_DATABASE_URL", "").startswith("postgresql") and env.get(
            "MECHANIC_KAFKA_BOOTSTRAP"
        ):
            database_url = databases.enter_context(fresh_postgres(env["MECHANIC_DATABASE_URL"]))
            env["MECHANIC_WORKER_ID"] = f"network-{uuid.uuid4().hex[:8]}"
        else:
            raise SystemExit(
                "kafka mode needs MECHANIC_KAFKA_BOOTSTRAP and a postgresql MECHANIC_DATABASE_URL"
            )
        env["MECHANIC_DATABASE_URL"] = database_url
        result = run(a, database_url, env, work)
    result |= {"mode": a.mode, "workers": a.workers if a.mode == "kafka" else 1, "load": os.getloadavg()[0]}
    print(json.dumps(result))
    return 0


def run(a: argparse.Namespace, database_url: str, env: dict[str, str], work: Path) -> dict[str, Any]:
    print(f"building {a.clubs} demo clubs", file=sys.stderr)
    clubs = build_clubs(database_url, a.clubs)
    from services.store.db import make_engine

    engine = make_engine(database_url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with ExitStack() as stack:
        start_services(stack, a.mode, a.workers, port, env, work)
        with httpx.Client(base_url=base, timeout=30) as http:
            wait_until("the API", lambda: http.get("/healthz").status_code == 200, 60)
        consumer = env.get("MECHANIC_WORKER_ID", "embedded")  # the group's inbox, or the dispatcher's
        wait_until(
            "every club's setup handled and planned",
            lambda: _all_planned(engine, clubs) and _quiet(engine, consumer),
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
    return {
        "clubs": a.clubs,
        "rate_per_s": a.rate,
        "requests": len(values),
        "p50_s": round(statistics.median(values), 2),
        "p95_s": round(percentile(values, 0.95), 2),
        "max_s": round(max(values), 2),
        "worst_club_p95_s": round(max(percentile(v, 0.95) for v in per_club.values()), 2),
        "worst_club_max_s": round(max(max(v) for v in per_club.values()), 2),
        "solves_per_s": round(count / (ended - began).total_seconds(), 2),
        "wasted_solves": wasted,
        "solves": count,
        "logs": str(work),
    }


def _quiet(engine: Engine, consumer: str) -> bool:
    """Every event of the clubs' setup handled by ``consumer`` and every club's changes solved, so
    the stream is measured alone."""
    from sqlalchemy import func

    from services.store.tables import outbox, processed_events, schedule_state

    s = schedule_state.c
    with engine.connect() as conn:
        events = conn.execute(select(func.count()).select_from(outbox)).scalar_one()
        handled = conn.execute(
            select(func.count()).where(processed_events.c.consumer == consumer)
        ).scalar_one()
        behind = conn.execute(select(func.count()).where(s.generation > s.solved_generation)).scalar_one()
    return bool(handled >= events and behind == 0)


def _all_planned(engine: Engine, clubs: list[dict[str, Any]]) -> bool:
    from services.store.tables import rosters

    with engine.connect() as conn:
        planned = set(conn.execute(select(rosters.c.club_id)).scalars())
    return {c["club_id"] for c in clubs} <= planned


if __name__ == "__main__":
    sys.exit(main())
