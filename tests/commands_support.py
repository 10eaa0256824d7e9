"""Commands run inside a test's own transaction (``engine.begin()``), as pages run them in theirs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from services.commands import Command, DeclareAvailability, execute
from services.ports import Availability
from services.store.uow import JoinedUnitOfWork


def run_in(conn: Connection, command: Command) -> Any:
    return execute(JoinedUnitOfWork(conn), command)


def declare_availability(
    conn: Connection,
    club_id: str,
    member_id: str,
    weekly: Iterable[tuple[int, int, int]] = (),
    windows: Iterable[tuple[datetime, datetime]] = (),
    days_off: Iterable[date] = (),
) -> None:
    declared = Availability(tuple(weekly), tuple(windows), tuple(days_off))
    run_in(conn, DeclareAvailability(club_id, member_id, declared))
