"""A 3-node KRaft cluster (deploy/kafka_cluster.sh: replication 3, min.insync.replicas 2) whose
leader of the club's partition is SIGKILLed while requests stream in. The two survivors keep
every acknowledged write (acks=all with two in sync), elect a new leader within the brokers'
session timeout, and the relay and worker carry on: every request stored, on its topic once
(read from offset 0), processed once and in the settled proposal once.
"""

from __future__ import annotations

import random
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaAdminClient

from events import topics
from services.store.tables import help_requests, processed_events
from tests.conftest import real_component
from tests.e2e_support import CHECKOUT, wait_for
from tests.kafka.conftest import Broker, KafkaStack
from tests.kafka.support import club_events
from tests.kafka.test_faults_more import MEMBERS, processed_once, published_once, settled_proposal
from tests.kafka.test_restart import drivers_and_a_partner, each_slot_once, submit

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]
SCRIPT = Path(CHECKOUT) / "deploy" / "kafka_cluster.sh"
NODES = (1, 2, 3)
SESSION_TIMEOUT_S = 9.0
"""KRaft's broker.session.timeout.ms (default 9 s): how long the controller waits for a dead
broker's heartbeat before it moves the broker's partition leadership."""


def _free_block(size: int) -> int:
    """A first port with ``size`` free ones from it, below the kernel's ephemeral range: there an
    outgoing connection (the nodes' own, while the cluster starts) can take a port between this
    check and the node's bind."""
    low, _ = (int(x) for x in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    for _ in range(50):
        base = random.randrange(10_000, low - size)
        if all(_bindable(base + i) for i in range(size)):
            return base
    raise AssertionError(f"no {size} free ports in a row below {low}")


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[int, Broker]]:
    real_component("MECHANIC_KAFKA_BOOTSTRAP", "Apache Kafka")  # provisioned, so the jars are cached
    where, base = tmp_path_factory.mktemp("kafka-cluster"), _free_block(2 * len(NODES))
    started = subprocess.run(
        ["bash", str(SCRIPT), "start", str(where), str(base)], capture_output=True, text=True, timeout=300
    )
    try:
        assert started.returncode == 0, f"the cluster did not start\n{started.stderr[-3000:]}"
        yield {n: Broker(where / f"node-{n}", base + 2 * (n - 1), base + 2 * (n - 1) + 1) for n in NODES}
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop", str(where)], capture_output=True, timeout=120)


@pytest.fixture
def kafka_bootstrap(cluster: dict[int, Broker]) -> str:
    return ",".join(f"127.0.0.1:{broker.port}" for broker in cluster.values())


@pytest.fixture
def kafka_replication() -> int:
    return 3


def leader_of(bootstrap: str, topic: str, partition: int) -> int:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","))
    try:
        (described,) = admin.describe_topics([topic])
    finally:
        admin.close()
    return int(next(p["leader_id"] for p in described["partitions"] if p["partition_index"] == partition))


def test_the_partition_leader_killed_under_load_loses_and_doubles_nothing(
    kafka_stack: KafkaStack, cluster: dict[int, Broker]
) -> None:
    stack = kafka_stack
    relay, worker = stack.start("relay"), stack.start("worker")
    club_id, coordinator = stack.club()
    with stack.api() as http:
        partner = drivers_and_a_partner(http, coordinator, MEMBERS)
        requests = submit(http, partner, range(40))
        handled = processed_events.c.consumer == stack.group
        wait_for("the worker mid-stream", lambda: stack.count(processed_events, handled) >= MEMBERS + 10, 60)
        partition = club_events(stack.bootstrap, topics.REQUESTS, club_id)[0].partition
        victim = leader_of(stack.bootstrap, topics.REQUESTS, partition)
        cluster[victim].kill()
        killed = time.monotonic()
        requests |= submit(http, partner, range(40, 80))
        wait_for("the outbox drained and the group caught up", stack.drained, timeout_s=120, every_s=0.25)
        recovery_s = time.monotonic() - killed
        new_leader = leader_of(stack.bootstrap, topics.REQUESTS, partition)
        roster = settled_proposal(stack, http, coordinator, list(requests))
    assert new_leader not in (victim, -1), "a survivor leads the partition"
    assert stack.count(help_requests, help_requests.c.club_id == club_id) == len(requests) == 80
    on_topics = published_once(stack, club_id)
    print(
        f"\n3-node cluster: node {victim} (leader of {topics.REQUESTS}/{partition}) killed; node "
        f"{new_leader} leads; drained and caught up {recovery_s:.2f}s after the kill; "
        f"{on_topics} events on the topics, each once"
    )
    assert recovery_s < SESSION_TIMEOUT_S + 10, "recovery is bounded by the brokers' session timeout"
    processed_once(stack)
    each_slot_once(roster, requests)
    relay.assert_running()
    worker.assert_running()
