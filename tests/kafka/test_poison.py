"""Poison records on a real topic, read by a real worker: each kind is parked with its topic,
partition, offset and bytes, and the event behind them is handled without delay."""

from __future__ import annotations

import json
import subprocess

import httpx
import pytest
from kafka import KafkaProducer
from sqlalchemy import select

from events import AvailabilityDeclared, encode
from events.topics import MEMBERS
from services.store import dead_letters
from services.store.tables import processed_events
from tests.e2e_support import MECHANIC, free_port, wait_for
from tests.kafka.conftest import KafkaStack

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]


def test_every_kind_of_poison_record_is_parked_and_the_stream_goes_on(kafka_stack: KafkaStack) -> None:
    stack = kafka_stack
    port = free_port()
    worker = stack.start("worker", metrics_port=str(port))
    club_id, _ = stack.club()
    good = AvailabilityDeclared(club_id=club_id, member_id="m-1")
    newer = AvailabilityDeclared(club_id=club_id, member_id="m-2", schema_version=99)
    poison = {
        "null": None,
        "garbage": b"\\xff\\x00 not json",
        "unknown type": json.dumps({"type": "Nonsense", "club_id": club_id}).encode(),
        "array": b"[1, 2, 3]",
    }
    producer = KafkaProducer(bootstrap_servers=stack.bootstrap)
    try:
        for value in (*poison.values(), encode(newer), encode(good)):
            producer.send(MEMBERS, key=club_id.encode(), value=value)
        producer.flush(timeout=30)
    finally:
        producer.close()

    def handled() -> bool:
        with stack.engine.connect() as conn:
            return str(good.event_id) in set(conn.execute(select(processed_events.c.event_id)).scalars())

    wait_for("the good event behind the poison", handled, 60)
    letters = dead_letters.parked(stack.engine)
    records = [x for x in letters if x.type == "record"]
    assert [x.raw() for x in records] == list(poison.values())
    assert all(x.topic == MEMBERS and x.partition is not None and x.offset is not None for x in records)
    assert len({x.offset for x in records}) == len(poison)
    [later] = [x for x in letters if x.type != "record"]
    assert later.event_id == str(newer.event_id) and "schema version 99" in later.error
    scraped = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    counted = f'mechanic_events_total{{consumer="{stack.group}",outcome="parked"}} {len(letters)}.0'
    assert counted in scraped.splitlines(), "every parked record and event is counted"
    listing = dead_letters_cli(stack)
    assert listing.returncode == 0 and f"read at {MEMBERS}[" in listing.stdout
    replay = dead_letters_cli(stack, "--replay")
    assert replay.returncode == 1 and "replayed" not in replay.stdout, replay.stdout
    assert replay.stderr.count("still failing") == len(letters) == len(poison) + 1, replay.stderr
    assert len(dead_letters.parked(stack.engine)) == len(letters), "none can be handled by this version"
    discard = dead_letters_cli(stack, "--discard")
    assert discard.returncode == 0 and discard.stdout.count("discarded") == len(letters)
    assert dead_letters.parked(stack.engine) == []
    worker.assert_running()


def dead_letters_cli(stack: KafkaStack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MECHANIC, "dead-letters", *args], env=stack.env, capture_output=True, text=True, cwd=stack.workdir
    )


def test_a_record_of_an_aborted_transaction_is_never_handled(kafka_stack: KafkaStack) -> None:
    """The worker reads committed records only: an event whose transaction aborted (as a killed or
    fenced relay leaves them) is neither handled nor parked, and the committed one after it is."""
    stack = kafka_stack
    worker = stack.start("worker")
    club_id, _ = stack.club()
    aborted = AvailabilityDeclared(club_id=club_id, member_id="m-aborted")
    committed = AvailabilityDeclared(club_id=club_id, member_id="m-committed")
    producer = KafkaProducer(
        bootstrap_servers=stack.bootstrap, transactional_id=f"{stack.group}-aborting", enable_idempotence=True
    )
    try:
        producer.init_transactions()
        producer.begin_transaction()
        producer.send(MEMBERS, key=club_id.encode(), value=encode(aborted))
        producer.flush(timeout=30)
        producer.abort_transaction()
        producer.begin_transaction()
        producer.send(MEMBERS, key=club_id.encode(), value=encode(committed))
        producer.commit_transaction()
    finally:
        producer.close()

    def handled() -> set[str]:
        with stack.engine.connect() as conn:
            return set(conn.execute(select(processed_events.c.event_id)).scalars())

    wait_for("the committed event", lambda: str(committed.event_id) in handled(), 60)
    assert str(aborted.event_id) not in handled()
    assert dead_letters.parked(stack.engine) == []
    worker.assert_running()
