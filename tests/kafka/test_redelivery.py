"""Kafka delivers at least once to consumers: the same event read twice must have exactly one effect."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from events import ALL_TOPICS
from events.topics import MEMBERS, ROSTERS
from services.ports import Proposal, Slot
from services.relay import KafkaSink
from services.store.outbox import OutboxRow
from services.store.tables import assignments, outbox, processed_events, schedule_state
from services.store.uow import SqlUnitOfWork
from tests.e2e_support import lift_request, tomorrow_at, wait_for
from tests.kafka.conftest import KafkaStack
from tests.kafka.support import club_events, group_caught_up, group_offsets, set_group_offsets

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

MEMBER = {"skills": ["driver"], "home_lat": 51.48, "home_lon": -3.18, "max_hours_week": 20, "car_seats": 3}


def outbox_row(stack: KafkaStack, event_type: str) -> OutboxRow:
    with stack.engine.connect() as conn:
        rows = conn.execute(
            select(
                outbox.c.seq,
                outbox.c.event_id,
                outbox.c.club_id,
                outbox.c.topic,
                outbox.c.type,
                outbox.c.payload,
            ).where(outbox.c.type == event_type)
        ).all()
    assert len(rows) == 1, f"expected one {event_type} in the outbox, found {len(rows)}"
    return OutboxRow(**rows[0]._mapping)


def approved_roster(stack: KafkaStack, club_id: str, coordinator: dict[str, str]) -> None:
    """A partner's request for two drivers, two members, and a hand-made roster the coordinator approves;
    nothing is relayed, so the test alone decides what reaches Kafka."""
    with stack.api() as http:
        partner = http.post("/api/coordinator/partners", json={"name": "Food bank"}, headers=coordinator)
        members = [
            http.post("/api/coordinator/members", json=MEMBER | {"name": f"M{i}"}, headers=coordinator).json()
            for i in range(2)
        ]
        token = {"Authorization": f"Bearer {members[0]['token']}"}
        weekly = [{"weekday": d, "start": "06:00", "end": "23:00"} for d in range(7)]
        assert http.put("/api/member/availability", json={"weekly": weekly}, headers=token).status_code == 200
        start = tomorrow_at(10)
        made = http.post(
            "/api/partner/requests",
            headers={"Authorization": f"Bearer {partner.json()['token']}"},
            json=lift_request("Lift", start, headcount=2, priority=3),
        )
        assert made.status_code == 201, made.text
        now = datetime.now(UTC)
        entries = tuple(Slot(made.json()["id"], i, m["id"]) for i, m in enumerate(members))
        with SqlUnitOfWork(stack.engine) as uow:
            uow.rosters.add_proposal(
                Proposal(
                    "ro-redelivery",
                    club_id,
                    now,
                    now + timedelta(days=7),
                    "optimal",
                    0,
                    None,
                    2,
                    2,
                    0.1,
                    entries,
                )
            )
            uow.commit()
        answer = http.post("/api/coordinator/rosters/ro-redelivery/approve", json={}, headers=coordinator)
        assert answer.status_code == 200, answer.text


def test_an_event_delivered_twice_has_one_effect(kafka_stack: KafkaStack) -> None:
    """The relay puts each row on its topic once; a second delivery comes from the consumer side,
    as after a worker that handled records but died before committing their offsets: the group
    reads again from an earlier offset, and the inbox skips what it already handled."""
    stack = kafka_stack
    club_id, coordinator = stack.club()
    approved_roster(stack, club_id, coordinator)
    rows = [outbox_row(stack, "RosterApproved"), outbox_row(stack, "AvailabilityDeclared")]
    before = group_offsets(stack.bootstrap, stack.group, ALL_TOPICS)
    sink = KafkaSink(stack.settings)
    sink(rows)
    sink.close()
    for row in rows:
        on_topic = club_events(stack.bootstrap, row.topic, club_id, row.type)
        assert len(on_topic) == 1, f"{row.type} is on its topic once"

    for delivery in (1, 2):
        worker = stack.start("worker")
        wait_for(
            f"the worker to consume and commit delivery {delivery}",
            lambda: group_caught_up(stack.bootstrap, stack.group, ALL_TOPICS),
            timeout_s=60,
        )
        assert worker.stop() == 0
        if delivery == 1:
            set_group_offsets(stack.bootstrap, stack.group, before)

    skipped = worker.log.read_text().count("record.skipped")
    assert skipped == len(rows), f"the second worker read both records again and skipped them ({skipped})"
    for row in rows:
        assert stack.count(processed_events, processed_events.c.event_id == row.event_id) == 1
    assert stack.count(assignments, assignments.c.club_id == club_id) == 2, "one assignment per slot"
    assert stack.count(outbox, outbox.c.type == "AssignmentIssued") == 2
    with stack.engine.connect() as conn:
        generation = conn.execute(
            select(schedule_state.c.generation).where(schedule_state.c.club_id == club_id)
        ).scalar_one()
    assert generation == 1, "one re-solve request from one availability change"
    assert {ROSTERS, MEMBERS} == {row.topic for row in rows}
