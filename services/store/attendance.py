"""No-shows: after a request has ended, a coordinator may record that someone who was sent did not come.

A no-show is an assignment status (``no_show``) rather than a flag beside ``accepted``: the assignment
then no longer counts as done work or live load anywhere that reads statuses, and the monthly report
counts it on its own. Only issued or accepted assignments of an ended, open request can be marked.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from events import AssignmentNoShow
from services.store import outbox
from services.store.tables import assignments, help_requests, members
from services.store.writes import Conflict, NotFound

MARKABLE = ("issued", "accepted")


def mark_no_show(
    conn: Connection, club_id: str, assignment_id: str, coordinator_id: str, now: datetime
) -> None:
    a, r = assignments.c, help_requests.c
    row = conn.execute(
        select(a.status, a.request_id, a.member_id, r.ends_at, r.status.label("request_status"))
        .join(help_requests, r.id == a.request_id)
        .where(a.id == assignment_id, a.club_id == club_id)
    ).first()
    if row is None:
        raise NotFound(f"assignment {assignment_id} not found")
    if row.status not in MARKABLE or row.request_status != "open":
        raise Conflict(f"assignment {assignment_id} is {row.status}; only people sent can be missed")
    if row.ends_at > now:
        raise Conflict("a no-show can only be recorded once the request has ended")
    conn.execute(update(assignments).where(a.id == assignment_id).values(status="no_show", updated_at=now))
    outbox.append(
        conn,
        AssignmentNoShow(
            club_id=club_id,
            assignment_id=assignment_id,
            request_id=row.request_id,
            member_id=row.member_id,
            marked_by=coordinator_id,
        ),
    )


def ended_assignments(
    conn: Connection, club_id: str, start: datetime, end: datetime, now: datetime
) -> list[dict[str, Any]]:
    """Assignments of open requests starting in [start, end) that are over, sent or missed, for
    the coordinator to mark."""
    a, r, m = assignments.c, help_requests.c, members.c
    rows = conn.execute(
        select(a.id, a.status, m.name.label("member_name"), r.title, r.starts_at, r.ends_at)
        .join(help_requests, r.id == a.request_id)
        .join(members, m.id == a.member_id)
        .where(
            a.club_id == club_id,
            a.status.in_((*MARKABLE, "no_show")),
            r.status == "open",
            r.starts_at >= start,
            r.starts_at < end,
            r.ends_at <= now,
        )
        .order_by(r.starts_at, m.name, a.id)
    )
    return [dict(row._mapping) for row in rows]
