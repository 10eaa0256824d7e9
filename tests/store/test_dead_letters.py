"""An event that keeps failing is parked, and the events behind it still get through."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest
import structlog
from sqlalchemy import Engine, select

from entrypoints.bootstrap import bootstrap
from events import AvailabilityDeclared, RosterApproved
from services.delivery import EMBEDDED_CONSUMER, Container
from services.pump import pump_once
from services.settings import Settings
from services.store import dead_letters, outbox
from services.store.tables import processed_events, schedule_state
from tests.e2e_support import MECHANIC, mechanic_env
from tests.store.test_contract import club_with_member


@pytest.fixture
def container(database_url: str, engine: Engine) -> Iterator[Container]:
    made = bootstrap(Settings(database_url=database_url), migrate=False)
    yield made
    made.close()


def test_a_poison_event_is_parked_at_once_and_the_next_one_is_handled(container: Container) -> None:
    club_id, _, member_id = club_with_member(container.engine)
    poison = RosterApproved(club_id=club_id, roster_id="no-such-roster", approved_by="coord")
    after = AvailabilityDeclared(club_id=club_id, member_id=member_id)
    with container.engine.begin() as conn:
        outbox.append(conn, poison)
        outbox.append(conn, after)
    with structlog.testing.capture_logs() as logs:
        while pump_once(container.engine, container.embedded_sink(), 100):
            pass
    assert [e["event"] for e in logs if e["event"].startswith("event.")] == ["event.parked"], (
        "a missing row fails the same way every time: no retries hold the events behind it"
    )
    [letter] = dead_letters.parked(container.engine)
    assert (letter.consumer, letter.event_id, letter.type) == (
        EMBEDDED_CONSUMER,
        str(poison.event_id),
        "RosterApproved",
    )
    assert "No row was found" in letter.error
    with container.engine.connect() as conn:
        handled = set(conn.execute(select(processed_events.c.event_id)).scalars())
        generation = conn.execute(select(schedule_state.c.generation)).scalar_one()
    assert str(after.event_id) in handled and str(poison.event_id) not in handled
    assert generation >= 1, "the availability change behind the poison event marked the club for a solve"


def test_events_are_handled_together_up_to_a_failing_one_which_goes_alone(container: Container) -> None:
    club_id, _, member_id = club_with_member(container.engine)
    before = AvailabilityDeclared(club_id=club_id, member_id=member_id)
    poison = RosterApproved(club_id=club_id, roster_id="no-such-roster", approved_by="coord")
    after = AvailabilityDeclared(club_id=club_id, member_id=member_id)
    assert container.handle_together(EMBEDDED_CONSUMER, [before, poison, after]) == 1
    with container.engine.connect() as conn:
        handled = set(conn.execute(select(processed_events.c.event_id)).scalars())
    assert handled == {str(before.event_id)}, "the run stops at the poison: nothing of it or after it"
    with container.engine.begin() as conn:
        for event in (before, poison, after):
            outbox.append(conn, event)
    while pump_once(container.engine, container.embedded_sink(), 100):
        pass
    with container.engine.connect() as conn:
        handled = set(conn.execute(select(processed_events.c.event_id)).scalars())
    assert {str(before.event_id), str(after.event_id)} <= handled and str(poison.event_id) not in handled
    assert [letter.event_id for letter in dead_letters.parked(container.engine)] == [str(poison.event_id)]


def test_replay_keeps_a_letter_that_still_fails_and_releases_one_that_succeeds(
    database_url: str, container: Container
) -> None:
    club_id, _, member_id = club_with_member(container.engine)
    poison = RosterApproved(club_id=club_id, roster_id="no-such-roster", approved_by="coord")
    healed = AvailabilityDeclared(club_id=club_id, member_id=member_id)
    for event in (poison, healed):
        dead_letters.park(container.engine, EMBEDDED_CONSUMER, event, "boom")
    env = mechanic_env({"MECHANIC_DATABASE_URL": database_url})
    replay = subprocess.run([*MECHANIC, "dead-letters", "--replay"], env=env, capture_output=True, text=True)
    assert replay.returncode == 1, replay.stderr
    assert "still failing" in replay.stderr and "replayed" in replay.stdout
    assert [letter.event_id for letter in dead_letters.parked(container.engine)] == [str(poison.event_id)]


def test_an_event_of_a_newer_schema_version_is_parked_untouched(container: Container) -> None:
    club_id, _, member_id = club_with_member(container.engine)
    newer = AvailabilityDeclared(club_id=club_id, member_id=member_id, schema_version=99)
    assert container.deliver(EMBEDDED_CONSUMER, newer) is False
    [letter] = dead_letters.parked(container.engine)
    assert "schema version 99 is newer than this worker reads (1)" in letter.error
    with container.engine.connect() as conn:
        assert conn.execute(select(processed_events)).first() is None


def test_replay_leaves_an_event_of_a_newer_schema_version_parked(
    database_url: str, container: Container
) -> None:
    """Only a newer worker may take it: replayed by this version, its fields would be misread."""
    club_id, _, member_id = club_with_member(container.engine)
    newer = AvailabilityDeclared(club_id=club_id, member_id=member_id, schema_version=99)
    assert container.deliver(EMBEDDED_CONSUMER, newer) is False
    env = mechanic_env({"MECHANIC_DATABASE_URL": database_url})
    replay = subprocess.run([*MECHANIC, "dead-letters", "--replay"], env=env, capture_output=True, text=True)
    assert replay.returncode == 1 and "replay it with a newer version" in replay.stderr, replay.stderr
    assert [letter.event_id for letter in dead_letters.parked(container.engine)] == [str(newer.event_id)]
    with container.engine.connect() as conn:
        assert conn.execute(select(processed_events)).first() is None


def test_discard_drops_only_the_letter_asked_for(database_url: str, container: Container) -> None:
    club_id, _, member_id = club_with_member(container.engine)
    first, second = (AvailabilityDeclared(club_id=club_id, member_id=member_id) for _ in range(2))
    for event in (first, second):
        dead_letters.park(container.engine, EMBEDDED_CONSUMER, event, "boom")
    env = mechanic_env({"MECHANIC_DATABASE_URL": database_url})
    done = subprocess.run(
        [*MECHANIC, "dead-letters", "--discard", "--id", str(first.event_id)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and "discarded" in done.stdout, done.stderr
    assert [letter.event_id for letter in dead_letters.parked(container.engine)] == [str(second.event_id)]
