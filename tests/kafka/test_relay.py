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
from services.pump import pump_once
from services.relay import KafkaSink
from services.settings import Settings
from services.store import outbox
from services.store.db import make_engine, upgrade


class Sent:
    def __init__(self, error: Exception | None) -> None:
        self.error = error

    def get(self, timeout: float | None = None) -> None:
        if self.error:
            raise self.error


class FakeProducer:
    """Records what was sent; the ``fail_at``-th send fails as the broker would report it."""

    def __init__(self, fail_at: int | None = None, error: Exception | None = None) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.fail_at, self.error = fail_at, error
        self.flushed = self.closed = False

    def send(self, topic: str, **message: Any) -> Sent:
        self.sent.append((topic, message))
        return Sent(self.error if len(self.sent) == self.fail_at else None)

    def flush(self, timeout: float | None = None) -> None:
        self.flushed = True

    def close(self, timeout: float | None = None) -> None:
        self.closed = True


class FakeSink(KafkaSink):
    def __init__(self, *producers: FakeProducer) -> None:
        super().__init__(Settings())
        self.producers = list(producers)

    def _connect(self) -> Any:
        return self.producers.pop(0)


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
    (t1, first), (t2, second) = healthy.sent
    assert (t1, t2) == ("mechanic.members.v1", "mechanic.requests.v1"), "in outbox order, to each row's topic"
    assert first["key"] == second["key"] == b"club-1"
    assert dict(first["headers"])["event_type"] == b"AvailabilityDeclared"


def test_a_timeout_is_a_failure_too(engine: Engine) -> None:
    sink = FakeSink(FakeProducer(fail_at=1, error=KafkaTimeoutError("no ack in 60s")))
    with pytest.raises(KafkaTimeoutError):
        pump_once(engine, sink, batch=10)
    assert len(unpublished(engine)) == 2
