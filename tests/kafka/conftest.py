"""The Kafka mode, for real: Apache Kafka (MECHANIC_KAFKA_BOOTSTRAP), PostgreSQL
(MECHANIC_TEST_POSTGRES_URL), and ``mechanic relay`` / ``mechanic worker`` as separate processes.

Each test gets a fresh database and its own consumer group, started at the current end of the
shared topics, so tests neither see nor disturb each other's events.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from api.app import create_app
from events import ALL_TOPICS
from services.relay import ensure_topics
from services.settings import Settings
from services.store import writes
from services.store.db import make_engine, upgrade
from services.store.tables import outbox, processed_events, schedule_state
from tests.conftest import real_component
from tests.e2e_support import bearer
from tests.kafka.support import Process, group_caught_up, process_env, start_group_at_end


@pytest.fixture
def kafka_bootstrap() -> str:
    return real_component("MECHANIC_KAFKA_BOOTSTRAP", "Apache Kafka")


@dataclass
class KafkaStack:
    settings: Settings
    engine: Engine
    env: dict[str, str]
    workdir: Path
    processes: list[Process] = field(default_factory=list)

    @property
    def group(self) -> str:
        return self.settings.worker_id

    @property
    def bootstrap(self) -> str:
        return self.settings.kafka_bootstrap

    def start(self, command: str) -> Process:
        runs = sum(p.name.startswith(command) for p in self.processes)
        proc = Process.start(f"{command}-{runs + 1}", [command], self.env, self.workdir)
        self.processes.append(proc)
        return proc

    def club(self, name: str = "Kafka club") -> tuple[str, dict[str, str]]:
        with self.engine.begin() as conn:
            club_id, token = writes.create_club(conn, name)
        return club_id, bearer(token)

    def api(self) -> TestClient:
        return TestClient(create_app(self.settings, self.engine))

    def count(self, table: object, *where: object) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())  # type: ignore[arg-type]

    def drained(self) -> bool:
        """Every outbox row published, consumed by the worker group and its handlers committed."""
        published = self.count(outbox, outbox.c.published_at.is_not(None))
        processed = self.count(processed_events, processed_events.c.consumer == self.group)
        return published == processed == self.count(outbox) and group_caught_up(
            self.bootstrap, self.group, ALL_TOPICS
        )

    def settled(self) -> bool:
        """Quiet: everything drained and every club's changes are in a proposal. In Kafka mode a
        proposal can be overtaken by events from another topic, so tests wait for this first."""
        with self.engine.connect() as conn:
            behind = conn.execute(
                select(func.count()).where(schedule_state.c.generation > schedule_state.c.solved_generation)
            ).scalar_one()
        return behind == 0 and self.drained()

    def logs(self) -> str:
        return "\n".join(p.tail() for p in self.processes)


@pytest.fixture
def kafka_stack(postgres_url: str, kafka_bootstrap: str, tmp_path: Path) -> Iterator[KafkaStack]:
    upgrade(postgres_url)
    knobs = {
        "database_url": postgres_url,
        "transport": "kafka",
        "kafka_bootstrap": kafka_bootstrap,
        "worker_id": f"mechanic-test-{uuid.uuid4().hex[:8]}",
        "solve_time_limit_s": "2",
        "debounce_s": "0.3",
        "max_delay_s": "3",
        "log_level": "INFO",
    }
    settings = Settings(**knobs)  # type: ignore[arg-type]
    ensure_topics(settings)
    start_group_at_end(kafka_bootstrap, settings.worker_id, ALL_TOPICS)
    engine = make_engine(postgres_url)
    stack = KafkaStack(settings, engine, process_env(**knobs), tmp_path)
    try:
        yield stack
    finally:
        codes = {p.name: p.stop() for p in stack.processes if p.popen.poll() is None}
        engine.dispose()
    assert all(code == 0 for code in codes.values()), f"unclean shutdown {codes}\n{stack.logs()}"
