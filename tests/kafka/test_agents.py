"""The Faust agents without a broker (``test_context``): decode, hand to the handlers, skip junk.

A real SQLite store behind them, so the inbox's dedupe is the real one; no Kafka needed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from entrypoints.bootstrap import bootstrap
from events import AvailabilityDeclared, encode
from events.topics import MEMBERS
from services.delivery import Container
from services.settings import Settings
from services.store import dead_letters
from services.store.tables import processed_events, schedule_state
from services.stream.app import build_app
from solver.schema import Instance, Params, Roster
from tests.commands_support import create_club


def no_solve(instance: Instance, params: Params) -> Roster:
    raise AssertionError("the agents never solve")


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/agents.db", worker_id="agents-test")
    made = bootstrap(settings, solve_fn=no_solve)
    yield made
    made.close()


async def wait_until(what: str, probe: object, timeout_s: float = 10) -> None:
    async with asyncio.timeout(timeout_s):
        while not probe():  # type: ignore[operator]
            await asyncio.sleep(0.02)


def test_an_agent_runs_the_handlers_once_per_event_and_parks_undecodable_messages(
    container: Container, tmp_path: Path
) -> None:
    with container.engine.begin() as conn:
        club_id, _ = create_club(conn, "Agents club")
    declared = AvailabilityDeclared(club_id=club_id, member_id="m-1")
    later = AvailabilityDeclared(club_id=club_id, member_id="m-2")
    app = build_app(container, tmp_path / "faust")
    agent = app.agents[f"consume:{MEMBERS}"]

    def generation() -> int | None:
        with container.engine.connect() as conn:
            query = select(schedule_state.c.generation).where(schedule_state.c.club_id == club_id)
            return conn.execute(query).scalar()

    def processed() -> list[str]:
        with container.engine.connect() as conn:
            return list(conn.execute(select(processed_events.c.event_id)).scalars())

    async def scenario() -> None:
        async with agent.test_context() as running:
            for payload in (encode(declared), b"not an event", encode(declared), encode(later)):
                await running.put(payload, key=club_id.encode(), wait=False)
            await wait_until("the later event to be handled", lambda: str(later.event_id) in processed())

    asyncio.run(scenario())
    assert sorted(processed()) == sorted([str(declared.event_id), str(later.event_id)])
    assert generation() == 2, "the duplicate did not mark the club dirty again"
    [letter] = dead_letters.parked(container.engine)
    assert (letter.type, letter.topic, letter.raw()) == ("record", MEMBERS, b"not an event")


def test_the_app_reads_a_new_group_from_the_start_and_declares_no_topics(
    container: Container, tmp_path: Path
) -> None:
    conf = build_app(container, tmp_path / "faust").conf
    assert conf.consumer_auto_offset_reset == "earliest"
    assert conf.topic_allow_declare is False
    assert conf.web_enabled is False
