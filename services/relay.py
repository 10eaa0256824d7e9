"""The Kafka relay: follows the outbox and publishes each row to its topic, in order.

The database is the system of record; Kafka only carries what the outbox already committed.
Each batch goes out in one Kafka transaction with the relay's position record
(``services.relay_positions``), and is marked published in the outbox only after that commit. A
batch whose fate is in doubt (a broker killed before it answered, a relay killed before the mark)
is checked against the last committed position before anything is sent again, so each row is on
its topic exactly once for a ``read_committed`` reader (the workers are such readers); the
consumers' inbox still absorbs any repeat (an offset not yet committed when a worker died).
"""

from __future__ import annotations

import logging
from typing import Any

import structlog
from kafka import KafkaAdminClient, KafkaProducer
from kafka.errors import KafkaError, KafkaTimeoutError, TopicAlreadyExistsError, for_code

from events import ALL_TOPICS
from events.topics import RELAY_POSITIONS
from services import relay_positions
from services.metrics import PUBLISHED
from services.settings import Settings
from services.store.outbox import OutboxRow

Topics = dict[str, tuple[int, dict[str, str]]]

log = structlog.get_logger("mechanic.relay")

SEND_TIMEOUT_S = 5.0
"""Shorter than the relay lease, so a send that hangs on a dead broker ends before a standby may
take over (the lease is renewed just before each send). Short, too, because a producer whose
transaction coordinator died keeps asking the dead node; a fresh one finds the new coordinator as
soon as the cluster has moved it (a 3-node cluster's failover took 18.9 s end to end at 10 s)."""
TRANSACTION_TIMEOUT_S = 30.0
"""How long the broker keeps a dead relay's open transaction (which holds back ``read_committed``
readers) before aborting it; a standby's producer aborts it sooner, when it takes over."""
CONNECT_TIMEOUT_S = 60.0
RECONNECT_BACKOFF_MS, RECONNECT_BACKOFF_MAX_MS = 50, 1000
"""kafka-python's reconnect back-off grows to 30 s by default, so a relay resumed up to 17 s after the
broker was back; a second at most keeps recovery within the broker's own start-up time."""


def quiet_kafka_clients() -> None:
    """The Kafka clients narrate every connection at INFO; keep their warnings, drop the chatter."""
    for name in ("kafka", "aiokafka"):
        logging.getLogger(name).setLevel(logging.WARNING)


def bootstrap_servers(settings: Settings) -> list[str]:
    return [s.strip() for s in settings.kafka_bootstrap.split(",") if s.strip()]


def topic_configs(settings: Settings) -> dict[str, str]:
    """Explicit, so a topic never silently inherits a broker default (or is auto-created with one)."""
    return {
        "cleanup.policy": "delete",
        # The database can rebuild any state, so the log need not outlive what the database keeps.
        "retention.ms": str(settings.stream_retention_days * 24 * 3600 * 1000),
        # Kafka deletes whole closed segments only: a quiet topic's open segment would otherwise
        # keep its events up to a week (the broker's default roll) past retention.ms.
        "segment.ms": str(24 * 3600 * 1000),
        "min.insync.replicas": str(min(2, settings.kafka_replication)),
    }


def all_topics(settings: Settings) -> Topics:
    """Every topic Mechanic uses, with its partition count and configs. The relay's positions are
    one partition (read backwards for the last record), compacted to the last record per relay."""
    positions = {**topic_configs(settings), "cleanup.policy": "compact", "segment.ms": str(24 * 3600 * 1000)}
    return {name: (settings.kafka_partitions, topic_configs(settings)) for name in ALL_TOPICS} | {
        RELAY_POSITIONS: (1, positions)
    }


def ensure_topics(settings: Settings, timeout_s: float = CONNECT_TIMEOUT_S) -> list[str]:
    """Create Mechanic's topics that do not exist yet; returns the names created.

    Idempotent and safe to race: a topic created meanwhile by another relay or worker is fine.
    Waits up to ``timeout_s`` for the broker, since the relay may start before Kafka does."""
    topics = all_topics(settings)
    admin = kafka_admin(settings, timeout_s)
    try:
        existing = {
            t["name"]: len(t["partitions"])
            for t in admin.describe_topics(list(topics))
            if t.get("error_code", 0) == 0
        }
        wanted = {
            name: {
                "num_partitions": partitions,
                "replication_factor": settings.kafka_replication,
                "configs": configs,
            }
            for name, (partitions, configs) in topics.items()
            if name not in existing
        }
        for name, partitions in existing.items():
            if partitions != topics[name][0]:
                log.warning(
                    "topic.partitions_differ",
                    topic=name,
                    partitions=partitions,
                    configured=topics[name][0],
                )
        if not wanted:
            return []
        answer = admin.create_topics(wanted, raise_errors=False, wait_for_metadata=True)
        created = []
        for topic in answer["topics"]:
            error = for_code(topic["error_code"])
            if error is TopicAlreadyExistsError:
                continue
            if topic["error_code"] != 0:
                raise error(f"cannot create topic {topic['name']}: {topic.get('error_message')}")
            created.append(topic["name"])
        log.info(
            "topics.created",
            topics=created,
            partitions=settings.kafka_partitions,
            replication=settings.kafka_replication,
        )
        return created
    finally:
        admin.close()


class UnequalPartitions(KafkaError):
    """The event topics disagree on their partition count (one altered by hand)."""


