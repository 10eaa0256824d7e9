"""Which clubs a Kafka worker plans: those whose partition the consumer group assigned to it.

The relay keys every event by its club, so all of one club's events land on one partition number
(kafka-python's default partitioner: murmur2 of the key, as Java's), and the group's co-partitioned
assignment gives that number of every topic to one worker. That worker handles the club's events,
and with them marks the club dirty, which starts its debounce (``schedule_state``); so the same
worker plans the club, and the other workers never poll it, claim it or race for its lease. On a
rebalance the revoked clubs are dropped at once; the new owner finds a club that is still dirty in
the database on its next tick, so a pending debounce moves with the partition. The database lease
stays as the fence: a solve that outlives its ownership (a paused worker) records nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

import structlog
from kafka.partitioner.default import murmur2

log = structlog.get_logger("mechanic.ownership")


def partition_of(club_id: str, partitions: int) -> int:
    """The partition the relay's producer puts the club's events on."""
    return (murmur2(club_id.encode()) & 0x7FFFFFFF) % partitions


class Ownership:
    def __init__(self, partitions: int) -> None:
        self.partitions = partitions
        self.owned: frozenset[int] = frozenset()

    def owns(self, club_id: str) -> bool:
        return partition_of(club_id, self.partitions) in self.owned

    def assigned(self, numbers: Iterable[int]) -> None:
        self.owned = frozenset(numbers)
        log.info("partitions.assigned", partitions=sorted(self.owned))

    def check(self) -> str | None:
        """Readiness: a worker with no partition handles no event and plans no club."""
        return None if self.owned else "no partitions are assigned to this worker"

    def revoked(self, numbers: Iterable[int]) -> None:
        gone = frozenset(numbers)
        self.owned -= gone
        log.info("partitions.revoked", partitions=sorted(gone), kept=sorted(self.owned))
