"""``mechanic worker``: bootstrap the engine and run the Faust app until SIGTERM or SIGINT.

The schema must already be migrated (``mechanic db upgrade``, a job of its own in compose and
Kubernetes), so that several workers starting together never race on a migration.
"""

from __future__ import annotations

from pathlib import Path

import faust
import structlog
from kafka.errors import KafkaError

from entrypoints.bootstrap import bootstrap
from services import metrics, probes
from services.consumer_lag import ConsumerLag
from services.health import Health, database
from services.relay import partitions_on_kafka, topics_ready
from services.settings import Settings
from services.stream.app import build_app

log = structlog.get_logger("mechanic.worker")


def run_worker(settings: Settings, datadir: Path | None = None) -> int:
    # Topics first: a consumer subscribing to a missing topic could get a broker-default one.
    if not topics_ready(settings):
        return 1
    try:
        partitions = partitions_on_kafka(settings)
    except KafkaError as exc:
        log.error("topics.unusable", error=str(exc))
        return 1
    if partitions != settings.kafka_partitions:
        log.warning("topics.partitions_differ", on_kafka=partitions, configured=settings.kafka_partitions)
        settings = settings.model_copy(update={"kafka_partitions": partitions})
    container = bootstrap(settings, migrate=False)
    health = Health(settings.live_beat_s)
    health.checks.append(database(container.engine))
    app = build_app(container, datadir, health)
    if settings.metrics_port:
        registry = metrics.registry(container.engine, ConsumerLag(settings))
        probes.serve(settings.metrics_port, health, registry)
    worker = faust.Worker(app, loglevel=settings.log_level.lower(), redirect_stdouts=False)
    log.info("worker.up", group=settings.worker_id, bootstrap=settings.kafka_bootstrap)
    try:
        worker.execute_from_commandline()
    except SystemExit as done:
        return int(done.code or 0)
    finally:
        container.close()
        log.info("worker.down")
    return 0
