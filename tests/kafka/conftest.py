"""The Kafka mode, for real: Apache Kafka (MECHANIC_KAFKA_BOOTSTRAP), PostgreSQL
(MECHANIC_TEST_POSTGRES_URL), and ``mechanic relay`` / ``mechanic worker`` as separate processes.

Each test gets a fresh database and its own consumer group, started at the current end of the
shared topics, so tests neither see nor disturb each other's events.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, func, select, text

from api.app import create_app
from events import ALL_TOPICS
from services.relay import ensure_topics
from services.settings import Settings
from services.store.db import make_engine, upgrade
from services.store.tables import outbox, processed_events, schedule_state
from tests.commands_support import create_club
from tests.conftest import real_component
from tests.e2e_support import CHECKOUT, bearer, wait_for
from tests.kafka.support import Process, group_caught_up, process_env, start_group_at_end


@pytest.fixture
def kafka_bootstrap() -> str:
    return real_component("MECHANIC_KAFKA_BOOTSTRAP", "Apache Kafka")


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie, dead but not yet reaped by its parent, counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


@dataclass(frozen=True)
class Broker:
    """The test run's Kafka broker (started by deploy/test.sh), to kill and restart in place."""

    data_dir: Path
    port: int
    controller_port: int

    def kill(self) -> None:
        """SIGKILL the broker: no controlled shutdown, no flush."""
        pid = int((self.data_dir / "kafka.pid").read_text())
        os.kill(pid, signal.SIGKILL)
        wait_for("the broker to die", lambda: not _alive(pid), timeout_s=30)
        # As `kafka.sh stop` does: a dead broker left as a zombie (its parent may never reap it)
        # would still count as running for `kafka.sh start`.
        (self.data_dir / "kafka.pid").unlink()

    def running(self) -> bool:
        pidfile = self.data_dir / "kafka.pid"
        return pidfile.exists() and _alive(int(pidfile.read_text()))

    def start(self) -> float:
        """Start it again on the same port and log dir; returns when it serves clients (the
        monotonic time then)."""
        script = Path(CHECKOUT) / "deploy" / "kafka.sh"
        args = ["bash", str(script), "start", str(self.data_dir), str(self.port), str(self.controller_port)]
        done = subprocess.run(args, capture_output=True, text=True, timeout=240, check=False)
        assert done.returncode == 0, f"the broker did not restart\n{done.stdout}\n{done.stderr}"
        return time.monotonic()


@pytest.fixture
def kafka_broker(kafka_bootstrap: str) -> Iterator[Broker]:
    """The broker, brought back after the test if the test left it dead (the next test needs it)."""
    data_dir = real_component("MECHANIC_TEST_KAFKA_DATA_DIR", "the Kafka broker's data directory")
    cport = real_component("MECHANIC_TEST_KAFKA_CONTROLLER_PORT", "the Kafka controller port")
    broker = Broker(Path(data_dir), int(kafka_bootstrap.rsplit(":", 1)[1]), int(cport))
    yield broker
    if not broker.running():
        broker.start()


@dataclass(frozen=True)
class PostgresServer:
    """The test run's PostgreSQL server (started by deploy/test.sh), to crash and restart in place."""

    data_dir: Path
    port: int

    def _script(self, *args: str) -> None:
        script = Path(CHECKOUT) / "deploy" / "postgres.sh"
        done = subprocess.run(
            ["bash", str(script), *args], capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, f"postgres.sh {args} failed\n{done.stdout}\n{done.stderr}"

    def running(self) -> bool:
        return (self.data_dir / "pgdata" / "postmaster.pid").exists()

    def crash(self) -> None:
        """pg_ctl -m immediate: every backend killed, no checkpoint; the next start recovers."""
        self._script("stop", str(self.data_dir), "immediate")

    def start(self) -> float:
        """Start it again (crash recovery included); returns the monotonic time it accepts clients."""
        self._script("start", str(self.data_dir), str(self.port))
        return time.monotonic()


@pytest.fixture
def postgres_server(postgres_url: str) -> Iterator[PostgresServer]:
    """The server, brought back after the test if the test left it down (``postgres_url`` drops
    the test's database after this)."""
    data_dir = real_component("MECHANIC_TEST_PG_DATA_DIR", "the PostgreSQL server's data directory")
    # deploy/postgres.sh runs the server with synchronous_commit off (test speed): a crash would then
    # lose commits already answered 201. Test what production runs (on) in this test's database;
    # request this fixture before any other that connects, since it applies to new sessions only.
    engine = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{engine.url.database}" SET synchronous_commit = on'))
    engine.dispose()
    server = PostgresServer(
        Path(data_dir), int(real_component("MECHANIC_TEST_PG_PORT", "the PostgreSQL port"))
    )
    yield server
    if not server.running():
        server.start()


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

    def start(self, command: str, **settings: str) -> Process:
        """``mechanic <command>`` with the stack's settings, and ``settings`` (MECHANIC_<NAME>) on top."""
        runs = sum(p.name.startswith(command) for p in self.processes)
        env = self.env | {f"MECHANIC_{name.upper()}": value for name, value in settings.items()}
        proc = Process.start(f"{command}-{runs + 1}", [command], env, self.workdir)
        self.processes.append(proc)
        return proc

    def club(self, name: str = "Kafka club") -> tuple[str, dict[str, str]]:
        with self.engine.begin() as conn:
            club_id, token = create_club(conn, name)
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
def kafka_replication() -> int:
    """The topics' replication factor; the 3-node cluster's tests override it."""
    return 1


@pytest.fixture
def kafka_stack(
    postgres_url: str, kafka_bootstrap: str, kafka_replication: int, tmp_path: Path
) -> Iterator[KafkaStack]:
    upgrade(postgres_url)
    knobs = {
        "database_url": postgres_url,
        "transport": "kafka",
        "kafka_bootstrap": kafka_bootstrap,
        "kafka_replication": str(kafka_replication),
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
