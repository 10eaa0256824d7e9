"""A big club's decline, end to end: how soon is the new proposal there, and how good is it?

Builds one demo club of 300 members with about 250 requests a week, starts the real embedded
process (``mechanic up``, default settings), approves its first proposal once the background
improvement has had its time, then has members decline approved assignments one at a time over
HTTP and reads from the database when the proposal that replans each decline is stored, with the
kind of solve that made it:

    python -m bench.decline_bench --declines 8
    python -m bench.decline_bench --declines 8 --optimum-s 30   # and how far from the optimum

Each decline's time is broken down from the database and the process's log: the POST's answer,
the event handled (the dispatcher's pick-up and the handler), waiting for the scheduler (debounce
and tick), then the scheduler's phases (``solve.done``): reading the club, building the instance,
the solver processes (hand-off and solve; ``solver_s`` is the solve alone) and storing the proposal.

With ``--optimum-s``, each decline's planning inputs are read back and solved whole for that long
with the scheduler's own parameters (HiGHS proves the optimum of such a club in about 6 s on this
machine); the gap to the proposal's objective is printed with the proof status.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, select

from bench.latency import LOAD_TEST, free_port, start, wait_until


def build_club(database_url: str, members: int, per_day: int) -> tuple[str, str, dict[str, str]]:
    """The club, its coordinator's id, and each member's token by member id."""
    from services.demo import load_demo
    from services.store import tokens
    from services.store.db import make_engine, upgrade

    upgrade(database_url)
    engine = make_engine(database_url)
    with engine.begin() as conn:
        demo = load_demo(conn, members=members, requests_per_day=per_day)
        coordinator = tokens.resolve(conn, demo.coordinator_token)
        assert coordinator is not None
        by_member = {}
        for token in demo.member_tokens.values():
            who = tokens.resolve(conn, token)
            assert who is not None
            by_member[who.subject_id] = token
    engine.dispose()
    return demo.club_id, coordinator.subject_id, by_member


def latest_proposal(engine: Engine, club_id: str) -> dict[str, Any] | None:
    from services.store.tables import rosters

    ro = rosters.c
    with engine.connect() as conn:
        row = conn.execute(
            select(ro.id, ro.created_at, ro.solve_kind, ro.objective, ro.solve_status)
            .where(ro.club_id == club_id, ro.status == "proposed")
            .order_by(ro.created_at.desc())
            .limit(1)
        ).first()
    return None if row is None else dict(row._mapping)


def newer_proposal(engine: Engine, club_id: str, than: dict[str, Any] | None) -> dict[str, Any] | None:
    found = latest_proposal(engine, club_id)
    return found if found is not None and (than is None or found["id"] != than["id"]) else None


def settled(engine: Engine, club_id: str) -> bool:
    """Every event handled (the approval's assignments, the last decline's) and the club solved."""
    from services.store.tables import outbox, schedule_state

    s = schedule_state.c
    with engine.connect() as conn:
        row = conn.execute(
            select(s.generation, s.solved_generation, s.lease_owner).where(s.club_id == club_id)
        ).first()
        waiting = conn.execute(select(outbox.c.seq).where(outbox.c.published_at.is_(None)).limit(1)).first()
    quiet = row is not None and row.generation == row.solved_generation and row.lease_owner is None
    return quiet and waiting is None


def approve(engine: Engine, club_id: str, coordinator_id: str, roster_id: str) -> None:
    from services.commands import ApproveRoster, execute
    from services.store.uow import SqlUnitOfWork

    execute(SqlUnitOfWork(engine), ApproveRoster(club_id, roster_id, coordinator_id))


def issued(engine: Engine, club_id: str) -> list[tuple[str, str, str]]:
    """(assignment id, request id, member id) of the issued assignments, oldest request first."""
    from services.store.tables import assignments

    a = assignments.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(a.id, a.request_id, a.member_id)
            .where(a.club_id == club_id, a.status == "issued")
            .order_by(a.request_id, a.member_id)
        )
        return [(r.id, r.request_id, r.member_id) for r in rows]


def optimum(engine: Engine, club_id: str, seconds: float) -> tuple[int, str]:
    """The club's inputs as the scheduler reads them now, solved whole for ``seconds``."""
    from services.scheduler import Scheduler, horizon
    from services.settings import Settings
    from services.store.uow import SqlUnitOfWork
    from services.translate import to_instance
    from solver import solve

    settings = Settings()
    params = Scheduler(lambda: SqlUnitOfWork(engine), settings, solve).params
    with SqlUnitOfWork(engine) as uow:
        snap = uow.rosters.snapshot(club_id, *horizon(datetime.now(UTC), settings.horizon_days))
    whole = solve(to_instance(snap), params.model_copy(update={"time_limit_s": seconds}))
    return whole.objective, whole.status.value


