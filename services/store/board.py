"""Reads and edits behind the coordinator's board: requests in the horizon, members' load, the
solve state, swapping two slots of a proposal, asking for a re-solve, the monthly activity report."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, select

from services.store.tables import (
    assignments,
    coordinators,
    exclusions,
    help_requests,
    members,
    partners,
    pins,
    roster_entries,
    rosters,
    schedule_state,
)
from services.store.views import REQUEST_FIELDS, _fill_state, _staffing

LIVE = ("issued", "accepted")


def requests_between(
    conn: Connection, club_id: str, start: datetime, end: datetime
) -> dict[str, dict[str, Any]]:
    """Open requests starting in [start, end), by id, with their partner's name."""
    r, p = help_requests.c, partners.c
    rows = conn.execute(
        select(*(getattr(r, f) for f in REQUEST_FIELDS), p.name.label("partner_name"))
        .join(partners, p.id == r.partner_id)
        .where(r.club_id == club_id, r.status == "open", r.starts_at >= start, r.starts_at < end)
        .order_by(r.starts_at, r.id)
    )
    return {row.id: dict(row._mapping) for row in rows}


def request_starts(
    conn: Connection, club_id: str, start: datetime, end: datetime
) -> list[tuple[datetime, str]]:
    """(start, kind) of open requests starting in [start, end): what a one-line-a-day summary needs."""
    r = help_requests.c
    rows = conn.execute(
        select(r.starts_at, r.kind).where(
            r.club_id == club_id, r.status == "open", r.starts_at >= start, r.starts_at < end
        )
    )
    return [(row.starts_at, row.kind) for row in rows]


