"""Decline-to-alert latency: how long from a member's decline until the coordinator's alert email
arrives at a real SMTP server (aiosmtpd, as the tests use), and until the alert is recorded (a row
of the notification outbox, which the sender loop then sends).

Runs a real `mechanic up` (embedded mode, SQLite, sending through that SMTP server) on the demo
club, approves its first proposal, then declines assignments on work within 48 hours through the
member API, one at a time, and watches the outbox and the SMTP inbox from this second process:

    .venv/bin/python bench/alert_latency.py [--declines 10]

Target (issue "The coordinator's loop"): under 5 s. Prints the median, p95 and max, in ms, of
(the moment the email arrived - the moment before the decline was sent), and the same for the
alert row's created_at.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import select

from bench.pages_bench import _port, approve, login, mechanic_up, prepare, wait
from services.commands import SetAlertChoices, execute
from services.ports import AlertChoices
from services.store import alerts, tokens
from services.store.db import make_engine
from services.store.tables import assignments, coordinators, help_requests, notices
from services.store.uow import SqlUnitOfWork


def _choose_alerts(url: str) -> None:
    """Email, immediate alerts, no quiet hours: the bench measures recording, not holding."""
    chosen = AlertChoices(**alerts.DEFAULTS | {"quiet_start": None, "quiet_end": None})
    engine = make_engine(url)
    with engine.begin() as conn:
        found = conn.execute(select(coordinators.c.club_id, coordinators.c.id)).all()
    for club_id, coordinator_id in found:
        execute(SqlUnitOfWork(engine), SetAlertChoices(club_id, coordinator_id, chosen))
    engine.dispose()


class _Inbox:
    """What the SMTP server received: (arrival time, raw message), in order."""

    def __init__(self) -> None:
        self.received: list[tuple[datetime, str]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.received.append((datetime.now(UTC), envelope.content.decode("utf-8", "replace")))
        return "250 Message accepted"

    def arrived(self, needle: str) -> datetime | None:
        with self.lock:
            return next((at for at, raw in self.received if needle in raw), None)


@contextmanager
def smtp_server() -> Iterator[tuple[int, _Inbox]]:
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_port())
    controller.start()
    try:
        yield controller.port, inbox
    finally:
        controller.stop()


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
    with tempfile.TemporaryDirectory() as tmp, smtp_server() as (smtp_port, inbox):
        url = f"sqlite:///{tmp}/mechanic.db"
        prepare(url)
        _choose_alerts(url)
        smtp = {"MECHANIC_SMTP_HOST": "127.0.0.1", "MECHANIC_SMTP_PORT": str(smtp_port)}
        with mechanic_up(tmp, url, 5, smtp) as http:
            login(http)
            wait("a proposal", lambda: 'name="roster_id"' in http.get("/c/").text, 150)
            approve(http)
            picked = wait("assignments within 48 h", lambda: _soon(url, declines), 30)
            recorded, arrived = [], []
            for assignment_id, _, token in picked:
                t0 = datetime.now(UTC)
                answer = http.post(
                    f"/api/member/assignments/{assignment_id}/decline",
                    headers={"Authorization": f"Bearer {token}"},
                    json={"reason": "bench"},
                )
                answer.raise_for_status()
                at = wait("the alert email", lambda a=assignment_id: inbox.arrived(a), 30)
                arrived.append((at - t0).total_seconds() * 1000)
                row = wait("the alert row", lambda a=assignment_id: _recorded(url, a), 30)
                recorded.append((row - t0).total_seconds() * 1000)
                time.sleep(0.5)
    return {
        "declines": len(arrived),
        "email_arrived": _summary(arrived),
        "alert_recorded": _summary(recorded),
    }


def _summary(latencies: list[float]) -> dict[str, Any]:
    latencies = sorted(latencies)
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    return {
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
