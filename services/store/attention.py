"""What the coordinator's board needs to close the people's loop: who answered what, and the short
list of things that need a person now (a decline to replace, an answer that does not come, an
urgent place still empty, planning that failed)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from services.domain import AssignmentStatus, AttentionKind
from services.store.tables import assignments, help_requests, members, rosters, schedule_state, unfilled_slots

URGENT_PRIORITY = 4
"""Priorities 4 (high) and 5 (urgent) count as urgent when their place is still empty."""
RECENT_DECLINES = timedelta(days=7)


def answers(
    conn: Connection, club_id: str, start: datetime, end: datetime
) -> dict[str, list[dict[str, Any]]]:
    """Per request starting in [start, end): each member's answer (withdrawn ones left out)."""
    a, r, m = assignments.c, help_requests.c, members.c
    out: dict[str, list[dict[str, Any]]] = {}
    for row in conn.execute(
        select(a.id, a.request_id, a.member_id, a.status, a.decline_reason, a.updated_at, m.name)
        .join(help_requests, r.id == a.request_id)
        .join(members, m.id == a.member_id)
        .where(
            a.club_id == club_id,
            a.status != AssignmentStatus.WITHDRAWN,
            r.starts_at >= start,
            r.starts_at < end,
        )
        .order_by(a.updated_at)
    ):
        out.setdefault(row.request_id, []).append(dict(row._mapping))
    return out


def attention(
    conn: Connection, club_id: str, now: datetime, unanswered_after: timedelta, urgent_within: timedelta
) -> list[dict[str, Any]]:
    """The items, newest first; each names its request and carries what its action needs."""
    items = _answers_needing_a_person(conn, club_id, now, unanswered_after)
    items += _urgent_empty_places(conn, club_id, now, urgent_within)
    s = schedule_state.c
    failed = conn.execute(select(s.failure, s.retry_at).where(s.club_id == club_id)).first()
    if failed is not None and failed.failure:
        items.append({"kind": AttentionKind.PLANNING_FAILED, "at": now, "reason": failed.failure})
    return sorted(items, key=lambda item: item["at"], reverse=True)


def _answers_needing_a_person(
    conn: Connection, club_id: str, now: datetime, unanswered_after: timedelta
) -> list[dict[str, Any]]:
    a, r, m = assignments.c, help_requests.c, members.c
    latest = conn.execute(
        select(rosters.c.created_at)
        .where(rosters.c.club_id == club_id, rosters.c.status == "proposed")
        .order_by(rosters.c.created_at.desc())
        .limit(1)
    ).scalar()
    rows = conn.execute(
        select(
            a.id,
            a.request_id,
            a.slot_index,
            a.member_id,
            a.status,
            a.decline_reason,
            a.updated_at,
            m.name,
            r.title,
            r.starts_at,
            r.ends_at,
        )
        .join(help_requests, r.id == a.request_id)
        .join(members, m.id == a.member_id)
        .where(
            a.club_id == club_id,
            r.status == "open",
            r.starts_at > now,
            (
                (a.status == AssignmentStatus.DECLINED) & (a.updated_at > now - RECENT_DECLINES)
                | (a.status == AssignmentStatus.ISSUED) & (a.updated_at <= now - unanswered_after)
            ),
        )
    )
    out = []
    for row in rows:
        item = dict(row._mapping) | {"at": row.updated_at}
        if row.status == AssignmentStatus.DECLINED:
            item |= {
                "kind": AttentionKind.DECLINED,
                "replacement_ready": bool(latest and latest > row.updated_at),
            }
        else:
            item |= {"kind": AttentionKind.UNANSWERED, "waiting": now - row.updated_at}
        out.append(item)
    return out


def _urgent_empty_places(
    conn: Connection, club_id: str, now: datetime, within: timedelta
) -> list[dict[str, Any]]:
    ro, u, r = rosters.c, unfilled_slots.c, help_requests.c
    current = conn.execute(
        select(ro.id, ro.status, ro.created_at)
        .where(ro.club_id == club_id, ro.status.in_(("proposed", "approved")))
        .order_by(ro.created_at.desc())
        .limit(1)
    ).first()
    if current is None:
        return []
    rows = conn.execute(
        select(u.request_id, u.slot_index, u.reason, r.title, r.starts_at, r.ends_at, r.priority)
        .join(help_requests, r.id == u.request_id)
        .where(
            u.roster_id == current.id,
            r.status == "open",
            r.priority >= URGENT_PRIORITY,
            r.starts_at > now,
            r.starts_at <= now + within,
        )
        .order_by(r.starts_at, u.slot_index)
    )
    return [
        dict(row._mapping)
        | {
            "kind": AttentionKind.UNFILLED_SOON,
            "at": current.created_at,
            "live": current.status == "proposed",
        }
        for row in rows
    ]
