"""Dead letters: whatever a consumer cannot handle is parked here instead of stalling every event
behind it (its Kafka partition, or the whole embedded dispatcher): an event that keeps failing or
fails in a way no retry can fix, an event of a newer schema version than this worker knows, and a
Kafka record that is no event at all (kept with its topic, partition, offset and exact bytes).
Parking is logged as an error; an operator fixes the cause and replays or discards them
(``mechanic dead-letters --replay`` / ``--discard``)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, select

from events import AnyEvent, encode
from services.store.tables import dead_letters

RAW = "record"
"""The type of a parked record that did not decode as an event."""


@dataclass(frozen=True)
class Where:
    """Where a record was read, for an operator to find it on the topic."""

    topic: str
    partition: int
    offset: int


@dataclass(frozen=True)
class DeadLetter:
    consumer: str
    event_id: str
    type: str
    club_id: str
    payload: str
    error: str
    parked_at: datetime
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None

    def raw(self) -> bytes | None:
        """The record's exact bytes (None for a record without a value)."""
        if self.type != RAW:
            return self.payload.encode()
        return base64.b64decode(self.payload) if self.payload else None


def _park(engine: Engine, values: dict[str, Any]) -> None:
    with engine.begin() as conn:
        conn.execute(insert(dead_letters).values(parked_at=datetime.now(UTC), **values))


def _where(where: Where | None) -> dict[str, Any]:
    return {"topic": where.topic, "partition": where.partition, "offset": where.offset} if where else {}


def park(engine: Engine, consumer: str, event: AnyEvent, error: str, where: Where | None = None) -> None:
    _park(
        engine,
        {
            "consumer": consumer,
            "event_id": str(event.event_id),
            "type": event.type,
            "club_id": event.club_id,
            "payload": encode(event).decode(),
            "error": error[:4000],
            **_where(where),
        },
    )


def park_record(
    engine: Engine, consumer: str, where: Where, key: bytes | None, value: bytes | None, error: str
) -> None:
    """A record that is not an event: its bytes are kept as they were (base64)."""
    _park(
        engine,
        {
            "consumer": consumer,
            "event_id": f"{where.topic}:{where.partition}:{where.offset}"[:128],
            "type": RAW,
            "club_id": (key or b"").decode("utf-8", "replace")[:64],
            "payload": base64.b64encode(value).decode() if value is not None else "",
            "error": error[:4000],
            **_where(where),
        },
    )


def parked(engine: Engine) -> list[DeadLetter]:
    with engine.connect() as conn:
        rows = conn.execute(select(dead_letters).order_by(dead_letters.c.parked_at))
        return [DeadLetter(**row._mapping) for row in rows]


def release(engine: Engine, letter: DeadLetter) -> None:
    d = dead_letters.c
    with engine.begin() as conn:
        conn.execute(delete(dead_letters).where(d.consumer == letter.consumer, d.event_id == letter.event_id))
