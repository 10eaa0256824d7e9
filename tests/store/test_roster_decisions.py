"""Coordinators' decisions outlive the roster they were made on: a removal sticks, a placement is
kept, a placement that breaks a rule is refused; with the real solver and store."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from services.commands import ApproveRoster, PlaceMember, Refused, UndoRemoval, execute
from services.scheduler import Scheduler
from services.settings import Settings
from services.store import views
from services.store.tables import audit_log, help_requests
from services.store.uow import SqlUnitOfWork
from tests.commands_support import declare_availability, register, submit
from tests.store.test_contract import club_with_member, member_values, request_values

DAY = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)


def _member(engine: Engine, club_id: str, name: str, lat: float) -> str:
    with engine.begin() as conn:
        member_id, _ = register(conn, club_id, member_values(name, lat))
        declare_availability(conn, club_id, member_id, [(d, 0, 24 * 60) for d in range(7)], [], [])
    return member_id


def _solved(engine: Engine, club_id: str, made: int = 1) -> dict[str, Any]:
    """Re-plan the club now, as the scheduler does after a change; ``made`` proposals are expected
    (0 when nothing planning reads changed)."""
    with SqlUnitOfWork(engine) as uow:
        uow.schedule.mark_dirty(club_id, datetime.now(UTC) - timedelta(seconds=10))
        uow.commit()
    scheduler = Scheduler(lambda: SqlUnitOfWork(engine), Settings(debounce_s=0, max_delay_s=0), _solve)
    assert asyncio.run(scheduler.run_due()) == made
    with engine.connect() as conn:
        found = views.roster(conn, club_id, status="proposed")
    assert found is not None
    return found


def _solve(instance: Any, params: Any) -> Any:
    from solver import solve

    return solve(instance, params.model_copy(update={"time_limit_s": 2.0}))


@pytest.fixture
def club(engine: Engine) -> tuple[str, str, str, str]:
    club_id, partner_id, _ = club_with_member(engine)  # Ann has no availability: never proposed
    near = _member(engine, club_id, "Near", 51.48)
    far = _member(engine, club_id, "Far", 51.50)
    with engine.begin() as conn:
        request_id = submit(conn, club_id, partner_id, request_values(DAY))
    return club_id, request_id, near, far


def audited(engine: Engine) -> list[tuple[str, str, str | None]]:
    """The audit trail as stored: (action, object, related), oldest first."""
    a = audit_log.c
    with engine.connect() as conn:
        rows = conn.execute(select(a.action, a.object_id, a.related_id).order_by(a.id))
        return [(r.action, r.object_id, r.related_id) for r in rows]


def on(roster: dict[str, Any], request_id: str) -> set[str]:
    return {e["member_id"] for e in roster["entries"] if e["request_id"] == request_id}


def test_a_removed_member_is_not_proposed_again_for_that_request_until_undone(engine: Engine, club) -> None:
    club_id, request_id, near, far = club
    first = _solved(engine, club_id)
    assert on(first, request_id) == {near}
    execute(
        SqlUnitOfWork(engine),
        ApproveRoster(club_id, first["id"], "coord", remove=frozenset({(request_id, 0)})),
    )
    again = _solved(engine, club_id)
    assert on(again, request_id) == {far}
    assert on(_solved(engine, club_id, made=0), request_id) == {far}, "the removal sticks"
    execute(SqlUnitOfWork(engine), UndoRemoval(club_id, request_id, near, "coord"))
    assert on(_solved(engine, club_id), request_id) == {near}
    assert audited(engine) == [
        ("slot.remove", near, request_id),
        ("roster.approve", first["id"], None),
        ("removal.undo", near, request_id),
    ]


def test_a_placed_member_is_pinned_and_kept_by_the_next_solves(engine: Engine, club) -> None:
    club_id, request_id, _, far = club
    first = _solved(engine, club_id)
    execute(SqlUnitOfWork(engine), PlaceMember(club_id, first["id"], (request_id, 0), far, "coord"))
    again = _solved(engine, club_id)
    assert on(again, request_id) == {far}
    assert [e["pinned"] for e in again["entries"]] == [True]
    assert audited(engine) == [("slot.place", far, request_id)]


def test_placing_a_member_who_cannot_go_is_refused_and_changes_nothing(engine: Engine, club) -> None:
    club_id, request_id, near, far = club
    first = _solved(engine, club_id)
    with engine.begin() as conn:
        declare_availability(conn, club_id, far, [], [], [])
    with pytest.raises(Refused) as refused:
        execute(SqlUnitOfWork(engine), PlaceMember(club_id, first["id"], (request_id, 0), far, "coord"))
    assert refused.value.text == "is not available then (their availability or a day off)"
    with engine.connect() as conn:
        assert on(views.roster(conn, club_id, roster_id=first["id"]) or {}, request_id) == {near}
    assert audited(engine) == [], "a refused command leaves no audit entry either"


def released(roster: dict[str, Any]) -> set[tuple[str, str]]:
    return {(x["request_id"], x["member_id"]) for x in roster["released"]}


def test_a_released_pin_stays_explained_on_later_proposals_until_pinned_again(engine: Engine, club) -> None:
    club_id, request_id, _, far = club
    first = _solved(engine, club_id)
    execute(SqlUnitOfWork(engine), PlaceMember(club_id, first["id"], (request_id, 0), far, "coord"))
    _solved(engine, club_id)
    with engine.begin() as conn:
        declare_availability(conn, club_id, far, [], [], [])
    releasing = _solved(engine, club_id)
    assert released(releasing) == {(request_id, far)}

    with engine.begin() as conn:  # another change: the next proposal releases nothing itself
        partner_id = conn.execute(
            select(help_requests.c.partner_id).where(help_requests.c.id == request_id)
        ).scalar_one()
        submit(conn, club_id, partner_id, request_values(DAY + timedelta(hours=5)))
    later = _solved(engine, club_id)
    assert later["id"] != releasing["id"]
    assert released(later) == {(request_id, far)}
    assert later["released"][0]["reason"] == releasing["released"][0]["reason"]

    with engine.begin() as conn:
        declare_availability(conn, club_id, far, [(d, 0, 24 * 60) for d in range(7)], [], [])
    execute(SqlUnitOfWork(engine), PlaceMember(club_id, later["id"], (request_id, 0), far, "coord"))
    pinned_again = _solved(engine, club_id)
    assert released(pinned_again) == set()
    assert on(pinned_again, request_id) == {far}
