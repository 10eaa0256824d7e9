"""Consumer lag of the worker group, per topic and partition: how far the workers are behind the
events already on Kafka. Served on /metrics by the processes that have a Kafka client (the worker
and the relay); the API has none, so its /metrics leaves it out.

Lag is the partition's last stable offset (what a ``read_committed`` reader can reach) minus the
group's committed offset. The relay publishes in transactions, so a partition at rest shows 1:
the commit marker after its last event, an offset no consumer is given. Partitions the group has
never committed are left out (their lag is not known yet)."""

from __future__ import annotations

from collections.abc import Iterator

import structlog
from kafka import KafkaAdminClient
from kafka.errors import KafkaError
from kafka.protocol.consumer.offsets import IsolationLevel, OffsetSpec
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from events import ALL_TOPICS
from services.relay import kafka_admin
from services.settings import Settings

log = structlog.get_logger("mechanic.metrics")
SCRAPE_TIMEOUT_S = 5.0


def group_lag(admin: KafkaAdminClient, group: str) -> dict[tuple[str, int], int]:
    committed = admin.list_group_offsets({group: None}).get(group, {})
    mine = {tp: at.offset for tp, at in committed.items() if tp.topic in ALL_TOPICS and at.offset >= 0}
    if not mine:
        return {}
    ends = admin.list_partition_offsets(
        dict.fromkeys(mine, OffsetSpec.LATEST),
        isolation_level=IsolationLevel.READ_COMMITTED,
        timeout_ms=int(SCRAPE_TIMEOUT_S * 1000),
    )
    return {(tp.topic, tp.partition): max(0, ends[tp].offset - offset) for tp, offset in mine.items()}


class ConsumerLag(Collector):
    """``mechanic_consumer_lag{topic, partition}``, read from Kafka at each scrape. A broker that
    cannot answer leaves the gauge out of that scrape (logged), never failing the others."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._admin: KafkaAdminClient | None = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "mechanic_consumer_lag",
            "Events on Kafka the worker group has not committed yet, per topic and partition",
            labels=["topic", "partition"],
        )
        try:
            self._admin = self._admin or kafka_admin(self.settings, SCRAPE_TIMEOUT_S)
            lag = group_lag(self._admin, self.settings.worker_id)
        except KafkaError as exc:
            log.warning("metrics.consumer_lag_unavailable", error=str(exc))
            self.close()
            return
        for (topic, partition), behind in sorted(lag.items()):
            family.add_metric([topic, str(partition)], behind)
        yield family

    def close(self) -> None:
        admin, self._admin = self._admin, None
        if admin is not None:
            admin.close()
