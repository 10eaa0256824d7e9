"""SQLite writers in one process take turns at the engine's WriteGate, first come first served, so
the API's writer cannot starve the dispatcher and nobody sleeps in SQLite's busy handler."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from services.store import db
from services.store.db import WriteGate, make_engine, upgrade
from services.store.tables import clubs


def test_writers_are_let_in_in_the_order_they_came() -> None:
    gate, order = WriteGate(), []
    gate.enter()  # held: everyone below queues

    def write(n: int) -> None:
        gate.enter()
        order.append(n)
        gate.leave()

    threads = []
    for n in range(5):
        threads.append(threading.Thread(target=write, args=(n,)))
        threads[-1].start()
        time.sleep(0.05)  # each one is waiting before the next arrives
    gate.leave()
    for t in threads:
        t.join(5)
    assert order == [0, 1, 2, 3, 4]


def test_a_turn_held_for_several_transactions_keeps_the_others_out_until_it_ends() -> None:
    gate, inside = WriteGate(), threading.Event()
    gate.enter()  # one_turn
    gate.enter()  # a transaction inside it: no second place in the line, no deadlock
    gate.leave()

    def other() -> None:
        gate.enter()
        inside.set()
        gate.leave()

    waiting = threading.Thread(target=other)
    waiting.start()
    assert not inside.wait(0.2)  # the turn is still held
    gate.leave()
    assert inside.wait(5)
    waiting.join(5)


def test_a_writer_that_gave_up_is_passed_over(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "BUSY_TIMEOUT_S", 0.1)
    gate, refused = WriteGate(), []

    def impatient() -> None:
        try:
            gate.enter()
        except sqlite3.OperationalError as exc:  # as SQLite would say after its busy timeout
            refused.append(str(exc))

    gate.enter()
    waiting = threading.Thread(target=impatient)
    waiting.start()
    waiting.join(5)
    gate.leave()
    assert refused == ["database is locked"]

    def late_comer() -> None:
        gate.enter()
        gate.leave()

    late = threading.Thread(target=late_comer)
    late.start()
    late.join(5)
    assert not late.is_alive()  # the line moved past the one that left it


def test_a_writer_that_never_stops_does_not_starve_another(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/mechanic.db"
    upgrade(url)
    engine = make_engine(url)
    stop, waits = threading.Event(), []

    def busy() -> None:
        n = 0
        while not stop.is_set():
            with engine.begin() as conn:
                conn.execute(
                    insert(clubs).values(
                        id=f"busy-{n}", name="b", timezone="UTC", created_at=datetime.now(UTC)
                    )
                )
                time.sleep(0.02)  # holds the lock, as a batch would
            n += 1

    hog = threading.Thread(target=busy)
    hog.start()
    try:
        for n in range(10):
            t0 = time.perf_counter()
            with engine.begin() as conn:
                conn.execute(
                    insert(clubs).values(
                        id=f"other-{n}", name="o", timezone="UTC", created_at=datetime.now(UTC)
                    )
                )
            waits.append(time.perf_counter() - t0)
    finally:
        stop.set()
        hog.join(10)
        engine.dispose()
    assert max(waits) < 1, waits
