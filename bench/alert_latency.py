"""Decline-to-alert latency: how long from a member's decline until the coordinator's alert is
recorded (a row of the notification outbox, which the sender loop then sends).

Runs a real `mechanic up` (embedded mode, SQLite) on the demo club, approves its first proposal,
then declines assignments on work within 48 hours through the member API, one at a time, and
watches the outbox from this second process:

    .venv/bin/python bench/alert_latency.py [--declines 10]

Target (issue "The coordinator's loop"): under 5 s. Prints the median, p95 and max, in ms, of
(the alert row's created_at - the moment before the decline was sent).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bench.pages_bench import approve, login, mechanic_up, prepare, wait
from services.store import alerts, tokens
from services.store.db import make_engine
from services.store.tables import assignments, coordinators, help_requests, notices


def _choose_alerts(url: str) -> None:
    """Email, immediate alerts, no quiet hours: the bench measures recording, not holding."""
    engine = make_engine(url)
    with engine.begin() as conn:
        for coordinator_id in conn.execute(select(coordinators.c.id)).scalars():
            values = alerts.DEFAULTS | {"quiet_start": None, "quiet_end": None}
            alerts.set_choices(conn, coordinator_id, values)
    engine.dispose()


def _soon(url: str, count: int) -> list[tuple[str, str, str]]:
    """(assignment, member, bearer token) for issued assignments on work within 48 hours, one per request."""
    a, r = assignments.c, help_requests.c
    now = datetime.now(UTC)
    engine = make_engine(url)
    with engine.begin() as conn:
        rows = conn.execute(
            select(a.id, a.member_id, a.club_id, a.request_id)
            .join(help_requests, r.id == a.request_id)
            .where(a.status == "issued", r.starts_at > now, r.starts_at <= now + timedelta(hours=47))
            .order_by(r.starts_at)
        ).all()
        seen: set[str] = set()
        issued: dict[str, str] = {}
        picked = []
        for row in rows:
            if row.request_id in seen:
                continue
            seen.add(row.request_id)
            if row.member_id not in issued:  # a new token ends the member's old one: one each
                issued[row.member_id] = tokens.rotate(conn, "member", row.club_id, row.member_id)
            picked.append((row.id, row.member_id, issued[row.member_id]))
            if len(picked) == count:
                break
    engine.dispose()
    return picked


def _recorded(url: str, assignment_id: str) -> datetime | None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                select(notices.c.created_at)
                .where(notices.c.kind == "coord_alert", notices.c.body.contains(assignment_id))
                .limit(1)
            ).scalar()
    finally:
        engine.dispose()


def run(declines: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/mechanic.db"
        prepare(url)
        _choose_alerts(url)
        with mechanic_up(tmp, url, 5) as http:
            login(http)
            wait("a proposal", lambda: 'name="roster_id"' in http.get("/c/").text, 150)
            approve(http)
            picked = wait("assignments within 48 h", lambda: _soon(url, declines), 30)
            latencies = []
            for assignment_id, _, token in picked:
                t0 = datetime.now(UTC)
                answer = http.post(
                    f"/api/member/assignments/{assignment_id}/decline",
                    headers={"Authorization": f"Bearer {token}"},
                    json={"reason": "bench"},
                )
                answer.raise_for_status()
                at = wait("the alert", lambda a=assignment_id: _recorded(url, a), 30)
                latencies.append((at - t0).total_seconds() * 1000)
                time.sleep(0.5)
    latencies.sort()
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    return {
        "declines": len(latencies),
        "median_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(max(latencies), 1),
        "all_ms": [round(x, 1) for x in latencies],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--declines", type=int, default=10)
    args = parser.parse_args()
    print(json.dumps(run(args.declines), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
