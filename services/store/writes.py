"""The rows behind the commands that create things: clubs, partners, members, requests. State only:
the command handlers (``services.commands``) emit the events, in the same transaction.

Callers validate input first and pass plain column values. A write that cannot apply raises
``NotFound`` or ``Conflict`` and the caller rolls back, so nothing is half-stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, case, func, insert, select, update

from services import homes
from services.domain import Conflict, PartnerQuota, RequestStatus, new_id
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


_r, _p = help_requests.c, partners.c
_COUNT_SUBMISSION = (
    update(partners)
    .where(_p.id == bindparam("partner_id"))
    .values(
        open_requests=_p.open_requests + 1,
        sent_today=case((_p.sent_day >= bindparam("day"), _p.sent_today + 1), else_=1),
        sent_yesterday=case(
            (_p.sent_day >= bindparam("day"), _p.sent_yesterday),
            (_p.sent_day == bindparam("day") - 1, _p.sent_today),
            else_=0,
        ),
        sent_day=case((_p.sent_day >= bindparam("day"), _p.sent_day), else_=bindparam("day")),
    )
    .returning(_p.open_requests, _p.sent_today + _p.sent_yesterday)
)
"""Counts a partner's submission on its own row, whatever the partner has sent before, and takes
that row's lock: on PostgreSQL a partner's concurrent submissions (from any process) check their
quota one after another. The counts only ever overstate (open requests that have ended, a 24-hour
window read as two calendar days; a clock that runs behind counts into the later day), so below the
quota they settle it at once, and at it ``_QUOTA_OPEN`` and ``_QUOTA_SENT`` decide exactly."""


def _bounded_count(*where: Any) -> Any:
    """How many of a partner's requests (not lifts) match, counted no further than ``most``."""
    own = (_r.partner_id == bindparam("partner_id"), _r.lift_for.is_(None))
    return select(func.count()).select_from(
        select(_r.id).where(*own, *where).limit(bindparam("most")).subquery()
    )


_QUOTA_OPEN = _bounded_count(_r.status == RequestStatus.OPEN, _r.ends_at > bindparam("now"))
_QUOTA_SENT = _bounded_count(_r.created_at > bindparam("since"))
"""The exact counts, read only at the quota: each stops at the quota, over an index that starts
where it does, so neither grows with the partner's history."""
_UNCOUNT_CANCELLED = (
    update(partners).where(_p.id == bindparam("partner_id")).values(open_requests=_p.open_requests - 1)
)
_INSERT_REQUEST = insert(help_requests)


def _count_submission(conn: Connection, partner_id: str, quota: PartnerQuota | None) -> None:
    """Count a partner's new request (not a member's lift) and, with a ``quota``, refuse it in
    words when the partner already has as many open requests, or sent as many in the last 24 hours,
    as the quota allows. The caller rolls back a refusal, the count with it."""
    now = _now()
    opened, sent = conn.execute(_COUNT_SUBMISSION, {"partner_id": partner_id, "day": now.toordinal()}).one()
    if quota is None:
        return
    ask = {"partner_id": partner_id, "now": now, "since": now - timedelta(days=1)}
    _refuse_at(conn, _QUOTA_OPEN, ask, opened - 1, quota.open_requests, OVER_OPEN)
    _refuse_at(conn, _QUOTA_SENT, ask, sent - 1, quota.per_day, OVER_DAY)


OVER_OPEN = (
    "You have {} open requests, the most one partner may have at once: cancel those you no longer "
    "need, or ask the club to raise the limit."
)
OVER_DAY = (
    "You have sent {} requests in the last 24 hours, the most one partner may send in a day: try "
    "again tomorrow, or ask the club to raise the limit."
)


def _refuse_at(
    conn: Connection, exact: Any, ask: Mapping[str, Any], kept: int, most: int, words: str
) -> None:
    """Refused in ``words`` when the partner already has ``most``: the kept count (before this
    request) settles it below that; at or over it, the exact count decides."""
    if kept < most:
        return
    found = conn.execute(exact, {**ask, "most": most}).scalar_one()
    if found >= most:
        raise Conflict(words.format(found))


def uncount_cancelled(conn: Connection, partner_id: str) -> None:
    """A partner's open request (not a lift) was cancelled: one fewer counts against its quota."""
    conn.execute(_UNCOUNT_CANCELLED, {"partner_id": partner_id})


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
    if values.get("lift_for") is None:
        _count_submission(conn, partner_id, quota)
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
