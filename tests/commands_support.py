"""Commands run inside a test's own transaction (``engine.begin()``), as pages run them in theirs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from services.commands import Command, CreateClub, DeclareAvailability, InviteMember, SubmitRequest, execute
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


def submit(conn: Connection, club_id: str, partner_id: str, values: Mapping[str, Any]) -> str:
    """One request, through the command a partner's POST runs (its ``RequestSubmitted`` included)."""
    (request_id,) = run_in(conn, SubmitRequest(club_id, partner_id, [values]))
    return str(request_id)


def register(conn: Connection, club_id: str, values: Mapping[str, Any]) -> tuple[str, str]:
    """A member, as a coordinator adds one without an invitation: their id and private link."""
    made = run_in(conn, InviteMember(club_id, values, by="test", send_by=""))
    return made.member_id, made.token


def create_club(conn: Connection, name: str, timezone: str = "Europe/London") -> tuple[str, str]:
    """A club, as the operator makes one: its id and its first coordinator's claim link."""
    made = run_in(conn, CreateClub(name, timezone))
    return made.club_id, made.claim_token
