"""The store's contract, run against SQLite and PostgreSQL alike."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, func, select, update

from events import AvailabilityDeclared, RosterApproved, decode
from services.commands import ApproveRoster, CancelRequest, DeactivateMember, execute
from services.domain import Conflict, new_id
from services.handlers import handle
from services.ports import Proposal, Slot
from services.pump import pump_once
from services.relay_lead import RelayLease
from services.store import leases, outbox, writes
from services.store.db import MIGRATIONS, current_revision
from services.store.outbox import OutboxRow
from services.store.tables import assignments, metadata, processed_events, schedule_state
from services.store.tables import leases as leases_table
from services.store.tables import outbox as outbox_table
from services.store.uow import SqlUnitOfWork
from tests.commands_support import create_club, register, run_in, submit

NOW = datetime.now(UTC).replace(microsecond=0)


def count(engine: Engine, table: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def member_values(name: str, home_lat: float = 51.48) -> dict[str, Any]:
    return {
        "name": name,
        "share_first_name": False,
        "email": None,
        "phone": None,
        "skills": ["cook"],
        "home_place": None,
        "home_lat": home_lat,
        "home_lon": -3.18,
        "max_hours_week": 8,
        "car_seats": None,
        "max_travel_km": None,
        "liked_kinds": [],
        "refused_kinds": [],
        "refused_partners": [],
    }


def club_with_member(engine: Engine) -> tuple[str, str, str]:
    with engine.begin() as conn:
        club_id, _ = create_club(conn, "Test club")
        partner_id, _ = writes.add_partner(conn, club_id, "Food bank", None)
        member_id, _ = register(conn, club_id, member_values("Ann Example"))
    return club_id, partner_id, member_id


def request_values(start: datetime, hours: int = 2) -> dict[str, Any]:
    return {
        "kind": "cooking",
        "title": "Cook",
        "notes": "",
        "place_name": "Hall",
        "lat": 51.48,
        "lon": -3.18,
        "starts_at": start,
        "ends_at": start + timedelta(hours=hours),
        "headcount": 1,
        "skills": ["cook"],
        "lead_skills": [],
        "passengers": 0,
        "priority": 3,
    }


def add_request(engine: Engine, club_id: str, partner_id: str, hours_ahead: int = 24) -> str:
    with engine.begin() as conn:
        return submit(conn, club_id, partner_id, request_values(NOW + timedelta(hours=hours_ahead)))


def test_migrations_reach_head(database_url: str, engine: Engine) -> None:
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None and current_revision(database_url) == head


def test_migrations_build_exactly_the_tables_the_code_uses(engine: Engine) -> None:
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_a_command_writes_its_state_and_its_event_together(engine: Engine) -> None:
    club_id, partner_id, _ = club_with_member(engine)
    before = count(engine, outbox_table)
    add_request(engine, club_id, partner_id)
    with engine.connect() as conn:
        rows = outbox.unpublished(conn, 100)
    assert count(engine, outbox_table) == before + 1
    assert rows[-1].type == "RequestSubmitted" and rows[-1].club_id == club_id


def test_a_failed_command_stores_neither_state_nor_event(engine: Engine) -> None:
    club_id, partner_id, _ = club_with_member(engine)
    before = count(engine, outbox_table)
    with pytest.raises(writes.Conflict), engine.begin() as conn:
        request_id = submit(conn, club_id, partner_id, request_values(NOW, hours=1))
        run_in(conn, CancelRequest(club_id, request_id, partner_id=partner_id))
        run_in(conn, CancelRequest(club_id, request_id, partner_id=partner_id))
    assert count(engine, outbox_table) == before
    with engine.connect() as conn, pytest.raises(writes.NotFound):
        run_in(conn, CancelRequest(club_id, request_id, partner_id=partner_id))


def test_a_duplicate_delivery_is_a_no_op(engine: Engine) -> None:
    club_id, _, member_id = club_with_member(engine)
    event = AvailabilityDeclared(club_id=club_id, member_id=member_id)
    assert handle("c1", event, SqlUnitOfWork(engine)) is True
    assert handle("c1", event, SqlUnitOfWork(engine)) is False
    with engine.connect() as conn:
        generation = conn.execute(select(schedule_state.c.generation)).scalar_one()
    assert generation == 1
    assert count(engine, processed_events) == 1


def test_a_handler_failure_rolls_back_its_inbox_record(engine: Engine) -> None:
    event = RosterApproved(club_id="no-such-club", roster_id="no-such-roster", approved_by="x")
    with pytest.raises(Exception, match="No row was found"):
        handle("c1", event, SqlUnitOfWork(engine))
    assert count(engine, processed_events) == 0


def test_the_pump_delivers_every_row_once_in_order_and_marks_it(engine: Engine) -> None:
    club_id, partner_id, _ = club_with_member(engine)
    for hours in range(3):
        add_request(engine, club_id, partner_id, 24 + hours)
    seen: list[OutboxRow] = []
    while pump_once(engine, seen.extend, batch=2):
        pass
    assert [r.seq for r in seen] == sorted(r.seq for r in seen)
    assert len({r.event_id for r in seen}) == len(seen) == count(engine, outbox_table)
    assert pump_once(engine, seen.extend, batch=2) == 0


def test_a_failing_sink_leaves_rows_for_the_next_try(engine: Engine) -> None:
    club_with_member(engine)

    def broken(rows: list[OutboxRow]) -> None:
        raise ConnectionError("broker down")

    with pytest.raises(ConnectionError):
        pump_once(engine, broken, batch=10)
    delivered: list[OutboxRow] = []
    assert pump_once(engine, delivered.extend, batch=10) == count(engine, outbox_table)


def test_debounce_waits_for_quiet_then_only_one_scheduler_gets_the_lease(engine: Engine) -> None:
    club_id, _, _ = club_with_member(engine)
    with SqlUnitOfWork(engine) as uow:
        uow.schedule.mark_dirty(club_id, NOW)
        uow.schedule.mark_dirty(club_id, NOW + timedelta(seconds=1))
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        assert uow.schedule.due(NOW + timedelta(seconds=1.2), debounce_s=0.5, max_delay_s=10) == []
        assert uow.schedule.due(NOW + timedelta(seconds=2), debounce_s=0.5, max_delay_s=10) == [(club_id, 2)]
        assert uow.schedule.take_lease(club_id, "a", NOW, 30) == 2
        assert uow.schedule.take_lease(club_id, "b", NOW, 30) is None
        assert uow.schedule.mark_solved(club_id, 2, "a") is True
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        assert uow.schedule.due(NOW + timedelta(hours=1), debounce_s=0.5, max_delay_s=10) == []
        uow.schedule.mark_dirty(club_id, NOW + timedelta(hours=2))
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        later = NOW + timedelta(hours=2)
        assert uow.schedule.due(later + timedelta(seconds=5), debounce_s=60, max_delay_s=10) == [], (
            "after a solve the longest wait counts from the next change"
        )
        assert uow.schedule.due(later + timedelta(seconds=11), debounce_s=60, max_delay_s=10) == [
            (club_id, 3)
        ]


def test_an_urgent_change_is_due_at_once_until_its_generation_is_solved(engine: Engine) -> None:
    club_id, _, _ = club_with_member(engine)
    quiet: dict[str, Any] = {"debounce_s": 60, "max_delay_s": 600}
    with SqlUnitOfWork(engine) as uow:
        uow.schedule.mark_dirty(club_id, NOW)
        assert uow.schedule.due(NOW, **quiet) == [], "an ordinary change waits for quiet"
        uow.schedule.mark_dirty(club_id, NOW, urgent=True)
        uow.schedule.mark_dirty(club_id, NOW)
        assert uow.schedule.due(NOW, **quiet) == [(club_id, 3)], "later ordinary changes keep it due"
        assert uow.schedule.take_lease(club_id, "a", NOW, 30) == 3
        uow.schedule.mark_dirty(club_id, NOW, urgent=True)  # arrives during the solve
        assert uow.schedule.mark_solved(club_id, 3, "a") is True
        assert uow.schedule.due(NOW, **quiet) == [(club_id, 4)], "the change made during the solve"
        assert uow.schedule.take_lease(club_id, "a", NOW, 30) == 4
        assert uow.schedule.mark_solved(club_id, 4, "a") is True
        uow.schedule.mark_dirty(club_id, NOW)
        assert uow.schedule.due(NOW, **quiet) == [], "solved: the next change waits for quiet again"
        uow.commit()


def test_a_resting_club_waits_for_quiet_or_an_urgent_change_not_for_the_longest_wait(engine: Engine) -> None:
    club_id, _, _ = club_with_member(engine)
    waits: dict[str, Any] = {"debounce_s": 60, "max_delay_s": 10}
    later = NOW + timedelta(seconds=30)  # past the longest wait, changes still coming
    with SqlUnitOfWork(engine) as uow:
        uow.schedule.mark_dirty(club_id, NOW)
        uow.schedule.mark_dirty(club_id, later)
        assert uow.schedule.due(later, **waits) == [(club_id, 2)], "the longest wait has passed"
        assert uow.schedule.due(later, **waits, resting=[club_id]) == [], "resting: not by the longest wait"
        assert uow.schedule.due(later, **waits, resting=["another club"]) == [(club_id, 2)]
        quiet = later + timedelta(seconds=61)
        assert uow.schedule.due(quiet, **waits, resting=[club_id]) == [(club_id, 2)], "quiet re-plans"
        uow.schedule.mark_dirty(club_id, later, urgent=True)
        assert uow.schedule.due(later, **waits, resting=[club_id]) == [(club_id, 3)], "urgent re-plans"
        uow.commit()


def test_concurrent_first_events_of_a_new_club_both_mark_it_dirty(engine: Engine) -> None:
    """Each transaction stays open a moment after marking, so on PostgreSQL the second marks while
    the first's new row is uncommitted: an update-then-insert then failed on the primary key."""
    club_id, _, _ = club_with_member(engine)
    assert count(engine, schedule_state) == 0
    barrier, failures = threading.Barrier(2), list[Exception]()

    def first_event(at: datetime) -> None:
        barrier.wait()
        try:
            with SqlUnitOfWork(engine) as uow:
                uow.schedule.mark_dirty(club_id, at)
                time.sleep(0.3)
                uow.commit()
        except Exception as exc:
            failures.append(exc)

    times = [NOW, NOW + timedelta(seconds=1)]
    threads = [threading.Thread(target=first_event, args=(at,)) for at in times]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    with engine.connect() as conn:
        row = conn.execute(select(schedule_state).where(schedule_state.c.club_id == club_id)).one()
    assert (row.generation, row.solved_generation) == (2, 0)
    assert sorted([row.first_dirty_at, row.last_dirty_at]) == times, "one marked it first, the other last"


