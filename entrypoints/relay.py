"""``mechanic relay``: the relay's process, which follows the outbox and publishes it to Kafka."""

from __future__ import annotations

import asyncio

import structlog

from entrypoints.runtime import stop_on_signals
from services.consumer_lag import ConsumerLag
from services.relay import KafkaSink, topics_ready
from services.relay_lead import relay_forever
from services.settings import Settings

log = structlog.get_logger("mechanic.relay")


def run_relay(settings: Settings) -> int:
    """Runs until SIGTERM or SIGINT; the outbox is left consistent at any point."""
    if not topics_ready(settings):
        return 1
    sink = KafkaSink(settings)

    async def main() -> None:
        stop = asyncio.Event()
        stop_on_signals(stop)
        log.info("relay.up", bootstrap=settings.kafka_bootstrap, batch=settings.relay_batch)
        await relay_forever(settings, sink, stop, metrics=[ConsumerLag(settings)])

    try:
        asyncio.run(main())
    finally:
        sink.close()
        log.info("relay.down", published=sink.published)
    return 0
