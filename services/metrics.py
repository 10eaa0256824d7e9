"""Prometheus metrics: counters of what this process did, and gauges of the shared state read from
the database at each scrape. The API serves them at /metrics; the worker and the relay on
MECHANIC_METRICS_PORT (``services.probes``), with the worker group's consumer lag read from Kafka.

Per club, labelled by club id only (never a name): whether it waits for planning or its planning
failed, and the time and status of the solve behind its latest proposal."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine

from services.store.observed import clubs, gauges

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
        yield from per_club(self.engine)


def per_club(engine: Engine) -> Iterator[GaugeMetricFamily]:
    waiting = GaugeMetricFamily(
        "mechanic_club_waiting_for_planning", "1 while a change waits for a solve", labels=["club"]
    )
    failed = GaugeMetricFamily(
        "mechanic_club_planning_failed", "1 while the club's last solve failed", labels=["club"]
    )
    seconds = GaugeMetricFamily(
        "mechanic_club_solve_seconds", "Wall time of the solve behind the latest proposal", labels=["club"]
    )
    status = GaugeMetricFamily(
        "mechanic_club_solve_status",
        "1 for the status of the solve behind the latest proposal",
        labels=["club", "status"],
    )
    for club in clubs(engine):
        waiting.add_metric([club.club_id], int(club.waiting))
        failed.add_metric([club.club_id], int(club.failed))
        if club.solve_seconds is not None and club.solve_status is not None:
            seconds.add_metric([club.club_id], club.solve_seconds)
            status.add_metric([club.club_id, club.solve_status], 1)
    yield from (waiting, failed, seconds, status)


def registry(engine: Engine, *more: Collector) -> CollectorRegistry:
    """This process's counters plus the database's gauges, and ``more`` of its own (consumer lag)."""
    made = CollectorRegistry()
    for collector in (EVENTS, SOLVES, SOLVE_SECONDS, PUBLISHED, *more):
        made.register(collector)
    made.register(DatabaseState(engine))
    return made
