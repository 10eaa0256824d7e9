"""Erasure and retention, on both databases, checked by looking in every table afterwards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from services.commands import EraseMember, execute
from services.domain import new_id
from services.ports import AssignmentRow, Proposal, Slot
from services.store import notices, retention
from services.store.tables import (
    anonymous_assignments,
    assignments,
    help_requests,
    metadata,
    outbox,
    processed_events,
)
from services.store.tables import notices as notices_table
from services.store.uow import SqlUnitOfWork
from tests.commands_support import declare_availability, register, submit
from tests.store.test_contract import club_with_member, member_values, request_values

NOW = datetime.now(UTC).replace(microsecond=0)
NIA = member_values("Nia Quarrington") | {
    "email": "nia.q@example.org",
    "phone": "+447700900777",
    "home_place": "14 Ninian Park Road",
    "home_lat": 51.4712345,
    "home_lon": -3.2012345,
}


def everything(engine: Engine) -> list[tuple[str, Any]]:
    """Every value in every table, as (table, value)."""
    out = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                out += [(table.name, value) for value in row]
    return out


def request_at(engine: Engine, club_id: str, partner_id: str, start: datetime, kind: str) -> str:
    values = request_values(start) | {
        "kind": kind,
        "notes": "Ask for Dee on 07700 900123",
        "place_name": "Cardiff Crown Court",
    }
    with engine.begin() as conn:
        return submit(conn, club_id, partner_id, values)


def assign(engine: Engine, club_id: str, request_id: str, member_id: str, status: str) -> str:
    """An assignment as an approved roster leaves it (the roster itself is stored as the scheduler would)."""
    roster_id = new_id("ro")
    with SqlUnitOfWork(engine) as uow:
        uow.rosters.add_proposal(
            Proposal(
                roster_id, club_id, NOW, NOW, "optimal", 0, 0, 1, 1, 0.1, (Slot(request_id, 0, member_id),)
            )
        )
        row = AssignmentRow(new_id("a"), request_id, 0, member_id, status, roster_id)
        uow.assignments.add(row, club_id)
        uow.commit()
    return row.id


def test_erasing_a_member_leaves_nothing_that_says_who_they_are_or_where_they_went(engine: Engine) -> None:
    club_id, partner_id, _ = club_with_member(engine)
    with engine.begin() as conn:
        nia, _ = register(conn, club_id, NIA)
        declare_availability(conn, club_id, nia, [(0, 600, 900)], [], [NOW.date()])
        notices.set_prefs(conn, nia, email=True, signal=True, reminders=True)
    past = request_at(engine, club_id, partner_id, NOW - timedelta(days=3), "court_support")
    future = request_at(engine, club_id, partner_id, NOW + timedelta(days=2), "lookout")
    assign(engine, club_id, past, nia, "accepted")
    assign(engine, club_id, future, nia, "issued")
    notices.SqlNoticeStore(engine).add(
        [notices.Notice("k1", club_id, "issued", "email", NIA["email"], "New assignment", "Hello Nia")]
    )
    execute(SqlUnitOfWork(engine), EraseMember(nia, club_id))
    values = everything(engine)
    for secret in (NIA["name"], NIA["email"], NIA["phone"], NIA["home_place"], NIA["home_lat"], "Hello Nia"):
        assert [t for t, v in values if v == secret or (isinstance(v, str) and str(secret) in v)] == [], (
            secret
        )
    with engine.connect() as conn:
        assert conn.execute(select(assignments).where(assignments.c.member_id == nia)).first() is None
        counted = {(r.request_id, r.status) for r in conn.execute(select(anonymous_assignments))}
        last = conn.execute(select(outbox.c.type).order_by(outbox.c.seq.desc()).limit(2)).scalars().all()
    assert counted == {(past, "accepted"), (future, "withdrawn")}, "the work stays as anonymous counts"
    assert set(last) == {"MemberErased", "AssignmentWithdrawn"}


def test_retention_removes_old_details_and_who_went_to_high_risk_work(engine: Engine) -> None:
    club_id, partner_id, member_id = club_with_member(engine)
    old_court = request_at(engine, club_id, partner_id, NOW - timedelta(days=40), "court_support")
    old_cooking = request_at(engine, club_id, partner_id, NOW - timedelta(days=40), "cooking")
    recent_court = request_at(engine, club_id, partner_id, NOW - timedelta(days=5), "court_support")
    for request_id in (old_court, old_cooking, recent_court):
        assign(engine, club_id, request_id, member_id, "accepted")
    with engine.begin() as conn:
        conn.execute(
            notices_table.insert().values(
                dedupe_key="old",
                club_id=club_id,
                kind="issued",
                channel="email",
                address="ann@example.org",
                subject="s",
                body="b",
                status="sent",
                attempts=1,
                created_at=NOW - timedelta(days=45),
            )
        )
        conn.execute(outbox.update().values(published_at=NOW - timedelta(days=60)))
        conn.execute(
            processed_events.insert().values(
                consumer="c", event_id="e-old", processed_at=NOW - timedelta(days=60)
            )
        )
    pruned = retention.apply(engine, NOW, stream_days=30)
    assert (pruned.requests, pruned.links, pruned.notices) == (2, 1, 1)
    assert pruned.outbox >= 3 and pruned.processed == 1
    with engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(help_requests))}
        kept = {r.request_id for r in conn.execute(select(assignments))}
        counted = [r.request_id for r in conn.execute(select(anonymous_assignments))]
    assert rows[old_court].notes == "" and rows[old_court].place_name == "(removed)"
    assert rows[old_court].lat == round(request_values(NOW)["lat"], 1)
    assert rows[recent_court].notes != "", "recent work keeps its details"
    assert kept == {old_cooking, recent_court} and counted == [old_court]
    assert retention.apply(engine, NOW, stream_days=30) == retention.Pruned(), (
        "a second run has nothing to do"
    )
