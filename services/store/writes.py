"""The rows behind the commands that create things: clubs, partners, members, requests. State only:
the command handlers (``services.commands``) emit the events, in the same transaction.

Callers validate input first and pass plain column values. A write that cannot apply raises
``NotFound`` or ``Conflict`` and the caller rolls back, so nothing is half-stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select

from services import homes
from services.domain import Conflict, PartnerQuota, new_id
from services.domain import NotFound as NotFound  # re-exported: callers catch writes.NotFound
from services.store import tokens
from services.store.tables import (
    clubs,
    help_requests,
    members,
    partners,
    request_pickups,
)


def _now() -> datetime:
    return datetime.now(UTC)


def create_club(conn: Connection, club_id: str, name: str, timezone: str) -> None:
    conn.execute(insert(clubs).values(id=club_id, name=name, timezone=timezone, created_at=_now()))


def add_partner(conn: Connection, club_id: str, name: str, contact_email: str | None) -> tuple[str, str]:
    partner_id = new_id("p")
    conn.execute(
        insert(partners).values(
            id=partner_id,
            club_id=club_id,
            name=name,
            contact_email=contact_email,
            active=True,
            created_at=_now(),
        )
    )
    return partner_id, tokens.issue(conn, "partner", club_id, partner_id)


def register_member(conn: Connection, club_id: str, values: Mapping[str, Any]) -> tuple[str, str]:
    member_id = new_id("m")
    now = _now()
    conn.execute(
        insert(members).values(
            id=member_id, club_id=club_id, active=True, created_at=now, updated_at=now, **homes.kept(values)
        )
    )
    return member_id, tokens.issue(conn, "member", club_id, member_id)


_r = help_requests.c
_QUOTA_COUNTS = select(
    func.count().filter(_r.status == "open", _r.ends_at > bindparam("now")),
    func.count().filter(_r.created_at > bindparam("since")),
).where(_r.partner_id == bindparam("partner_id"), _r.lift_for.is_(None))
"""A partner's open requests and its submissions of the last 24 hours, in one read; built once,
as the intake path runs it for every request (compiling it afresh cost more than running it)."""
_INSERT_REQUEST = insert(help_requests)


def _within_quota(conn: Connection, partner_id: str, quota: PartnerQuota) -> None:
    now = _now()
    live, today = conn.execute(
        _QUOTA_COUNTS, {"now": now, "since": now - timedelta(days=1), "partner_id": partner_id}
    ).one()
    if live >= quota.open_requests:
        raise Conflict(
            f"You have {live} open requests, the most one partner may have at once: cancel those you "
            "no longer need, or ask the club to raise the limit."
        )
    if today >= quota.per_day:
        raise Conflict(
            f"You have sent {today} requests in the last 24 hours, the most one partner may send in a "
            "day: try again tomorrow, or ask the club to raise the limit."
        )


def with_pickups(values: Mapping[str, Any]) -> tuple[dict[str, Any], list[Mapping[str, Any]]]:
    """A request's column values and its pickups apart: a lift with pickups carries as many
    passengers as they bring, and as many drivers as could be useful (one per passenger)."""
    values = dict(values)
    pickups = list(values.pop("pickups", None) or ())
    if pickups:
        values["passengers"] = sum(p["people"] for p in pickups)
        values["headcount"] = values["passengers"]
    return values, pickups


def submit_request(
    conn: Connection,
    club_id: str,
    partner_id: str,
    values: Mapping[str, Any],
    quota: PartnerQuota | None = None,
) -> str:
    """Store a request; a lift's ``pickups`` (mappings of place_name, lat, lon, people, contact_name,
    contact_phone) set its passengers, and its headcount to as many drivers as could be useful (one
    per passenger): the solver sends only the cars the seats and the routes need. With a ``quota``
    (a partner's own submissions), a partner over it is refused in words. Rows only: the
    ``SubmitRequest`` (or ``AskForLift``) handler emits the event."""
    if quota is not None:
        _within_quota(conn, partner_id, quota)
    request_id = new_id("r")
    values, pickups = with_pickups(values)
    conn.execute(
        _INSERT_REQUEST,
        {
            "id": request_id,
            "club_id": club_id,
            "partner_id": partner_id,
            "status": "open",
            "created_at": _now(),
            **values,
        },
    )
    if pickups:
        conn.execute(
            insert(request_pickups),
            [{**p, "request_id": request_id, "position": i} for i, p in enumerate(pickups)],
        )
    return request_id
