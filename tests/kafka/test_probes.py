"""The worker's and the relay's probes and metrics, from real processes: ready while they work, not
answering while frozen (SIGSTOP) and ready again on SIGCONT, not ready (but still live) while the
database is down; and their /metrics carry what an operator watches."""

from __future__ import annotations

import signal
import time
from dataclasses import dataclass

import httpx
import pytest

from tests.e2e_support import free_port, proposal_covering, setup_club, wait_for
from tests.kafka.conftest import KafkaStack, PostgresServer
from tests.kafka.support import Process

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]

PROBE_TIMEOUT_S = 1.0
"""As a probe's timeoutSeconds: a process that does not answer within it fails the probe."""


@dataclass
class Probed:
    process: Process
    port: int

    def get(self, path: str) -> httpx.Response | None:
        """The answer, or None when none came in time (a frozen process)."""
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}{path}", timeout=PROBE_TIMEOUT_S)
        except httpx.TransportError:
            return None

    def ok(self, path: str) -> bool:
        answer = self.get(path)
        return answer is not None and answer.status_code == 200

    def ready(self) -> bool:
        return self.ok("/livez") and self.ok("/readyz")

    def not_ready(self) -> list[str] | None:
        """Why /readyz fails (503 with reasons); None while it answers 200 or not at all."""
        answer = self.get("/readyz")
        if answer is None or answer.status_code != 503:
            return None
        reasons: list[str] = answer.json()["reasons"]
        return reasons

    def metric(self, line_start: str) -> float:
        """The sum of the samples whose lines start with ``line_start`` (there must be one)."""
        answer = self.get("/metrics")
        assert answer is not None and answer.status_code == 200
        found = [line for line in answer.text.splitlines() if line.startswith(line_start)]
        assert found, f"no {line_start} in\n{answer.text}"
        return sum(float(line.rsplit(" ", 1)[1]) for line in found)


def start(stack: KafkaStack, command: str) -> Probed:
    port = free_port()
    knobs = {"metrics_port": str(port), "live_beat_s": "3", "ready_record_s": "5", "ready_backlog_s": "10"}
    return Probed(stack.start(command, **knobs), port)


def frozen_then_thawed(probed: Probed) -> float:
    """SIGSTOP: no probe is answered; SIGCONT: live and ready again. Returns the seconds to ready."""
    probed.process.popen.send_signal(signal.SIGSTOP)
    try:
        time.sleep(0.5)
        assert probed.get("/livez") is None and probed.get("/readyz") is None, "a frozen process answered"
    finally:
        probed.process.popen.send_signal(signal.SIGCONT)
    thawed = time.monotonic()
    wait_for(f"{probed.process.name} live and ready again", probed.ready)
    return time.monotonic() - thawed


def test_worker_and_relay_probes_follow_their_progress(
    postgres_server: PostgresServer, kafka_stack: KafkaStack
) -> None:
    stack = kafka_stack
    relay, worker = start(stack, "relay"), start(stack, "worker")
    wait_for("the relay live and ready", relay.ready)
    wait_for("the worker live and ready (partitions assigned)", worker.ready)

    club_id, coordinator = stack.club()
    with stack.api() as http:
        club = setup_club(http, coordinator)
        wait_for("a proposal", lambda: proposal_covering(http, coordinator, club["requests"]))
    wait_for("the stream drained", stack.drained)

    # What an operator watches, scraped from the processes that do the work.
    assert relay.metric("mechanic_outbox_published_total") >= len(club["requests"])
    assert relay.metric("mechanic_outbox_backlog ") == 0
    assert worker.metric("mechanic_events_total{") >= len(club["requests"])
    assert worker.metric('mechanic_solves_total{outcome="proposed"}') >= 1
    assert worker.metric("mechanic_solve_seconds_count") >= 1
    assert worker.metric(f'mechanic_club_solve_seconds{{club="{club_id}"}}') > 0
    assert worker.metric(f'mechanic_club_solve_status{{club="{club_id}",status="') == 1
    assert worker.metric(f'mechanic_club_planning_failed{{club="{club_id}"}}') == 0
    assert worker.metric("mechanic_consumer_lag{") >= 0
    for probed in (relay, worker):
        for name in ("mechanic_notices_pending", "mechanic_notices_failed", "mechanic_dead_letters "):
            assert probed.metric(name) >= 0

    thawed = {p.process.name: frozen_then_thawed(p) for p in (worker, relay)}

    postgres_server.crash()
    try:
        for probed in (relay, worker):
            reasons = wait_for(f"{probed.process.name} not ready", probed.not_ready, 20)
            assert any("database cannot be reached" in r for r in reasons), reasons
            assert probed.ok("/livez"), "a database outage must not restart the processes"
    finally:
        back = postgres_server.start()
    for probed in (relay, worker):
        wait_for(f"{probed.process.name} ready again", probed.ready, 30)
    print(f"ready after SIGCONT: {thawed}; after the database's return: {time.monotonic() - back:.2f} s")
    relay.process.assert_running()
    worker.process.assert_running()