def test_a_solve_that_outlived_its_lease_cannot_record_over_a_newer_one(engine: Engine) -> None:
    club_id, _, _ = club_with_member(engine)
    with SqlUnitOfWork(engine) as uow:
        uow.schedule.mark_dirty(club_id, NOW)
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        assert uow.schedule.take_lease(club_id, "slow", NOW, 5) == 1
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        uow.schedule.mark_dirty(club_id, NOW + timedelta(seconds=6))
        assert uow.schedule.take_lease(club_id, "fast", NOW + timedelta(seconds=7), 5) == 2
        assert uow.schedule.mark_solved(club_id, 2, "fast") is True
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        assert uow.schedule.mark_solved(club_id, 1, "slow") is False


def test_a_failed_solve_is_shown_once_per_change_and_waits_for_its_retry(engine: Engine) -> None:
    club_id, _, _ = club_with_member(engine)
    later = NOW + timedelta(seconds=30)
    with SqlUnitOfWork(engine) as uow:
        uow.schedule.mark_dirty(club_id, NOW)
        generation = uow.schedule.take_lease(club_id, "a", NOW, 30)
        assert generation == 1
        assert uow.schedule.mark_failed(club_id, 1, "a", "ValueError: boom", later) is True
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        assert uow.schedule.due(later - timedelta(seconds=1), debounce_s=0.5, max_delay_s=10) == []
        assert uow.schedule.due(later, debounce_s=0.5, max_delay_s=10) == [(club_id, 1)]
        assert uow.schedule.failures(club_id) == 1
        assert uow.schedule.take_lease(club_id, "a", later, 30) == 1
        assert uow.schedule.mark_failed(club_id, 1, "a", "ValueError: boom", later) is False
        assert uow.schedule.failures(club_id) == 2
        assert uow.schedule.take_lease(club_id, "a", later, 30) == 1
        gone = later + timedelta(seconds=31)  # a paused past its lease: b takes the club
        assert uow.schedule.take_lease(club_id, "b", gone, 30) == 1
        assert uow.schedule.mark_failed(club_id, 1, "a", "TimeoutError", gone) is None, "a's lease is gone"
        assert uow.schedule.failures(club_id) == 2
        assert uow.schedule.mark_failed(club_id, 1, "b", "ValueError: boom", later) is False
        assert uow.schedule.failures(club_id) == 3
        assert uow.schedule.take_lease(club_id, "a", later, 30) == 1
        assert uow.schedule.mark_solved(club_id, 1, "a") is True
        assert uow.schedule.failures(club_id) == 0
        uow.commit()