def handled(engine: Engine, club_id: str, event_type: str) -> tuple[datetime, datetime] | None:
    """When the club's latest event of ``event_type`` was written, and when it was handled."""
    from services.store.tables import outbox

    o = outbox.c
    with engine.connect() as conn:
        row = conn.execute(
            select(o.created_at, o.published_at)
            .where(o.club_id == club_id, o.type == event_type)
            .order_by(o.seq.desc())
            .limit(1)
        ).first()
    return None if row is None or row.published_at is None else (row.created_at, row.published_at)


def solve_log(log: Path, roster_id: str) -> dict[str, Any] | None:
    """The scheduler's ``solve.done`` record of ``roster_id`` (the process logs JSON lines)."""
    for line in log.read_text().splitlines():
        if roster_id in line and '"solve.done"' in line:
            return dict(json.loads(line))
    return None


def breakdown(
    engine: Engine, club_id: str, log: Path, sent: datetime, answered: datetime, made: dict[str, Any]
) -> dict[str, Any]:
    """Where one decline's time went (seconds from the POST, phase by phase)."""
    event = wait_until("the decline handled", lambda: handled(engine, club_id, "AssignmentDeclined"), 10)
    done = wait_until("the solve's log", lambda: solve_log(log, made["id"]), 10)
    phases = {k: done[k] for k in ("claim_s", "prepare_s", "pool_s", "record_s")}
    started = datetime.fromisoformat(done["timestamp"]) - timedelta(seconds=sum(phases.values()))
    return {
        "post_s": round((answered - sent).total_seconds(), 3),
        "handled_s": round((event[1] - event[0]).total_seconds(), 3),
        "until_claim_s": round((started - event[1]).total_seconds(), 3),
        **phases,
        "solver_s": done["wall_s"],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--members", type=int, default=300)
    ap.add_argument("--requests-per-day", type=int, default=36)
    ap.add_argument("--declines", type=int, default=6)
    ap.add_argument("--gap-s", type=float, default=12.0, help="quiet time between declines")
    ap.add_argument("--optimum-s", type=float, default=0.0, help="solve each decline whole this long")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mechanic-decline-"))
    database_url = f"sqlite:///{work}/mechanic.db"
    env = (
        dict(os.environ)
        | {"MECHANIC_DATABASE_URL": database_url, "MECHANIC_LOG_LEVEL": "INFO", "MECHANIC_LOG_JSON": "true"}
        | LOAD_TEST
    )
    print(f"building a club of {a.members} members", file=sys.stderr)
    club_id, coordinator_id, member_tokens = build_club(database_url, a.members, a.requests_per_day)
    from services.store.db import make_engine

    engine = make_engine(database_url)
    rng = random.Random(a.seed)
    port = free_port()
    rows = []
    with ExitStack() as stack:
        start(stack, ["up", "--port", str(port)], env, work / "up.log")
        wait_until("a first proposal", lambda: latest_proposal(engine, club_id), 300)
        time.sleep(a.gap_s)  # its background improvement, which the coordinator approves
        first = wait_until(
            "a settled club", lambda: settled(engine, club_id) and latest_proposal(engine, club_id), 120
        )
        approve(engine, club_id, coordinator_id, first["id"])
        wait_until("the assignments", lambda: issued(engine, club_id), 60)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            for _ in range(a.declines):
                time.sleep(a.gap_s)  # the background improvement of the last proposal has its time
                wait_until("a settled club", lambda: settled(engine, club_id), 120)
                before = latest_proposal(engine, club_id)
                assignment_id, request_id, member_id = rng.choice(issued(engine, club_id))
                sent = datetime.now(UTC)
                http.post(
                    f"/api/member/assignments/{assignment_id}/decline",
                    headers={"Authorization": f"Bearer {member_tokens[member_id]}"},
                ).raise_for_status()
                answered = datetime.now(UTC)
                made = wait_until("the re-plan", partial(newer_proposal, engine, club_id, before), 60)
                row = {
                    "request": request_id,
                    "latency_s": round((made["created_at"] - sent).total_seconds(), 3),
                    "kind": made["solve_kind"],
                    "objective": made["objective"],
                } | breakdown(engine, club_id, work / "up.log", sent, answered, made)
                if a.optimum_s:
                    best, status = optimum(engine, club_id, a.optimum_s)
                    row |= {
                        "optimum": best,
                        "optimum_status": status,
                        "gap": round((best - made["objective"]) / best, 6),
                    }
                rows.append(row)
                print(json.dumps(row), flush=True)
    engine.dispose()
    latencies = sorted(r["latency_s"] for r in rows)
    print(
        json.dumps(
            {
                "members": a.members,
                "declines": len(rows),
                "max_s": latencies[-1],
                "median_s": latencies[len(latencies) // 2],
                "kinds": sorted({r["kind"] for r in rows}),
                "worst_gap": max((r.get("gap", 0.0) for r in rows), default=None),
                "load": os.getloadavg()[0],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
