"""Prometheus metrics: counters of what this process did, and gauges of the shared state read from
the database at each scrape. The API serves them at /metrics; the worker and the relay on
MECHANIC_METRICS_PORT, with the worker group's consumer lag read from Kafka."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine

from services.store.observed import gauges

EVENTS = Counter("mechanic_events", "Events delivered to a consumer, by outcome", ["consumer", "outcome"])
SOLVES = Counter("mechanic_solves", "Planning rounds, by outcome", ["outcome"])
SOLVE_SECONDS = Histogram(
    "mechanic_solve_seconds",
    "Wall time of one club's solve",
    buckets=(0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30),
)
PUBLISHED = Counter("mechanic_outbox_published", "Outbox rows published to Kafka by this relay")


class DatabaseState(Collector):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        for name, value in gauges(self.engine).items():
            yield GaugeMetricFamily(f"mechanic_{name}", name.replace("_", " "), value=value)


def registry(engine: Engine, *more: Collector) -> CollectorRegistry:
    """This process's counters plus the database's gauges, and ``more`` of its own (consumer lag)."""
    made = CollectorRegistry()
    for collector in (EVENTS, SOLVES, SOLVE_SECONDS, PUBLISHED, *more):
        made.register(collector)
    made.register(DatabaseState(engine))
    return made


def serve(engine: Engine, port: int, *more: Collector) -> None:
    """For processes without an HTTP API (worker, relay)."""
    start_http_server(port, addr="0.0.0.0", registry=registry(engine, *more))