def member_minutes(conn: Connection, club_id: str, start: datetime, end: datetime) -> dict[str, int]:
    """Minutes of live assignments per member for work starting in [start, end)."""
    a, r = assignments.c, help_requests.c
    out: dict[str, int] = defaultdict(int)
    for row in conn.execute(
        select(a.member_id, r.starts_at, r.ends_at)
        .join(help_requests, r.id == a.request_id)
        .where(a.club_id == club_id, a.status.in_(LIVE), r.starts_at >= start, r.starts_at < end)
    ):
        out[row.member_id] += int((row.ends_at - row.starts_at).total_seconds() // 60)
    return out


def active_members(conn: Connection, club_id: str) -> dict[str, dict[str, Any]]:
    m = members.c
    rows = conn.execute(
        select(m.id, m.name, m.max_hours_week)
        .where(m.club_id == club_id, m.active.is_(True))
        .order_by(m.name)
    )
    return {row.id: dict(row._mapping) for row in rows}


def solve_state(conn: Connection, club_id: str) -> dict[str, Any]:
    """``pending`` while changes wait for (or are in) a solve; ``failure`` while the last solve
    failed (the scheduler retries with back-off), so the board never spins for ever."""
    s = schedule_state.c
    row = conn.execute(
        select(s.generation, s.solved_generation, s.failure).where(s.club_id == club_id)
    ).first()
    if row is None:
        return {"pending": False, "failure": None}
    return {"pending": row.failure is None and row.generation > row.solved_generation, "failure": row.failure}


def latest_roster(conn: Connection, club_id: str) -> str | None:
    """The id of the roster the board shows: the newest proposal, else the approved roster."""
    ro = rosters.c
    for status in ("proposed", "approved"):
        found = conn.execute(
            select(ro.id)
            .where(ro.club_id == club_id, ro.status == status)
            .order_by(ro.created_at.desc())
            .limit(1)
        ).scalar()
        if found is not None:
            return str(found)
    return None


def generation(conn: Connection, club_id: str) -> int:
    """The club's planning generation: raised by every event that can change a plan (0: none yet)."""
    s = schedule_state.c
    return int(conn.execute(select(s.generation).where(s.club_id == club_id)).scalar() or 0)


def roster_size(conn: Connection, club_id: str, roster_id: str) -> tuple[int, int]:
    """How many places a roster of the club fills, and with how many people."""
    e = roster_entries.c
    row = conn.execute(
        select(func.count(), func.count(func.distinct(e.member_id)))
        .join(rosters, rosters.c.id == e.roster_id)
        .where(e.roster_id == roster_id, rosters.c.club_id == club_id)
    ).one()
    return int(row[0]), int(row[1])


def activity(
    conn: Connection, club_id: str, start: datetime, end: datetime, now: datetime
) -> list[dict[str, Any]]:
    """Per member, for work starting in [start, end): assignments done (accepted and over), their hours,
    declines, no-shows, and assignments still open."""
    a, r, m = assignments.c, help_requests.c, members.c
    out = {
        row.id: {
            "id": row.id,
            "name": row.name,
            "active": row.active,
            "done": 0,
            "minutes": 0,
            "declined": 0,
            "no_shows": 0,
            "upcoming": 0,
        }
        for row in conn.execute(
            select(m.id, m.name, m.active).where(m.club_id == club_id).order_by(m.name, m.id)
        )
    }
    rows = conn.execute(
        select(a.member_id, a.status, r.starts_at, r.ends_at)
        .join(help_requests, r.id == a.request_id)
        .where(a.club_id == club_id, r.starts_at >= start, r.starts_at < end)
    )
    for row in rows:
        item = out[row.member_id]
        if row.status == "declined":
            item["declined"] += 1
        elif row.status == "no_show":
            item["no_shows"] += 1
        elif row.status == "accepted" and row.ends_at <= now:
            item["done"] += 1
            item["minutes"] += int((row.ends_at - row.starts_at).total_seconds() // 60)
        elif row.status in LIVE:
            item["upcoming"] += 1
    return list(out.values())


def last_active(conn: Connection, club_id: str) -> dict[str, datetime]:
    """When each member last had live or done work, for the 'inactive for N weeks' list."""
    a, r = assignments.c, help_requests.c
    rows = conn.execute(
        select(a.member_id, func.max(r.starts_at))
        .join(help_requests, r.id == a.request_id)
        .where(a.club_id == club_id, a.status.in_(LIVE))
        .group_by(a.member_id)
    )
    return {row[0]: row[1].replace(tzinfo=UTC) if row[1].tzinfo is None else row[1] for row in rows}


def decisions(conn: Connection, club_id: str, after: datetime) -> dict[str, list[dict[str, Any]]]:
    """Coordinators' pins and removals on requests that have not ended, for the board to undo; a
    pin its own member made is an offer to help (``offered``)."""
    r, m = help_requests.c, members.c
    out: dict[str, list[dict[str, Any]]] = {}
    for name, table, by in (
        ("pins", pins, pins.c.pinned_by),
        ("removals", exclusions, exclusions.c.excluded_by),
    ):
        t = table.c
        out[name] = [
            dict(row._mapping)
            for row in conn.execute(
                select(
                    t.request_id,
                    t.member_id,
                    m.name.label("member_name"),
                    r.title,
                    r.starts_at,
                    r.ends_at,
                    (by == t.member_id).label("offered"),
                )
                .join(members, m.id == t.member_id)
                .join(help_requests, r.id == t.request_id)
                .where(t.club_id == club_id, r.ends_at > after, r.status == "open")
                .order_by(r.starts_at, m.name)
            )
        ]
    return out


def forced(conn: Connection, club_id: str, after: datetime) -> dict[tuple[str, str], dict[str, Any]]:
    """Forced pins on requests that have not ended, by (request, member): who forced each (the
    coordinator's name, or "a coordinator" once they are gone), when, and the rules it was placed
    despite."""
    p, r, c = pins.c, help_requests.c, coordinators.c
    rows = conn.execute(
        select(p.request_id, p.member_id, p.despite, p.pinned_at, c.name)
        .join(help_requests, r.id == p.request_id)
        .outerjoin(coordinators, c.id == p.pinned_by)
        .where(p.club_id == club_id, p.despite != "", r.ends_at > after)
    )
    return {
        (row.request_id, row.member_id): {
            "by": row.name or "a coordinator",
            "despite": row.despite,
            "at": row.pinned_at,
        }
        for row in rows
    }


def week_map(conn: Connection, club_id: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Open requests starting in [start, end) with where they are and how many people are sent
    (assigned: issued or accepted) of how many asked for: the coordinator's map. No member's home."""
    rows = list(requests_between(conn, club_id, start, end).values())
    staffed = _staffing(conn, [r["id"] for r in rows])
    for row in rows:
        counts = staffed[row["id"]]
        row["assigned"] = counts["issued"] + counts["accepted"]
        row["fill_state"] = _fill_state(row, counts)
    return rows
