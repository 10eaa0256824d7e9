"""A partner's quota, checked against the counts kept on its row (``writes._count_submission``),
holds exactly as counting its requests did: after cancellations, with ended requests, across
midnight, and for two transactions at once. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, column, func, insert, select, table

from services.commands import CancelRequest, DeactivatePartner, SubmitRequest
from services.domain import Conflict, PartnerQuota
from services.store import writes
from services.store.db import make_engine, upgrade
from services.store.request_rows import SqlRequests
from services.store.tables import UtcDateTime, clubs, help_requests, partners
from tests.commands_support import run_in
from tests.store.test_contract import club_with_member, request_values


def send(
    engine: Engine, club_id: str, partner_id: str, quota: PartnerQuota | None, start: datetime
) -> str | None:
    """One request through the command a partner's POST runs: its id, or None when refused."""
    try:
        with engine.begin() as conn:
            (request_id,) = run_in(conn, SubmitRequest(club_id, partner_id, [request_values(start)], quota))
    except Conflict:
        return None
    return str(request_id)


def counted(engine: Engine, partner_id: str) -> tuple[int, int]:
    """The open requests kept on the partner's row, and those its requests say."""
    r = help_requests.c
    with engine.connect() as conn:
        kept = conn.execute(select(partners.c.open_requests).where(partners.c.id == partner_id)).scalar_one()
        real = conn.execute(
            select(func.count()).where(r.partner_id == partner_id, r.status == "open", r.lift_for.is_(None))
        ).scalar_one()
    return kept, real


SOON = datetime.now(UTC) + timedelta(days=2)


def test_open_requests_are_held_to_the_quota_and_a_cancellation_frees_one(engine: Engine) -> None:
    club_id, partner_id, _ = club_with_member(engine)
    quota = PartnerQuota(open_requests=3, per_day=100)
    sent = [send(engine, club_id, partner_id, quota, SOON) for _ in range(4)]
    assert sent[3] is None and None not in sent[:3]
    with engine.begin() as conn:
        run_in(conn, CancelRequest(club_id, str(sent[0]), partner_id=partner_id))
        SqlRequests(conn).cancel(str(sent[0]))  # again, as a racing cancel would: counted once
    assert send(engine, club_id, partner_id, quota, SOON) is not None
    assert send(engine, club_id, partner_id, quota, SOON) is None
    assert counted(engine, partner_id) == (3, 3)


def test_requests_that_have_ended_do_not_count_against_the_quota(engine: Engine) -> None:
    """Ended requests stay open on the partner's row; the exact count at the quota leaves them out."""
    club_id, partner_id, _ = club_with_member(engine)
    quota = PartnerQuota(open_requests=2, per_day=100)
    for _ in range(3):  # a coordinator's entries: no quota, but counted
        assert send(engine, club_id, partner_id, None, datetime.now(UTC) - timedelta(days=3)) is not None
    sent = [send(engine, club_id, partner_id, quota, SOON) for _ in range(3)]
    assert sent[2] is None and None not in sent[:2]
    assert counted(engine, partner_id) == (5, 5)


def test_a_deactivated_partners_cancelled_requests_leave_its_count(engine: Engine) -> None:
    club_id, partner_id, _ = club_with_member(engine)
    for _ in range(3):
        send(engine, club_id, partner_id, None, SOON)
    with engine.begin() as conn:
        run_in(conn, DeactivatePartner(club_id, partner_id))
    assert counted(engine, partner_id) == (0, 0)


