"""SQL side of the coordinators' alerts: each coordinator's choices, and the facts an alert or a
digest tells (titles, times, counts and ids; never a member's contact details)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from services.ports import AlertChoices
from services.store.attention import URGENT_PRIORITY
from services.store.tables import (
    assignments,
    clubs,
    coordinator_alerts,
    coordinators,
    help_requests,
    members,
    rosters,
    schedule_state,
    unfilled_slots,
)

DEFAULTS: dict[str, Any] = {
    "email": True,
    "signal_number": None,
    "immediate": True,
    "digest_hour": 8,
    "quiet_start": 22,
    "quiet_end": 7,
    "unanswered_hours": 24,
}
"""A coordinator who never chose: email only, immediate alerts, a digest at 08:00, quiet 22:00-07:00."""


@dataclass(frozen=True)
class Choices(AlertChoices):
    """A coordinator's choices with where they go."""

    coordinator_id: str
    club_id: str
    timezone: str
    email_to: str | None
    """The account's email if the coordinator wants alerts by email."""


def choices(conn: Connection, coordinator_id: str) -> dict[str, Any]:
    """One coordinator's choices as stored (or the defaults), for the form."""
    row = conn.execute(
        select(coordinator_alerts).where(coordinator_alerts.c.coordinator_id == coordinator_id)
    ).first()
    if row is None:
        return dict(DEFAULTS)
    return {k: getattr(row, k) for k in DEFAULTS}


def set_choices(conn: Connection, coordinator_id: str, values: dict[str, Any]) -> None:
    values = {k: values[k] for k in DEFAULTS}
    t = coordinator_alerts
    done = conn.execute(update(t).where(t.c.coordinator_id == coordinator_id).values(**values))
    if done.rowcount == 0:
        conn.execute(insert(t).values(coordinator_id=coordinator_id, **values))


def recipients(conn: Connection, club_id: str) -> list[Choices]:
    """The club's active coordinators with their choices."""
    co, ca, c = coordinators.c, coordinator_alerts.c, clubs.c
    rows = conn.execute(
        select(co.id, co.club_id, co.email.label("account_email"), c.timezone, *[ca[k] for k in DEFAULTS])
        .join(clubs, c.id == co.club_id)
        .outerjoin(coordinator_alerts, ca.coordinator_id == co.id)
        .where(co.club_id == club_id, co.active.is_(True))
        .order_by(co.id)
    ).all()
    out = []
    for row in rows:
        chosen = dict(DEFAULTS) if row.immediate is None else {k: getattr(row, k) for k in DEFAULTS}
        out.append(
            Choices(
                coordinator_id=row.id,
                club_id=row.club_id,
                timezone=row.timezone,
                email_to=row.account_email if chosen["email"] else None,
                **(chosen | {"signal_number": chosen["signal_number"] or None}),
            )
        )
    return out


def club_ids(conn: Connection) -> list[str]:
    co = coordinators.c
    return list(conn.execute(select(co.club_id).where(co.active.is_(True)).distinct()).scalars())


def request_facts(conn: Connection, request_id: str) -> dict[str, Any] | None:
    r = help_requests.c
    row = conn.execute(
        select(r.id, r.club_id, r.title, r.kind, r.starts_at, r.ends_at, r.status, r.priority).where(
            r.id == request_id
        )
    ).first()
    return dict(row._mapping) if row else None


def timezone(conn: Connection, club_id: str) -> str:
    return str(conn.execute(select(clubs.c.timezone).where(clubs.c.id == club_id)).scalar() or "UTC")


def member_active(conn: Connection, member_id: str) -> bool:
    return bool(conn.execute(select(members.c.active).where(members.c.id == member_id)).scalar())


def urgent_unfilled(
    conn: Connection, roster_id: str, now: datetime, within: timedelta
) -> list[dict[str, Any]]:
    """Places of urgent or high-priority requests left empty in this proposal, starting within ``within``."""
    u, r = unfilled_slots.c, help_requests.c
    rows = conn.execute(
        select(u.request_id, u.slot_index, r.title, r.starts_at, r.ends_at, r.priority)
        .join(help_requests, r.id == u.request_id)
        .where(
            u.roster_id == roster_id,
            r.status == "open",
            r.priority >= URGENT_PRIORITY,
            r.starts_at > now,
            r.starts_at <= now + within,
        )
        .order_by(r.starts_at, u.slot_index)
    )
    return [dict(row._mapping) for row in rows]


def planning_failure(conn: Connection, club_id: str) -> str | None:
    s = schedule_state.c
    return conn.execute(select(s.failure).where(s.club_id == club_id)).scalar()


def digest_facts(
    conn: Connection, club_id: str, now: datetime, unanswered_after: timedelta
) -> dict[str, Any]:
    """What a digest says: the proposal waiting for approval, answers that do not come, new requests."""
    ro, a, r = rosters.c, assignments.c, help_requests.c
    waiting = conn.execute(
        select(ro.id, ro.created_at)
        .where(ro.club_id == club_id, ro.status == "proposed")
        .order_by(ro.created_at.desc())
        .limit(1)
    ).first()
    unanswered = conn.execute(
        select(a.id, r.title, r.starts_at)
        .join(help_requests, r.id == a.request_id)
        .where(
            a.club_id == club_id,
            a.status == "issued",
            r.status == "open",
            r.starts_at > now,
            a.updated_at <= now - unanswered_after,
        )
        .order_by(r.starts_at)
    ).all()
    new = conn.execute(
        select(r.id, r.title, r.starts_at)
        .where(r.club_id == club_id, r.status == "open", r.created_at > now - timedelta(days=1))
        .order_by(r.starts_at)
    ).all()
    open_count = conn.execute(
        select(func.count()).select_from(help_requests).where(r.club_id == club_id, r.starts_at > now)
    ).scalar()
    return {
        "proposal": dict(waiting._mapping) if waiting else None,
        "unanswered": [dict(x._mapping) for x in unanswered],
        "new_requests": [dict(x._mapping) for x in new],
        "upcoming": int(open_count or 0),
    }
