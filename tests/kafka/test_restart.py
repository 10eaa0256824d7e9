"""The worker that owns the stream's partition SIGKILLed mid-stream (no shutdown, no last commit):
the other worker takes the partition over from the last committed offset, nothing lost or doubled."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.notify.alerts import ALERTS_CONSUMER
from services.notify.service import NOTIFIER_CONSUMER
from services.notify.webhooks import WEBHOOKS_CONSUMER
from services.store.tables import processed_events
from services.stream.ownership import partition_of
from tests.e2e_support import add_drivers, bearer, lift_request, proposal_covering, tomorrow_at, wait_for
from tests.kafka.conftest import KafkaStack
from tests.kafka.support import owned

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]

REQUESTS = 200
MEMBERS = 12


def drivers_and_a_partner(http: httpx.Client, coordinator: dict[str, str], members: int) -> dict[str, str]:
    """``members`` drivers with room for the stream's lifts, and a partner to send them: its headers."""
    add_drivers(http, coordinator, members, max_hours_week=30)
    made = http.post("/api/coordinator/partners", json={"name": "Tenants Union"}, headers=coordinator)
    return bearer(made.json()["token"])


def submit(http: httpx.Client, partner: dict[str, str], numbers: range) -> dict[str, int]:
    """Requests spread over the next five days, one or two people each; returns id -> headcount."""
    made: dict[str, int] = {}
    for n in numbers:
        start = tomorrow_at(7 + n % 14) + timedelta(days=n % 5, minutes=n % 4 * 15)
        headcount = 1 + n % 2
        answer = http.post(
            "/api/partner/requests",
            headers=partner,
            json=lift_request(f"Lift {n}", start, headcount=headcount, priority=1 + n % 5),
        )
        assert answer.status_code == 201, answer.text
        made[answer.json()["id"]] = headcount
    return made


def each_slot_once(roster: dict[str, Any], requests: dict[str, int]) -> None:
    seen = Counter((s["request_id"], s["slot_index"]) for s in roster["entries"] + roster["unfilled"])
    expected = Counter({(r, i): 1 for r, headcount in requests.items() for i in range(headcount)})
    assert seen == expected, f"slots missing {expected - seen}, doubled {seen - expected}"
    assert all(u["code"] and u["reason"] for u in roster["unfilled"]), "every unfilled slot says why"


def test_a_killed_workers_partition_is_taken_over_and_nothing_is_lost_or_doubled(
    kafka_stack: KafkaStack,
) -> None:
    stack = kafka_stack
    # One partner sends them all: more than the default daily quota (100).
    stack.settings = stack.settings.model_copy(update={"partner_requests_per_day": REQUESTS})
    stack.start("relay")
    workers = stack.start("worker"), stack.start("worker")
    every = set(range(stack.settings.kafka_partitions))
    wait_for(
        "the two workers to share the partitions", lambda: owned(workers[0]) | owned(workers[1]) == every
    )
    club_id, coordinator = stack.club()
    partition = partition_of(club_id, stack.settings.kafka_partitions)
    with stack.api() as http:
        partner = drivers_and_a_partner(http, coordinator, MEMBERS)
        requests = submit(http, partner, range(REQUESTS // 2))
        handled = processed_events.c.consumer == stack.group
        wait_for(
            "the owner to be mid-stream",
            lambda: stack.count(processed_events, handled) >= 2 * MEMBERS + REQUESTS // 4,
            timeout_s=60,
        )
        owner, survivor = workers if partition in owned(workers[0]) else workers[::-1]
        owner.kill()
        at_kill = stack.count(processed_events, handled)
        requests |= submit(http, partner, range(REQUESTS // 2, REQUESTS))

        def done() -> dict[str, Any] | None:
            if not stack.settled():
                return None
            return proposal_covering(http, coordinator, list(requests))

        # A solve cut short by the kill holds its lease until it expires: allow for it.
        roster = wait_for("every request in one settled proposal", done, timeout_s=150, every_s=0.5)
    each_slot_once(roster, requests)
    assert roster["filled_slots"] > 0
    with stack.engine.connect() as conn:
        ids = [row.event_id for row in conn.execute(select(processed_events.c.event_id).where(handled))]
    # the notifier, the partner webhooks and the coordinators' alerts keep inboxes of their own
    groups = processed_events.c.consumer.not_in((NOTIFIER_CONSUMER, WEBHOOKS_CONSUMER, ALERTS_CONSUMER))
    assert len(ids) == len(set(ids)) == stack.count(processed_events, groups), (
        "each event processed once, by one group"
    )
    assert at_kill < len(ids), "the kill happened mid-stream"
    assert partition in owned(survivor), "the survivor took the partition over"
