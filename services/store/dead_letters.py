"""Dead letters: an event that keeps failing is parked here instead of stalling every event after
it (its Kafka partition, or the whole embedded dispatcher). Parking is logged as an error; an
operator fixes the cause and replays (``mechanic dead-letters --replay``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, insert, select

from events import AnyEvent, encode
from services.store.tables import dead_letters


@dataclass(frozen=True)
class DeadLetter:
    consumer: str
    event_id: str
    type: str
    club_id: str
    payload: str
    error: str
    parked_at: datetime


def park(engine: Engine, consumer: str, event: AnyEvent, error: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(dead_letters).values(
                consumer=consumer,
                event_id=str(event.event_id),
                type=event.type,
                club_id=event.club_id,
                payload=encode(event).decode(),
                error=error[:4000],
                parked_at=datetime.now(UTC),
            )
        )


def parked(engine: Engine) -> list[DeadLetter]:
    with engine.connect() as conn:
        rows = conn.execute(select(dead_letters).order_by(dead_letters.c.parked_at))
        return [DeadLetter(**row._mapping) for row in rows]


def release(engine: Engine, letter: DeadLetter) -> None:
    d = dead_letters.c
    with engine.begin() as conn:
        conn.execute(delete(dead_letters).where(d.consumer == letter.consumer, d.event_id == letter.event_id))
