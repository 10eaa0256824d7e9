"""Two relays on one database: exactly one publishes; a leader paused past its lease (SIGSTOP) is
replaced by the standby, and when it wakes it learns it lost the lead and publishes nothing more.
Real processes, real Kafka and PostgreSQL; every message is read back from the topic."""

from __future__ import annotations

import signal
import time
from collections import Counter

import pytest

from events import topics
from tests.e2e_support import bearer, lift_request, tomorrow_at, wait_for
from tests.kafka.conftest import KafkaStack
from tests.kafka.support import Process, club_events

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]
LEASE_S = 3


def leading(proc: Process) -> bool:
    return "relay.leading" in proc.log.read_text(errors="replace")


def submit(stack: KafkaStack, partner: dict[str, str], numbers: range) -> list[str]:
    with stack.api() as http:
        made = [
            http.post(
                "/api/partner/requests",
                headers=partner,
                json=lift_request(f"Lift {n}", tomorrow_at(8 + n % 10), 1, 3),
            )
            for n in numbers
        ]
    assert all(m.status_code == 201 for m in made), [m.text for m in made]
    return [m.json()["id"] for m in made]


def test_a_paused_leader_is_fenced_and_the_standby_takes_over(kafka_stack: KafkaStack) -> None:
    stack = kafka_stack
    stack.env["MECHANIC_RELAY_LEASE_S"] = str(LEASE_S)
    first, second = stack.start("relay"), stack.start("relay")  # started at once
    leader = wait_for("one relay to lead", lambda: next((p for p in (first, second) if leading(p)), None), 60)
    standby = second if leader is first else first
    time.sleep(LEASE_S)
    assert not leading(standby), "the second relay stands by while the first holds the lease"
    stack.start("worker")
    club_id, coordinator = stack.club()
    with stack.api() as http:
        partner = bearer(
            http.post("/api/coordinator/partners", json={"name": "Union"}, headers=coordinator).json()[
                "token"
            ]
        )
    before = submit(stack, partner, range(10))
    wait_for("the leader to publish everything", stack.drained, 60)

    leader.popen.send_signal(signal.SIGSTOP)
    try:
        after = submit(stack, partner, range(10, 20))
        wait_for("the standby to take over", lambda: leading(standby), 4 * LEASE_S)
        wait_for("the standby to publish what came since", stack.drained, 60)
    finally:
        leader.popen.send_signal(signal.SIGCONT)
    wait_for(
        "the woken leader to learn it lost the lead", lambda: "relay.lost_lead" in leader.log.read_text(), 30
    )
    more = submit(stack, partner, range(20, 25))
    wait_for("the new leader to publish the rest", stack.drained, 60)

    sent = club_events(stack.bootstrap, topics.REQUESTS, club_id, "RequestSubmitted")
    per_request = Counter(m.event["request_id"] for m in sent)
    assert per_request == Counter({r: 1 for r in before + after + more}), (
        "each request published exactly once"
    )
    epochs = {m.event["request_id"]: int(m.headers["relay_epoch"]) for m in sent}
    assert {epochs[r] for r in before} == {1}
    assert {epochs[r] for r in after + more} == {2}, "after the take-over only the new leader publishes"
    leader.assert_running()
    standby.assert_running()