def partitions_on_kafka(settings: Settings, timeout_s: float = CONNECT_TIMEOUT_S) -> int:
    """The event topics' partition count as Kafka has it, which is what the producers' hash spreads
    clubs over. Workers plan by it, whatever MECHANIC_KAFKA_PARTITIONS says today: topics made under
    an older setting keep their count (``ensure_topics`` only creates)."""
    admin = kafka_admin(settings, timeout_s)
    try:
        counts = {t["name"]: len(t["partitions"]) for t in admin.describe_topics(list(ALL_TOPICS))}
    finally:
        admin.close()
    if len(set(counts.values())) != 1:
        raise UnequalPartitions(f"the event topics must have one partition count, not {counts}")
    return next(iter(counts.values()))


def topics_ready(settings: Settings) -> bool:
    """Make sure the topics exist before producing or consuming; False (logged) if Kafka is unreachable."""
    quiet_kafka_clients()
    try:
        ensure_topics(settings)
    except KafkaError as exc:
        log.error("kafka.unreachable", bootstrap=settings.kafka_bootstrap, error=str(exc))
        return False
    return True


def kafka_admin(settings: Settings, timeout_s: float) -> KafkaAdminClient:
    return KafkaAdminClient(
        bootstrap_servers=bootstrap_servers(settings),
        client_id="mechanic-admin",
        bootstrap_timeout_ms=int(timeout_s * 1000),
        reconnect_backoff_ms=RECONNECT_BACKOFF_MS,
        reconnect_backoff_max_ms=RECONNECT_BACKOFF_MAX_MS,
    )


class KafkaSink:
    """The pump's sink for the Kafka mode: sends one batch in one transaction, returns once committed.

    Any failure raises, so the pump leaves the batch unpublished and retries it; the producer is
    then rebuilt, and its ``init_transactions`` settles the open transaction (aborted, or its
    commit completed) and fences any older relay's producer, before the last committed position
    is read again. All relays of one deployment share the transactional id, so only one of them
    can commit at a time, whatever the database lease says."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.published = 0
        self.epoch = 0
        """The relay lease's epoch this sink publishes under, carried in every message's headers."""
        self.transactional_id = f"{settings.worker_id}-relay"
        self.on_topic: relay_positions.OnTopic = {}
        self._producer: KafkaProducer | None = None

    def _connect(self) -> KafkaProducer:
        producer = KafkaProducer(
            bootstrap_servers=bootstrap_servers(self.settings),
            client_id=f"mechanic-relay-{self.settings.worker_id}",
            transactional_id=self.transactional_id,
            transaction_timeout_ms=int(TRANSACTION_TIMEOUT_S * 1000),
            enable_idempotence=True,
            acks="all",
            linger_ms=5,
            max_block_ms=int(SEND_TIMEOUT_S * 1000 / 2),
            max_in_flight_requests_per_connection=5,
            allow_auto_create_topics=False,
            reconnect_backoff_ms=RECONNECT_BACKOFF_MS,
            reconnect_backoff_max_ms=RECONNECT_BACKOFF_MAX_MS,
        )
        self._producer = producer
        producer.init_transactions()
        self.on_topic = relay_positions.last_committed(
            bootstrap_servers(self.settings), self.transactional_id.encode(), SEND_TIMEOUT_S
        )
        return producer

    def __call__(self, rows: list[OutboxRow]) -> None:
        try:
            producer = self._producer or self._connect()
            self.on_topic = relay_positions.settle(self.on_topic, [(r.seq, r.event_id) for r in rows])
            fresh = [row for row in rows if row.event_id not in self.on_topic]
            if fresh:
                on_topic = self.on_topic | {row.event_id: row.seq for row in fresh}
                producer.begin_transaction()
                for row in fresh:
                    producer.send(row.topic, **message(row, self.epoch))
                producer.send(
                    RELAY_POSITIONS,
                    key=self.transactional_id.encode(),
                    value=relay_positions.encode(on_topic),
                )
                _commit(producer, SEND_TIMEOUT_S)
                self.on_topic = on_topic
        except Exception:
            self.close()
            raise
        self.published += len(fresh)
        PUBLISHED.inc(len(fresh))
        log.info(
            "relay.published",
            rows=len(fresh),
            already_on_topic=len(rows) - len(fresh),
            total=self.published,
            last_seq=rows[-1].seq,
        )

    def close(self) -> None:
        producer, self._producer = self._producer, None
        if producer is None:
            return
        try:
            producer.close(timeout=5)
        except KafkaTimeoutError:
            # kafka-python's close() gives up before closing while records are unacked (a broker
            # down). Abort them, then close; the open transaction is aborted by the next producer's
            # init_transactions, or by the broker after the transaction timeout.
            producer._sender.force_close()
            producer.close(timeout=5)


def _commit(producer: KafkaProducer, timeout_s: float) -> None:
    """``commit_transaction`` with a time limit: kafka-python's own waits for ever on a dead broker,
    and a relay stuck there would hold its lease's thread past the lease."""
    producer.flush(timeout=timeout_s)
    result = producer._transaction_manager.begin_commit()
    producer._sender.wakeup()
    if not result.wait(timeout_ms=int(timeout_s * 1000)):
        raise KafkaTimeoutError(f"the transaction's commit was not answered within {timeout_s}s")


def message(row: OutboxRow, epoch: int = 0) -> dict[str, Any]:
    """Keyed by club, so one club's events keep their order on one partition; the relay's epoch
    tells a reader which leader sent a message."""
    return {
        "key": row.club_id.encode(),
        "value": row.payload.encode(),
        "headers": [
            ("event_type", row.type.encode()),
            ("event_id", row.event_id.encode()),
            ("relay_epoch", str(epoch).encode()),
        ],
    }
