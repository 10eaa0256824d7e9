"""Which outbox rows are on the event topics: the relay's position, kept in Kafka itself.

The relay publishes each batch in one Kafka transaction together with a position record listing
the rows that are on the topics but may not be marked published in the outbox yet. The record
commits exactly when the batch does, so after any doubt (a broker killed before the commit's
answer, a relay killed between the commit and the outbox mark, a standby taking over) the last
committed record says which rows must not be sent again. Read with ``read_committed``: aborted
batches and their records are invisible.
"""

from __future__ import annotations

import json
import time

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaTimeoutError

from events.topics import RELAY_POSITIONS

OnTopic = dict[str, int]
"""Event id -> outbox seq of rows committed on the topics and not known to be marked published."""

FIRST_WINDOW = 64


def encode(on_topic: OnTopic) -> bytes:
    return json.dumps(sorted((seq, event_id) for event_id, seq in on_topic.items())).encode()


def decode(value: bytes) -> OnTopic:
    return {str(event_id): int(seq) for seq, event_id in json.loads(value)}


def settle(on_topic: OnTopic, unpublished: list[tuple[int, str]]) -> OnTopic:
    """Forget the rows the outbox has marked since: ``unpublished`` is every unpublished row up to
    its last seq (the pump reads them in seq order), so a remembered row at or below that seq and
    not among them was marked. Rows above it may simply not have been read this time: kept."""
    if not unpublished:
        return on_topic
    ceiling = unpublished[-1][0]
    waiting = {event_id for _, event_id in unpublished}
    return {e: s for e, s in on_topic.items() if e in waiting or s > ceiling}


def last_committed(bootstrap: list[str], key: bytes, timeout_s: float) -> OnTopic:
    """The last committed position record under ``key`` (the relay's transactional id); empty if
    there is none. Reads backwards from the end in growing windows, so a long log costs little."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        isolation_level="read_committed",
        enable_auto_commit=False,
        group_id=None,
        reconnect_backoff_max_ms=1000,
    )
    deadline = time.monotonic() + timeout_s
    try:
        tp = TopicPartition(RELAY_POSITIONS, 0)
        consumer.assign([tp])
        start = consumer.beginning_offsets([tp])[tp]
        end = consumer.end_offsets([tp])[tp]  # the last stable offset, under read_committed
        window = FIRST_WINDOW
        while end > start:
            low = max(start, end - window)
            consumer.seek(tp, low)
            found: bytes | None = None
            while consumer.position(tp) < end:
                if time.monotonic() > deadline:
                    raise KafkaTimeoutError(f"reading {RELAY_POSITIONS} took over {timeout_s}s")
                for record in consumer.poll(timeout_ms=500).get(tp, []):
                    if record.offset < end and record.key == key and record.value is not None:
                        found = record.value
            if found is not None:
                return decode(found)
            end, window = low, window * 2
        return {}
    finally:
        consumer.close()
