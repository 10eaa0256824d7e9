"""Liveness and readiness as the worker's and the relay's loops report them (a clock the test moves),
and the probe server's answers."""

from __future__ import annotations

import json
from typing import Any
from wsgiref.util import setup_testing_defaults

from prometheus_client import CollectorRegistry, Counter

from services.health import Health, Holding
from services.probes import app
from services.stream.ownership import Ownership


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_loop_that_stops_beating_is_no_longer_live_nor_ready() -> None:
    clock = Clock()
    health = Health(beat_within_s=10, clock=clock)
    clock.now += 9
    assert health.live() == [] and health.ready() == []
    clock.now += 2
    assert health.live() == ["the event loop last turned 11.0 s ago"]
    assert health.ready() == health.live()
    health.beat()
    assert health.live() == []


def test_readiness_gives_every_failing_checks_reason_and_survives_a_broken_check() -> None:
    health = Health(beat_within_s=10)

    def broken() -> str | None:
        raise RuntimeError("boom")

    health.checks += [lambda: None, lambda: "the database cannot be reached", broken]
    assert health.ready() == ["the database cannot be reached", "a readiness check failed: RuntimeError"]
    assert health.live() == [], "readiness never touches liveness"


def test_a_record_held_too_long_makes_the_worker_not_ready_until_it_is_done() -> None:
    clock = Clock()
    holding = Holding(within_s=30, clock=clock)
    holding.take("mechanic.members", "mechanic.members[3]@41")
    holding.take("mechanic.requests", "mechanic.requests[0]@7")
    clock.now += 31
    assert holding.check() == "the record at mechanic.members[3]@41 has been in hand for 31 s"
    holding.done("mechanic.members")
    holding.done("mechanic.requests")
    assert holding.check() is None


def test_a_worker_without_partitions_is_not_ready() -> None:
    ownership = Ownership(partitions=12)
    assert ownership.check() == "no partitions are assigned to this worker"
    ownership.assigned([0, 5])
    assert ownership.check() is None
    ownership.revoked([0, 5])
    assert ownership.check() is not None


def _get(path: str, health: Health, registry: CollectorRegistry) -> tuple[str, dict[str, str], bytes]:
    environ: dict[str, Any] = {"PATH_INFO": path}
    setup_testing_defaults(environ)
    answered: dict[str, Any] = {}

    def respond(status: str, headers: list[tuple[str, str]]) -> None:
        answered.update(status=status, headers=dict(headers))

    body = b"".join(app(health, registry)(environ, respond))
    return answered["status"], answered["headers"], body


def test_the_probe_server_answers_json_verdicts_and_metrics_elsewhere() -> None:
    health, registry = Health(beat_within_s=10), CollectorRegistry()
    Counter("mechanic_probe_test", "a counter", registry=registry).inc()
    status, headers, body = _get("/livez", health, registry)
    assert (status, json.loads(body)) == ("200 OK", {"status": "live"})
    assert headers["Content-Type"] == "application/json"
    health.checks.append(lambda: "no partitions are assigned")
    status, _, body = _get("/readyz", health, registry)
    assert status.startswith("503") and json.loads(body) == {"reasons": ["no partitions are assigned"]}
    status, _, body = _get("/metrics", health, registry)
    assert status.startswith("200") and b"mechanic_probe_test_total 1.0" in body
