"""The relay's contract with the pump: rows are marked published only once Kafka acknowledged all of them.

A producer that fails stands in for a broker outage, so these run without Kafka.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kafka.errors import KafkaTimeoutError, NotEnoughReplicasError
from sqlalchemy import Engine

from events import AvailabilityDeclared, RequestCancelled
from events.topics import RELAY_POSITIONS
from services import relay_positions
from services.pump import pump_once
from services.relay import KafkaSink
from services.settings import Settings
from services.store import outbox
from services.store.db import make_engine, upgrade


class Committing:
    """kafka-python's ``TransactionalRequestResult``: the commit's answer, awaited with a limit."""

    def __init__(self, error: Exception | None) -> None:
        self.error = error

    def wait(self, timeout_ms: int | None = None) -> bool:
        if self.error:
            raise self.error
        return True


class FakeProducer:
    """A transactional producer as kafka-python's ``KafkaProducer`` is one: records what was sent
    and committed; the ``fail_at``-th send fails as the broker would report it, which kafka-python
    raises when the transaction is committed (the sink's bounded commit calls the producer's
    transaction manager and sender, as ``commit_transaction`` does, so those are here too)."""

    def __init__(self, fail_at: int | None = None, error: Exception | None = None) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.committed: list[list[tuple[str, dict[str, Any]]]] = []
        self.fail_at, self.error = fail_at, error
        self.failed: Exception | None = None
        self.in_transaction = self.initialised = self.flushed = self.closed = False
        self._transaction_manager, self._sender = self, self

    def init_transactions(self) -> None:
        self.initialised = True

    def begin_transaction(self) -> None:
        assert not self.in_transaction, "one transaction at a time"
        self.in_transaction, self.sent = True, []

    def send(self, topic: str, **message: Any) -> None:
        assert self.in_transaction, "every send inside a transaction"
        self.sent.append((topic, message))
        if len(self.sent) == self.fail_at:
            self.failed = self.error

    def flush(self, timeout: float | None = None) -> None:
        self.flushed = True

    def begin_commit(self) -> Committing:
        self.in_transaction = False
        if self.failed is None:
            self.committed.append(self.sent)
        return Committing(self.failed)

    def wakeup(self) -> None:
        """The sender thread's nudge; nothing to wake here."""

    def commit_transaction(self) -> None:
        self.begin_commit().wait()

    def abort_transaction(self) -> None:
        self.in_transaction, self.sent = False, []

    def send_offsets_to_transaction(self, offsets: dict[Any, Any], group_metadata: Any) -> None:
        raise NotImplementedError("the relay consumes nothing, so it commits no offsets")

    def close(self, timeout: float | None = None) -> None:
        self.closed = True


class FakeSink(KafkaSink):
    def __init__(self, *producers: FakeProducer) -> None:
        super().__init__(Settings())
        self.producers = list(producers)

    def _connect(self) -> Any:
        """As the real one: a fresh producer, kept until a failure closes it."""
        self._producer = self.producers.pop(0)
        self._producer.init_transactions()
        return self._producer


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path}/relay.db"
    upgrade(url)
    made = make_engine(url)
    with made.begin() as conn:
        outbox.append(conn, AvailabilityDeclared(club_id="club-1", member_id="m-1"))
        outbox.append(conn, RequestCancelled(club_id="club-1", request_id="r-1", partner_id="p-1"))
    yield made
    made.dispose()


def unpublished(engine: Engine) -> list[outbox.OutboxRow]:
    with engine.connect() as conn:
        return outbox.unpublished(conn, 100)


def test_a_failed_send_leaves_the_batch_unpublished_and_the_retry_uses_a_fresh_producer(
    engine: Engine,
) -> None:
    broken = FakeProducer(fail_at=2, error=NotEnoughReplicasError("min.insync.replicas not met"))
    healthy = FakeProducer()
    sink = FakeSink(broken, healthy)
    with pytest.raises(NotEnoughReplicasError):
        pump_once(engine, sink, batch=10)
    assert len(unpublished(engine)) == 2, "nothing marked while any message of the batch failed"
    assert broken.closed

    assert pump_once(engine, sink, batch=10) == 2
    assert unpublished(engine) == []
    assert healthy.flushed and sink.published == 2
    assert broken.committed == [], "the failed batch's transaction never committed"
    ((t1, first), (t2, second), (t3, position)) = healthy.committed[0]
    assert (t1, t2) == ("mechanic.members.v1", "mechanic.requests.v1"), "in outbox order, to each row's topic"
    assert t3 == RELAY_POSITIONS and len(relay_positions.decode(position["value"])) == 2, (
        "the position record, in the same transaction, names both rows"
    )
    assert first["key"] == second["key"] == b"club-1"
    assert dict(first["headers"])["event_type"] == b"AvailabilityDeclared"


def test_a_timeout_is_a_failure_too(engine: Engine) -> None:
    sink = FakeSink(FakeProducer(fail_at=1, error=KafkaTimeoutError("no ack in 60s")))
    with pytest.raises(KafkaTimeoutError):
        pump_once(engine, sink, batch=10)
    assert len(unpublished(engine)) == 2


def test_a_batch_committed_but_not_marked_is_not_sent_again(engine: Engine) -> None:
    """The relay killed (or the database lost) between Kafka's commit and the outbox mark: the
    batch comes round again, and the committed position keeps it off the topics."""
    producer = FakeProducer()
    sink = FakeSink(producer)
    rows = unpublished(engine)
    sink(rows)
    sink(rows)
    assert len(producer.committed) == 1, "the second round sent nothing"
    assert sink.published == 2
    assert pump_once(engine, sink, batch=10) == 2, "the rows are marked published all the same"
    assert len(producer.committed) == 1 and unpublished(engine) == []
