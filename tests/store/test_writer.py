"""The writer's group commit on a real database: each caller hears back only after the COMMIT that
stored its work, one caller's failure is its own, and a failed COMMIT is everybody's."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, select
from sqlalchemy.exc import DBAPIError

from services.domain import PartnerQuota
from services.store import writes
from services.store.tables import clubs
from services.store.writer import Writer
from tests.commands_support import create_club
from tests.faults import lose_connection, on_commit
from tests.store.test_contract import club_with_member, count, request_values


@pytest.fixture
def writer(engine: Engine) -> Iterator[Writer]:
    writer = Writer(engine)
    yield writer
    writer.close()


def new_club(name: str) -> Any:
    def work(conn: Connection) -> str:
        club_id, _ = create_club(conn, name)
        return club_id

    return work


@contextmanager
def busy(writer: Writer) -> Iterator[None]:
    """Keep the writer on one piece of work, so what is submitted inside the block queues for its
    next batch (one transaction); the held work finishes when the block ends."""
    held, release = threading.Event(), threading.Event()

    def hold(conn: Connection) -> None:
        held.set()
        release.wait(10)

    first = writer.submit(hold)
    assert held.wait(10)
    try:
        yield
    finally:
        release.set()
        first.result(10)


def stored_names(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(clubs.c.name)).scalars())


def test_a_result_comes_back_after_its_work_is_committed(engine: Engine, writer: Writer) -> None:
    club_id = writer.call(new_club("Riverside"))
    with engine.connect() as conn:  # another connection sees it: it is committed, not merely written
        assert conn.execute(select(clubs.c.name).where(clubs.c.id == club_id)).scalar_one() == "Riverside"


def test_work_queued_together_commits_together_and_one_failure_is_its_own(
    engine: Engine, writer: Writer
) -> None:
    commits: list[object] = []

    def counted(conn: Connection) -> None:
        commits.append(conn)

    def refuse(conn: Connection) -> None:
        create_club(conn, "Half-made")
        raise writes.Conflict("refused")

    event.listen(engine, "commit", counted)
    try:
        with busy(writer):  # what follows queues for the writer's next batch
            queued: list[Future[Any]] = [writer.submit(new_club(f"Club {i}")) for i in range(5)]
            refused = writer.submit(refuse)
            queued.append(writer.submit(new_club("Club 5")))
        results = [f.result(10) for f in queued]
    finally:
        event.remove(engine, "commit", counted)
    with pytest.raises(writes.Conflict):
        refused.result(10)
    assert len(set(results)) == 6
    assert stored_names(engine) >= {f"Club {i}" for i in range(6)}
    assert "Half-made" not in stored_names(engine)
    assert len(commits) == 2  # the batch held open, then the seven queued behind it in one


def test_a_commit_that_fails_fails_every_caller_in_its_batch_and_stores_nothing(
    engine: Engine, writer: Writer
) -> None:
    before = count(engine, clubs)
    with on_commit(engine, lose_connection), pytest.raises(DBAPIError):
        writer.call(new_club("Lost"))  # a driver error: the API answers it with a 503
    assert count(engine, clubs) == before
    assert writer.call(new_club("After")) is not None  # the writer goes on with a fresh connection


def test_a_connection_lost_inside_the_work_is_a_driver_error_for_everyone_in_its_batch(
    engine: Engine, writer: Writer
) -> None:
    """A database restart mid-statement: there is no savepoint left to roll back to, so the work's
    own driver error (a 503 for the API) goes to its caller and to those it shared the transaction
    with, never SQLAlchemy's "rollback first" complaint about the dead connection (a 500)."""
    before = count(engine, clubs)

    def dies(conn: Connection) -> None:
        create_club(conn, "Half")
        lose_connection(conn)
        create_club(conn, "Never")

    with busy(writer):
        queued = [writer.submit(new_club("Beside")), writer.submit(dies), writer.submit(new_club("After it"))]
    for future in queued:
        with pytest.raises(DBAPIError):
            future.result(5)
    assert count(engine, clubs) == before + 0
    assert writer.call(new_club("Later")) is not None  # the writer goes on with a fresh connection


def test_a_closed_writer_refuses_new_work(engine: Engine) -> None:
    writer = Writer(engine)
    writer.close()
    with pytest.raises(RuntimeError, match="closed"):
        writer.submit(new_club("Late"))


def test_with_several_lanes_a_partners_quota_still_holds_under_a_burst(engine: Engine) -> None:
    """Lanes commit side by side (on PostgreSQL), but a partner's submissions keep to one lane, in
    order, so each quota check sees the ones before it stored: of 12 sent at once within a quota
    of 5 open requests, exactly 5 are stored; another partner's go through beside them."""
    club_id, partner_id, _ = club_with_member(engine)
    with engine.begin() as conn:
        other_id, _ = writes.add_partner(conn, club_id, "Tenants' union", None)
    quota = PartnerQuota(open_requests=5, per_day=100)
    start = datetime.now(UTC) + timedelta(days=2)

    def submit(partner: str) -> Any:
        return lambda conn: writes.submit_request(conn, club_id, partner, request_values(start), quota)

    writer = Writer(engine, lanes=4)
    try:
        sent = [(p, writer.submit(submit(p), key=p)) for p in [partner_id, other_id] * 12]
        outcomes = [(p, f.exception(30) is None) for p, f in sent]
    finally:
        writer.close()
    assert sum(ok for p, ok in outcomes if p == partner_id) == 5
    assert sum(ok for p, ok in outcomes if p == other_id) == 5
    refused = [f.exception() for _, f in sent if f.exception() is not None]
    assert refused and all(isinstance(e, writes.Conflict) for e in refused)
