"""Topics are made by Mechanic with explicit settings, never left to the broker's auto-creation defaults."""

from __future__ import annotations

import pytest
from kafka import KafkaAdminClient
from kafka.admin import ConfigResource

from events import ALL_TOPICS
from services.relay import ensure_topics, partitions_on_kafka, topic_configs
from services.settings import Settings

pytestmark = pytest.mark.kafka


def test_topics_exist_with_their_partitions_and_configs_and_ensuring_again_changes_nothing(
    kafka_bootstrap: str,
) -> None:
    settings = Settings(kafka_bootstrap=kafka_bootstrap)
    ensure_topics(settings)
    assert ensure_topics(settings) == [], "idempotent"
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        described = {t["name"]: t for t in admin.describe_topics(list(ALL_TOPICS))}
        assert {name: len(t["partitions"]) for name, t in described.items()} == dict.fromkeys(
            ALL_TOPICS, settings.kafka_partitions
        )
        configs = admin.describe_configs([ConfigResource("TOPIC", name) for name in ALL_TOPICS])["topic"]
    finally:
        admin.close()
    for name in ALL_TOPICS:
        assert {key: configs[name][key]["value"] for key in topic_configs(settings)} == topic_configs(
            settings
        )


def test_workers_plan_by_the_partition_count_kafka_has_not_the_setting(kafka_bootstrap: str) -> None:
    """Topics made under an older MECHANIC_KAFKA_PARTITIONS keep their count: a worker configured
    otherwise must still hash clubs over the partitions the producers use."""
    made = Settings(kafka_bootstrap=kafka_bootstrap)
    ensure_topics(made)
    changed = Settings(kafka_bootstrap=kafka_bootstrap, kafka_partitions=made.kafka_partitions + 5)
    assert ensure_topics(changed) == [], "existing topics are not re-created"
    assert partitions_on_kafka(changed) == made.kafka_partitions
