"""The worker group's consumer lag on /metrics: events published while no worker runs show as lag
on their partitions, and the worker's own /metrics shows it gone once the worker caught up."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from events import ALL_TOPICS
from services.consumer_lag import ConsumerLag
from services.relay import KafkaSink
from services.store import outbox
from tests.e2e_support import add_drivers, free_port, wait_for
from tests.kafka.conftest import KafkaStack
from tests.kafka.support import group_caught_up

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]
Lag = dict[tuple[str, str], float]


def lag_of(families: object) -> Lag:
    return {
        (sample.labels["topic"], sample.labels["partition"]): sample.value
        for family in families  # type: ignore[attr-defined]
        if family.name == "mechanic_consumer_lag"
        for sample in family.samples
    }


def test_consumer_lag_counts_what_the_workers_have_not_committed(kafka_stack: KafkaStack) -> None:
    stack = kafka_stack
    _, coordinator = stack.club()
    with stack.api() as http:
        add_drivers(http, coordinator, 3, max_hours_week=10)
    with stack.engine.connect() as conn:
        rows = outbox.unpublished(conn, 100)
    sink = KafkaSink(stack.settings)
    sink(rows)
    sink.close()

    collector = ConsumerLag(stack.settings)

    def lagging() -> Lag | None:
        # Each topic partition holds its rows and one commit marker past the group's start. The
        # broker writes the markers just after it answered the commit: until then the last stable
        # offset stays before the transaction, and the lag reads 0.
        behind = lag_of(collector.collect())
        return behind if sum(behind.values()) >= len(rows) + 1 else None

    try:
        behind = wait_for("the transaction's lag on Kafka", lagging, 10)
    finally:
        collector.close()
    assert {topic for topic, _ in behind} == set(ALL_TOPICS), "every partition the group committed"

    port = free_port()
    stack.env["MECHANIC_METRICS_PORT"] = str(port)
    worker = stack.start("worker")
    wait_for("the worker caught up", lambda: group_caught_up(stack.bootstrap, stack.group, ALL_TOPICS), 60)
    scraped = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
    worker.assert_running()
    after = lag_of(text_string_to_metric_families(scraped.text))
    assert after.keys() == behind.keys()
    assert max(after.values()) <= 1, f"at most the commit marker is left: {after}"