def test_the_daily_quota_counts_the_last_24_hours_across_midnight(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sent at 23:00, the requests still count at 01:00 the next day (the day before's count), and no
    longer 24 hours after; cancelling one gives nothing back."""
    club_id, partner_id, _ = club_with_member(engine)
    quota = PartnerQuota(open_requests=100, per_day=3)
    evening = datetime.now(UTC).replace(hour=23, minute=0, second=0, microsecond=0) + timedelta(days=1)

    def at(when: datetime) -> None:
        monkeypatch.setattr(writes, "_now", lambda: when)

    at(evening)
    sent = [send(engine, club_id, partner_id, quota, SOON + timedelta(days=2)) for _ in range(4)]
    assert sent[3] is None and None not in sent[:3]
    with engine.begin() as conn:
        run_in(conn, CancelRequest(club_id, str(sent[0]), partner_id=partner_id))
    at(evening + timedelta(hours=2))
    assert send(engine, club_id, partner_id, quota, SOON + timedelta(days=2)) is None
    at(evening + timedelta(hours=24, minutes=1))
    assert send(engine, club_id, partner_id, quota, SOON + timedelta(days=2)) is not None
    at(evening + timedelta(days=3))  # two quiet days: nothing left of those counts
    assert [send(engine, club_id, partner_id, quota, SOON + timedelta(days=4)) for _ in range(4)][3] is None


def test_two_transactions_at_once_cannot_both_take_the_last_place(engine: Engine) -> None:
    """The first holds the partner's row until it commits; the second then counts its request.
    (Counting requests alone, on PostgreSQL both saw one open and both were stored.)"""
    club_id, partner_id, _ = club_with_member(engine)
    quota = PartnerQuota(open_requests=2, per_day=100)
    assert send(engine, club_id, partner_id, quota, SOON) is not None
    first_sent, commit_first = threading.Event(), threading.Event()
    outcomes: list[Any] = []

    def first() -> None:
        with engine.begin() as conn:
            run_in(conn, SubmitRequest(club_id, partner_id, [request_values(SOON)], quota))
            first_sent.set()
            commit_first.wait(10)
        outcomes.append("first stored")

    def second() -> None:
        outcomes.append(send(engine, club_id, partner_id, quota, SOON))

    one = threading.Thread(target=first)
    one.start()
    assert first_sent.wait(10)
    two = threading.Thread(target=second)
    two.start()
    time.sleep(0.5)  # the second is now waiting for the first's lock
    commit_first.set()
    one.join(10)
    two.join(10)
    assert outcomes == ["first stored", None]
    assert counted(engine, partner_id) == (2, 2)


BEFORE_0023 = table(
    "partners",
    *(column(name) for name in ("id", "club_id", "name", "active")),
    column("created_at", UtcDateTime()),
)


def test_the_migration_counts_what_partners_have_already_sent(database_url: str) -> None:
    """Open requests and those sent in the last day, as they stood; ended and cancelled ones, lifts
    and older ones as counting them said."""
    upgrade(database_url, "0022")
    now = datetime.now(UTC)
    engine = make_engine(database_url)
    rows = [  # (status, lift_for, sent hours ago)
        ("open", None, 1),
        ("open", None, 30),
        ("cancelled", None, 2),
        ("open", "r-work", 1),
    ]
    try:
        with engine.begin() as conn:
            conn.execute(insert(clubs).values(id="c1", name="Club", timezone="UTC", created_at=now))
            conn.execute(
                insert(BEFORE_0023).values(id="p1", club_id="c1", name="Bank", active=True, created_at=now)
            )
            for i, (status, lift_for, hours) in enumerate(rows):
                sent = now - timedelta(hours=hours)
                conn.execute(
                    insert(help_requests).values(
                        id=f"r{i}",
                        club_id="c1",
                        partner_id="p1",
                        status=status,
                        lift_for=lift_for,
                        created_at=sent,
                        **request_values(now + timedelta(days=1)),
                    )
                )
        upgrade(database_url)
        p = partners.c
        with engine.connect() as conn:
            kept = conn.execute(select(p.open_requests, p.sent_day, p.sent_today, p.sent_yesterday)).one()
    finally:
        engine.dispose()
    assert tuple(kept) == (2, now.toordinal(), 2, 0)
