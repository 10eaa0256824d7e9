"""The outbox: events written in the same transaction as the state they describe.

Rows are taken in sequence order while unpublished: the Kafka relay sends them to Kafka, the
embedded dispatcher hands them to the handlers in-process; then both mark them published.
A crash between the two steps sends a row twice; consumers dedupe by event id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, insert, select, update

from events import AnyEvent, encode, topic_for
from services.store.tables import outbox


@dataclass(frozen=True)
class OutboxRow:
    seq: int
    event_id: str
    club_id: str
    topic: str
    type: str
    payload: str


_APPEND = insert(outbox)
"""Built once: every command appends, and compiling the statement afresh cost more than running it."""


def append(conn: Connection, event: AnyEvent) -> None:
    conn.execute(
        _APPEND,
        {
            "event_id": str(event.event_id),
            "club_id": event.club_id,
            "topic": topic_for(event.type),
            "type": event.type,
            "payload": encode(event).decode(),
            "created_at": datetime.now(UTC),
        },
    )


def _rows(conn: Connection, stmt: object) -> list[OutboxRow]:
    return [OutboxRow(**row._mapping) for row in conn.execute(stmt)]  # type: ignore[call-overload]


_COLUMNS = (
    outbox.c.seq,
    outbox.c.event_id,
    outbox.c.club_id,
    outbox.c.topic,
    outbox.c.type,
    outbox.c.payload,
)


def unpublished(conn: Connection, limit: int) -> list[OutboxRow]:
    return _rows(
        conn, select(*_COLUMNS).where(outbox.c.published_at.is_(None)).order_by(outbox.c.seq).limit(limit)
    )


def mark_published(conn: Connection, seqs: list[int]) -> None:
    if seqs:
        conn.execute(update(outbox).where(outbox.c.seq.in_(seqs)).values(published_at=datetime.now(UTC)))
