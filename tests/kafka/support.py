"""Plain-Kafka helpers for the Kafka-mode tests: read a club's events, place and read a group's offsets.

They use kafka-python directly, not the code under test, so that what the tests see on the topics
is what any other consumer would see.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata

from tests.e2e_support import MECHANIC, mechanic_env


@dataclass(frozen=True)
class Message:
    partition: int
    key: bytes | None
    headers: dict[str, bytes]
    event: dict[str, Any]


def _partitions(consumer: KafkaConsumer, topics: Iterable[str]) -> list[TopicPartition]:
    return [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]


def _event_or_none(value: bytes | None) -> dict[str, Any] | None:
    """Shared topics also carry the poison records of the poison tests: skip what is no event."""
    try:
        found = json.loads(value) if value is not None else None
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def club_events(bootstrap: str, topic: str, club_id: str, event_type: str | None = None) -> list[Message]:
    """Every message of ``club_id`` on ``topic`` so far, in offset order per partition, as any
    consumer of committed messages sees them (the relay publishes in transactions)."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, isolation_level="read_committed"
    )
    try:
        tps = _partitions(consumer, [topic])
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        found: list[Message] = []
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            for records in consumer.poll(timeout_ms=1000).values():
                for record in records:
                    event = _event_or_none(record.value)
                    if event and event.get("club_id") == club_id and event_type in (None, event.get("type")):
                        headers = {k: v for k, v in record.headers}
                        found.append(Message(record.partition, record.key, headers, event))
        return found
    finally:
        consumer.close()


def start_group_at_end(bootstrap: str, group: str, topics: Iterable[str]) -> None:
    """Commit the current end offsets for a new consumer group, so that its worker sees only what a
    test produces, not the events other tests left on the shared topics."""
    with closing(KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)) as reader:
        set_group_offsets(bootstrap, group, reader.end_offsets(_partitions(reader, topics)))


def group_offsets(bootstrap: str, group: str, topics: Iterable[str]) -> dict[TopicPartition, int]:
    """The group's committed offsets (0 where it has none)."""
    with closing(
        KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    ) as group_view:
        return {tp: group_view.committed(tp) or 0 for tp in _partitions(group_view, topics)}


def set_group_offsets(bootstrap: str, group: str, offsets: dict[TopicPartition, int]) -> None:
    """Commit ``offsets`` for the group (whose workers must be stopped): where they read next."""
    with closing(
        KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    ) as group_view:
        group_view.commit({tp: OffsetAndMetadata(offset, "", -1) for tp, offset in offsets.items()})


def group_caught_up(bootstrap: str, group: str, topics: Iterable[str]) -> bool:
    """True once no record is left past the group's committed offsets: all consumed and acked.

    Not a comparison with the end offsets: a transaction's commit marker takes the last offset,
    and the workers commit the offset after their last record, which is the marker's."""
    committed = group_offsets(bootstrap, group, topics)
    tps = list(committed)
    with closing(KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)) as reader:
        ends = reader.end_offsets(tps)
        behind = [tp for tp in tps if committed[tp] < ends[tp]]
        if not behind:
            return True
        reader.assign(behind)
        for tp in behind:
            reader.seek(tp, committed[tp])
        while any(reader.position(tp) < ends[tp] for tp in behind):
            if any(records for records in reader.poll(timeout_ms=1000).values()):
                return False
        return True


@dataclass
class Process:
    """One ``mechanic`` command run as a real process, its output in a log file."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @classmethod
    def start(cls, name: str, args: list[str], env: dict[str, str], cwd: Path) -> Process:
        log = cwd / f"{name}.log"
        with log.open("ab") as out:
            popen = subprocess.Popen(
                [*MECHANIC, *args], env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT
            )
        return cls(name, popen, log)

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace").splitlines()
        return f"--- last {lines} lines of {self.name} ---\n" + "\n".join(text[-lines:])

    def kill(self) -> None:
        """SIGKILL: no shutdown hook, no last offset commit."""
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self, timeout_s: float = 45) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)
                raise AssertionError(f"{self.name} ignored SIGTERM for {timeout_s}s\n{self.tail()}") from None
        return self.popen.returncode

    def assert_running(self) -> None:
        assert self.popen.poll() is None, f"{self.name} exited with {self.popen.returncode}\n{self.tail()}"


def owned(proc: Process) -> set[int]:
    """The partitions the worker says it consumes now (its last assignment, less what was revoked)."""
    found: set[int] = set()
    for line in proc.log.read_text(errors="replace").splitlines():
        if "partitions.assigned" in line:
            found = {int(n) for n in re.findall(r"\d+", line.split("partitions=")[1].split("]")[0])}
        elif "partitions.revoked" in line:
            found = {int(n) for n in re.findall(r"\d+", line.split("kept=")[1].split("]")[0])}
    return found


def process_env(**settings: str) -> dict[str, str]:
    """The environment of a ``mechanic`` process: this one's, with the given MECHANIC_* settings."""
    return mechanic_env({f"MECHANIC_{k.upper()}": v for k, v in settings.items()})
