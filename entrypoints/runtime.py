"""Long-running loops, shared by the embedded process and the Kafka worker."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable
from functools import partial

import structlog
import uvicorn

from services.delivery import Container
from services.notify.wiring import notify_round
from services.pump import pump_forever
from services.store import retention

log = structlog.get_logger("mechanic.runtime")


async def repeat(
    name: str, action: Callable[[], Awaitable[object]], interval_s: float, stop: asyncio.Event
) -> None:
    """Run ``action`` every ``interval_s`` until ``stop``; a failure is logged and the loop goes on."""
    while not stop.is_set():
        try:
            await action()
        except Exception:
            log.exception(f"{name}.failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_s)


def stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)


class _SharedLoopServer(uvicorn.Server):
    """Uvicorn without its own signal handlers: this process stops all its loops on one signal."""

    def capture_signals(self) -> contextlib.AbstractContextManager[None]:  # type: ignore[override]
        return contextlib.nullcontext()


async def run_embedded(container: Container, serve_api: bool = True) -> None:
    """One process, no broker: API, outbox dispatcher and scheduler share the SQLite database."""
    settings = container.settings
    stop = asyncio.Event()
    stop_on_signals(stop)
    tasks = [
        asyncio.create_task(
            pump_forever(
                container.engine,
                container.embedded_sink(),
                settings.relay_batch,
                settings.poll_interval_s,
                stop,
            ),
            name="dispatcher",
        ),
        asyncio.create_task(container.scheduler.run(settings.poll_interval_s, stop.is_set), name="scheduler"),
        asyncio.create_task(
            repeat(
                "retention",
                partial(
                    asyncio.to_thread,
                    retention.run,
                    container.engine,
                    settings.stream_retention_days,
                    geocode_days=settings.geocoder_cache_days,
                ),
                settings.retention_interval_s,
                stop,
            ),
            name="retention",
        ),
        asyncio.create_task(
            repeat(
                "sender",
                partial(asyncio.to_thread, container.notifier.deliver),
                settings.send_interval_s,
                stop,
            ),
            name="sender",
        ),
        asyncio.create_task(
            repeat(
                "notifier",
                partial(asyncio.to_thread, notify_round, container.notifier, container.alerts),
                settings.notify_interval_s,
                stop,
            ),
            name="notifier",
        ),
    ]
    if serve_api:
        from api.app import create_app

        config = uvicorn.Config(
            create_app(settings, container.engine),
            host=settings.api_host,
            port=settings.api_port,
            log_config=None,
            proxy_headers=True,
            forwarded_allow_ips=settings.forwarded_allow_ips,
        )
        server = _SharedLoopServer(config)
        tasks.append(asyncio.create_task(server.serve(), name="api"))
        log.info("embedded.up", url=f"http://{settings.api_host}:{settings.api_port}", docs="/docs")
    await stop.wait()
    if serve_api:
        server.should_exit = True
    await asyncio.gather(*tasks, return_exceptions=True)
    log.info("embedded.down")
