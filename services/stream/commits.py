"""Offset commits that keep up with a transactional relay.

The relay publishes in Kafka transactions, so each partition holds a commit marker after every
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

from faust.transport.drivers import aiokafka
from faust.types import TP
from faust.types.transports import ConsumerT


class Consumer(aiokafka.Consumer):
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
