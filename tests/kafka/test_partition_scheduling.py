"""Partition-aware planning with real processes, Kafka and PostgreSQL: the worker that consumes a
club's partition plans the club, a rebalance hands a club's pending re-plan to the new owner, and a
burst of requests on two workers costs no solve that adds nothing.

Who planned what is read from the workers' own logs (``solve.start club_id=...``) and from the
proposals in the database; the club's partition is the one its events are on (read with a plain
consumer), which the test also checks against ``ownership.partition_of``.
"""

from __future__ import annotations

import time
from itertools import pairwise

import pytest
from sqlalchemy import select

from events.topics import REQUESTS
from services.store.tables import roster_entries, rosters, unfilled_slots
from services.stream.ownership import partition_of
from tests.e2e_support import add_drivers, bearer, wait_for
from tests.kafka.conftest import KafkaStack
from tests.kafka.support import Process, club_events, owned
from tests.kafka.test_faults_more import settled_proposal
from tests.kafka.test_restart import submit

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]


def solves_of(proc: Process, club_id: str, since: int = 0) -> int:
    return proc.log.read_text(errors="replace")[since:].count(
        f"solve.start                    club_id={club_id}"
    )


def new_club(stack: KafkaStack, name: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """A club with two drivers and a partner: (club id, coordinator's header, partner's header)."""
    club_id, coordinator = stack.club(name)
    with stack.api() as http:
        add_drivers(http, coordinator, 2, max_hours_week=30)
        made = http.post("/api/coordinator/partners", json={"name": "Tenants Union"}, headers=coordinator)
    return club_id, coordinator, bearer(made.json()["token"])


def one_club_per_partition(stack: KafkaStack) -> dict[int, tuple[str, dict[str, str], dict[str, str]]]:
    """New clubs until every partition has one (club ids are random): partition -> club."""
    clubs: dict[int, tuple[str, dict[str, str], dict[str, str]]] = {}
    while len(clubs) < stack.settings.kafka_partitions:
        club_id, coordinator = stack.club(f"Club {len(clubs)}")
        partition = partition_of(club_id, stack.settings.kafka_partitions)
        if partition not in clubs:
            with stack.api() as http:
                add_drivers(http, coordinator, 2, max_hours_week=30)
                made = http.post("/api/coordinator/partners", json={"name": "Union"}, headers=coordinator)
            clubs[partition] = (club_id, coordinator, bearer(made.json()["token"]))
    return clubs


def proposals(stack: KafkaStack, club_id: str) -> list[frozenset[tuple[str, int, str]]]:
    """Each stored proposal of the club, oldest first, as its places and who (or why not) fills them."""
    ro = rosters.c
    with stack.engine.connect() as conn:
        ids = conn.execute(select(ro.id).where(ro.club_id == club_id).order_by(ro.created_at)).scalars().all()
        content: dict[str, set[tuple[str, int, str]]] = {roster_id: set() for roster_id in ids}
        for table, who in (
            (roster_entries, roster_entries.c.member_id),
            (unfilled_slots, unfilled_slots.c.code),
        ):
            for roster_id, request_id, slot, value in conn.execute(
                select(table.c.roster_id, table.c.request_id, table.c.slot_index, who).where(
                    table.c.roster_id.in_(ids)
                )
            ):
                content[roster_id].add((request_id, slot, value))
    return [frozenset(content[roster_id]) for roster_id in ids]


def test_a_rebalance_hands_each_clubs_pending_replan_to_its_new_owner(kafka_stack: KafkaStack) -> None:
    stack = kafka_stack
    every = set(range(stack.settings.kafka_partitions))
    stack.start("relay")
    first = stack.start("worker")
    clubs = one_club_per_partition(stack)
    wait_for("the clubs to be planned", stack.settled, timeout_s=120)
    assert owned(first) == every, "one worker consumes every partition"
    # A long debounce: every club is still waiting for its re-plan when the second worker joins.
    first.stop()
    stack.env |= {"MECHANIC_DEBOUNCE_S": "30", "MECHANIC_MAX_DELAY_S": "90"}
    first = stack.start("worker")
    wait_for("the worker to take every partition", lambda: owned(first) == every, timeout_s=60)
    mark = len(first.log.read_text(errors="replace"))
    pending: dict[str, list[str]] = {}
    with stack.api() as http:
        for n, (club_id, _, partner) in enumerate(clubs.values()):
            pending[club_id] = list(submit(http, partner, range(n, n + 1)))
    second = stack.start("worker")
    wait_for(
        "the group to share the partitions",
        lambda: owned(second) and owned(first) | owned(second) == every and not owned(first) & owned(second),
        timeout_s=60,
    )
    for partition, (club_id, _, _) in clubs.items():  # the relay put each club where its owner looks
        assert {m.partition for m in club_events(stack.bootstrap, REQUESTS, club_id)} == {partition}
    with stack.api() as http:
        for club_id, coordinator, _ in clubs.values():
            settled_proposal(stack, http, coordinator, pending[club_id])
    for partition, (club_id, _, _) in clubs.items():
        owner, other = (second, first) if partition in owned(second) else (first, second)
        since = {id(first): mark, id(second): 0}
        assert solves_of(owner, club_id, since[id(owner)]) >= 1, f"{club_id} is re-planned by its owner"
        assert solves_of(other, club_id, since[id(other)]) == 0, f"{club_id} is left alone by the other"


def test_a_burst_on_two_workers_costs_no_solve_that_adds_nothing(kafka_stack: KafkaStack) -> None:
    stack = kafka_stack
    stack.start("relay")
    workers = [stack.start("worker"), stack.start("worker")]
    wait_for("the group to share the partitions", lambda: all(owned(w) for w in workers), timeout_s=60)
    club_id, coordinator, partner = new_club(stack, "Burst club")
    with stack.api() as http:
        started = time.monotonic()
        requests = submit(http, partner, range(30))
        print(f"\nburst: 30 requests posted in {time.monotonic() - started:.2f}s")
        settled_proposal(stack, http, coordinator, list(requests))
    made = proposals(stack, club_id)
    assert all(a != b for a, b in pairwise(made)), "every proposal changed something"
    planners = [w for w in workers if solves_of(w, club_id)]
    owner = next(w for w in workers if partition_of(club_id, stack.settings.kafka_partitions) in owned(w))
    assert planners == [owner], "only the partition's owner planned the club"
    for w in workers:
        assert "solve.discarded_stale" not in w.log.read_text(errors="replace")
    print(f"burst: {len(made)} proposals, each with something new")