def _proposal(engine: Engine, club_id: str, request_id: str, member_id: str) -> str:
    roster_id = new_id("ro")
    with SqlUnitOfWork(engine) as uow:
        uow.rosters.add_proposal(
            Proposal(
                roster_id,
                club_id,
                NOW,
                NOW + timedelta(days=7),
                "optimal",
                3000,
                3000,
                1,
                1,
                0.1,
                (Slot(request_id, 0, member_id),),
            )
        )
        uow.commit()
    return roster_id


def test_of_two_concurrent_approvals_exactly_one_wins(engine: Engine) -> None:
    club_id, partner_id, member_id = club_with_member(engine)
    roster_id = _proposal(engine, club_id, add_request(engine, club_id, partner_id), member_id)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def approve_as(who: str) -> None:
        barrier.wait()
        try:
            approve(engine, club_id, roster_id, who)
            outcomes.append("approved")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=approve_as, args=(f"coord-{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["approved", "conflict"]
    approvals = [r for r in _all_outbox(engine) if r.type == "RosterApproved"]
    assert len(approvals) == 1


def approve(engine: Engine, club_id: str, roster_id: str, who: str) -> None:
    execute(SqlUnitOfWork(engine), ApproveRoster(club_id, roster_id, who))


def _all_outbox(engine: Engine) -> list[OutboxRow]:
    with engine.connect() as conn:
        return outbox.unpublished(conn, 10_000)


def test_approval_through_the_dispatcher_issues_assignments_once(engine: Engine) -> None:
    club_id, partner_id, member_id = club_with_member(engine)
    roster_id = _proposal(engine, club_id, add_request(engine, club_id, partner_id), member_id)
    approve(engine, club_id, roster_id, "coord")
    rows = _all_outbox(engine)

    def deliver(batch: list[OutboxRow]) -> None:
        for row in batch:
            handle("embedded", decode(row.payload), SqlUnitOfWork(engine))

    deliver(rows)
    deliver(rows)  # a redelivery of everything
    with engine.connect() as conn:
        issued = conn.execute(select(assignments.c.member_id, assignments.c.status)).all()
    assert [tuple(r) for r in issued] == [(member_id, "issued")]


def test_an_approval_handled_after_its_requests_cancellation_sends_nobody(engine: Engine) -> None:
    """Kafka orders events per topic only, so a cancellation may be handled before the approval."""
    club_id, partner_id, member_id = club_with_member(engine)
    request_id = add_request(engine, club_id, partner_id)
    roster_id = _proposal(engine, club_id, request_id, member_id)
    approve(engine, club_id, roster_id, "coord")
    with engine.begin() as conn:
        run_in(conn, CancelRequest(club_id, request_id, partner_id=partner_id))
    for row in _all_outbox(engine):
        handle("embedded", decode(row.payload), SqlUnitOfWork(engine))
    assert count(engine, assignments) == 0


def test_one_relay_leads_and_a_paused_one_is_fenced_by_the_epoch(engine: Engine) -> None:
    ttl = timedelta(seconds=15)
    with engine.begin() as conn:
        first = leases.acquire(conn, leases.RELAY, "a", NOW, ttl)
        assert first is not None
        assert leases.acquire(conn, leases.RELAY, "b", NOW + timedelta(seconds=1), ttl) is None, "b stands by"
        leases.renew(conn, leases.RELAY, "a", first, NOW + timedelta(seconds=10), ttl)
        assert leases.acquire(conn, leases.RELAY, "b", NOW + timedelta(seconds=20), ttl) is None, "renewed"
    # a is paused past its lease: b takes over with a new epoch, and a can no longer renew.
    late = NOW + timedelta(seconds=26)
    with engine.begin() as conn:
        second = leases.acquire(conn, leases.RELAY, "b", late, ttl)
    assert second == first + 1
    with engine.begin() as conn, pytest.raises(leases.LeaseLost):
        leases.renew(conn, leases.RELAY, "a", first, late, ttl)
    with engine.begin() as conn:
        leases.release(conn, leases.RELAY, "b", second)
        assert leases.acquire(conn, leases.RELAY, "a", late, ttl) == second + 1, "a release frees it at once"


def test_a_pump_that_lost_its_lease_marks_nothing_published(engine: Engine) -> None:
    club_id, partner_id, _ = club_with_member(engine)
    add_request(engine, club_id, partner_id)
    before = len(_all_outbox(engine))
    now = datetime.now(UTC)
    ttl = timedelta(seconds=15)
    with engine.begin() as conn:
        epoch = leases.acquire(conn, leases.RELAY, "a", now, ttl)
    assert epoch is not None
    fence = RelayLease("a", epoch, ttl)
    sent: list[OutboxRow] = []

    def paused_sink(rows: list[OutboxRow]) -> None:
        sent.extend(rows)
        with engine.begin() as conn:  # meanwhile the lease expired and another relay took it
            conn.execute(update(leases_table).values(expires_at=now - timedelta(seconds=1)))
            assert leases.acquire(conn, leases.RELAY, "b", now, ttl) == epoch + 1

    with pytest.raises(leases.LeaseLost):
        pump_once(engine, paused_sink, 500, fence)
    assert len(sent) == before and len(_all_outbox(engine)) == before, "nothing was marked"


def test_a_request_reached_by_the_rolling_horizon_triggers_a_solve(engine: Engine) -> None:
    club_id, partner_id, member_id = club_with_member(engine)
    add_request(engine, club_id, partner_id, hours_ahead=24 * 9)  # beyond the first 7-day horizon
    _proposal(engine, club_id, add_request(engine, club_id, partner_id), member_id)  # planned 7 days
    with SqlUnitOfWork(engine) as uow:
        assert uow.schedule.mark_horizon_arrivals(NOW, NOW + timedelta(days=7)) == []
        assert uow.schedule.mark_horizon_arrivals(NOW + timedelta(days=3), NOW + timedelta(days=10)) == [
            club_id
        ]
        uow.commit()


def test_a_member_deactivated_before_or_after_approval_is_sent_nowhere(engine: Engine) -> None:
    club_id, partner_id, member_id = club_with_member(engine)
    roster_id = _proposal(engine, club_id, add_request(engine, club_id, partner_id), member_id)
    approve(engine, club_id, roster_id, "coord")

    def dispatch() -> None:
        for row in _all_outbox(engine):
            handle("embedded", decode(row.payload), SqlUnitOfWork(engine))

    dispatch()
    with engine.begin() as conn:
        run_in(conn, DeactivateMember(club_id, member_id))
    dispatch()
    with engine.connect() as conn:
        assert conn.execute(select(assignments.c.status)).scalars().all() == ["withdrawn"]
    again = _proposal(engine, club_id, add_request(engine, club_id, partner_id, hours_ahead=30), member_id)
    approve(engine, club_id, again, "coord")
    dispatch()
    assert count(engine, assignments) == 1, "no assignment for a member who has left"
