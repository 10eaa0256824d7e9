"""The leading relay SIGKILLed while requests stream in: the standby takes over within the lease,
and every request is stored once, on its topic once (read from offset 0), processed once and in
the settled proposal once. A killed leader may die mid-transaction or between Kafka's commit and
the outbox mark; the standby's producer settles the first and its position read covers the second.
"""

from __future__ import annotations

import threading
import time

import pytest

from services.store.tables import help_requests, processed_events
from tests.e2e_support import wait_for
from tests.kafka.conftest import KafkaStack
from tests.kafka.support import Process
from tests.kafka.test_faults_more import (
    MEMBERS,
    RECOVERY_S,
    processed_once,
    published_once,
    requests_handled,
    settled_proposal,
)
from tests.kafka.test_restart import drivers_and_a_partner, each_slot_once, submit

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]
LEASE_S = 3
RATE_PER_S = 20


def leads(proc: Process) -> bool:
    return "relay.leading" in proc.log.read_text(errors="replace")


def test_the_leading_relay_killed_under_load_is_replaced_and_nothing_is_lost_or_doubled(
    kafka_stack: KafkaStack,
) -> None:
    stack = kafka_stack
    stack.env["MECHANIC_RELAY_LEASE_S"] = str(LEASE_S)
    relays = stack.start("relay"), stack.start("relay")
    leader = wait_for("one relay to lead", lambda: next((p for p in relays if leads(p)), None), 60)
    standby = relays[1] if leader is relays[0] else relays[0]
    worker = stack.start("worker")
    club_id, coordinator = stack.club()
    requests: dict[str, int] = {}
    killed: list[float] = []
    handled = processed_events.c.consumer == stack.group

    def kill_mid_stream() -> None:
        wait_for(
            "the stream to be flowing", lambda: stack.count(processed_events, handled) > MEMBERS + 10, 60
        )
        leader.kill()
        killed.append(time.monotonic())

    with stack.api() as http:
        partner = drivers_and_a_partner(http, coordinator, MEMBERS)
        killer = threading.Thread(target=kill_mid_stream)
        killer.start()
        for n in range(80):
            requests |= submit(http, partner, range(n, n + 1))
            time.sleep(1 / RATE_PER_S)
        killer.join(timeout=60)
        assert killed, "the leader was killed mid-stream"
        wait_for("the standby to lead", lambda: leads(standby), timeout_s=4 * LEASE_S, every_s=0.1)
        took_over = time.monotonic()
        wait_for("every request handled", lambda: requests_handled(stack) == 80, timeout_s=60, every_s=0.1)
        handled_s = time.monotonic() - took_over
        wait_for("the outbox drained and the group caught up", stack.drained, timeout_s=120, every_s=0.25)
        caught_up_s = time.monotonic() - took_over
        roster = settled_proposal(stack, http, coordinator, list(requests))
    assert stack.count(help_requests, help_requests.c.club_id == club_id) == len(requests) == 80
    on_topics = published_once(stack, club_id)
    print(
        f"\nrelay killed: standby led {took_over - killed[0]:.2f}s after the kill (lease {LEASE_S}s); "
        f"from then, every request handled after {handled_s:.2f}s, and drained and caught up (the "
        f"solves and their events too) after {caught_up_s:.2f}s; {on_topics} events on the topics, each once"
    )
    assert handled_s < RECOVERY_S, f"the stream caught up {handled_s:.2f}s after the standby took over"
    processed_once(stack)
    each_slot_once(roster, requests)
    standby.assert_running()
    worker.assert_running()
