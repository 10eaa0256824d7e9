"""The worker's Kafka consumer, fitted to a transactional relay: it reads committed records only,
and its offset commits keep up with the transactions' commit markers.

**Read committed.** The relay publishes in Kafka transactions; a relay killed or fenced mid-batch
leaves an aborted copy of its events on the topic, which a ``read_uncommitted`` reader (Faust's
default) is given first. The inbox makes the committed copy a no-op, but the club's events would
then be handled in the aborted batch's order, not the committed one. faust-streaming turns
``read_committed`` on only with ``processing_guarantee="exactly_once"``, which also makes every
offset commit a Kafka transaction through a producer per partition: machinery this app, which
produces nothing, has no use for. So the consumer thread sets the isolation level on the
aiokafka consumer it builds, before that consumer starts.

**Offset commits.** Each partition holds a commit marker after every
batch: an offset no consumer is ever given. Faust records such holes as gaps, but its
``_new_offset`` (faust-streaming 0.15; upstream issue #606) commits only the first run of
consecutive offsets per commit, and the offset that ends a gap is counted twice, which breaks
the run after every marker. The committed offset crept forward about one transaction per
commit interval: under a steady stream it fell ever further behind, and after the relay was
killed the group caught up 20-30 s after its events had all been handled.

This app acknowledges each partition's records in offset order (one agent per topic, one record
at a time, acknowledged once handled: ``services.stream.app.consumer_of``), so everything below
the highest acknowledged offset was either handled or never given to it (markers, aborted
records). That offset plus one is the commit: at least once still holds, and markers cost nothing.
"""

from __future__ import annotations

from typing import ClassVar

from aiokafka import AIOKafkaConsumer
from faust.transport.drivers import aiokafka
from faust.types import TP
from faust.types.transports import ConsumerT

READ_COMMITTED = "read_committed"


class ConsumerThread(aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: aiokafka.Transport) -> AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        # aiokafka reads it when it starts the consumer and builds its fetcher.
        consumer._isolation_level = READ_COMMITTED
        return consumer


class Consumer(aiokafka.Consumer):
    def _new_consumer_thread(self) -> aiokafka.AIOKafkaConsumerThread:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    def _new_offset(self, tp: TP) -> int | None:
        acked = self._acked[tp]
        if not acked:
            return None
        following = max(acked) + 1
        acked.clear()
        self._acked_index[tp].clear()
        self._gap[tp].chop(0, following)
        return following


class Transport(aiokafka.Transport):
    """The aiokafka transport with the consumer above (``app.transport``, before any topic)."""

    Consumer: ClassVar[type[ConsumerT]] = Consumer
