"""End to end in Kafka mode: HTTP in, relay and worker as separate processes, assignments out on Kafka."""

from __future__ import annotations

import pytest

from events.topics import ASSIGNMENTS
from tests.e2e_support import (
    approve,
    decline_one_and_check_replan,
    member_assignments,
    proposal_covering,
    setup_club,
    slots,
    wait_for,
)
from tests.kafka.conftest import KafkaStack
from tests.kafka.support import Message, club_events

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]


def issued(stack: KafkaStack, club_id: str, count: int | None = None) -> list[Message] | None:
    """The club's AssignmentIssued messages; None until there are ``count`` of them."""
    found = club_events(stack.bootstrap, ASSIGNMENTS, club_id, "AssignmentIssued")
    return found if count is None or len(found) == count else None


def test_request_to_assignment_on_kafka_and_a_decline_replans_minimally(kafka_stack: KafkaStack) -> None:
    stack = kafka_stack
    relay, worker = stack.start("relay"), stack.start("worker")
    club_id, coordinator = stack.club()
    with stack.api() as http:
        club = setup_club(http, coordinator)
        wait_for(
            "a proposal covering every request",
            lambda: proposal_covering(http, coordinator, club["requests"]),
        )
        wait_for("the worker to settle", stack.settled)
        proposed = proposal_covering(http, coordinator, club["requests"])
        assert proposed is not None
        assert proposed["filled_slots"] == proposed["total_slots"] == 6, proposed
        approve(http, coordinator, proposed["id"])

        on_kafka = wait_for("six AssignmentIssued events on Kafka", lambda: issued(stack, club_id, count=6))
        events = [m.event for m in on_kafka]
        assert {(e["request_id"], e["slot_index"]): e["member_id"] for e in events} == slots(proposed)
        assert {e["roster_id"] for e in events} == {proposed["id"]}
        assert {m.key for m in on_kafka} == {club_id.encode()}, "keyed by club"
        assert len({m.partition for m in on_kafka}) == 1, "one club, one partition"
        assert all(
            m.headers
            == {
                "event_type": b"AssignmentIssued",
                "event_id": m.event["event_id"].encode(),
                "relay_epoch": b"1",
            }
            for m in on_kafka
        ), "the relay that sent each message is known by its lease epoch"

        in_api = {
            (a["id"], a["request_id"], a["slot_index"], member)
            for member, token in club["members"].items()
            for a in member_assignments(http, token)
        }
        assert in_api == {
            (e["assignment_id"], e["request_id"], e["slot_index"], e["member_id"]) for e in events
        }

        approved = http.get("/api/coordinator/rosters/approved", headers=coordinator).json()
        declined, replanned = decline_one_and_check_replan(http, coordinator, club, approved)
        approve(http, coordinator, replanned["id"])
        replacement = wait_for(
            "the replacement AssignmentIssued on Kafka",
            lambda: [
                m.event for m in issued(stack, club_id) or () if m.event["roster_id"] == replanned["id"]
            ],
        )
    key = (declined["request_id"], declined["slot_index"])
    assert [(e["request_id"], e["slot_index"]) for e in replacement] == [key], "only the declined slot moves"
    assert replacement[0]["member_id"] == slots(replanned)[key], "and goes to whom the proposal said"
    declines = club_events(stack.bootstrap, ASSIGNMENTS, club_id, "AssignmentDeclined")
    assert [m.event["assignment_id"] for m in declines] == [declined["id"]]
    wait_for("the worker to consume everything", stack.drained)
    relay.assert_running()
    worker.assert_running()
