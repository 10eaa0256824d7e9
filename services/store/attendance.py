"""No-shows: after a request has ended, a coordinator may record that someone who was sent did not come.

A no-show is an assignment status (``no_show``) rather than a flag beside ``accepted``: the assignment
then no longer counts as done work or live load anywhere that reads statuses, and the monthly report
counts it on its own. Only issued or accepted assignments of an ended, open request can be marked.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from services.domain import SENT, AssignmentStatus
from services.store.tables import assignments, help_requests, members


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
            a.status.in_((*SENT, AssignmentStatus.NO_SHOW)),
            r.status == "open",
            r.starts_at >= start,
            r.starts_at < end,
            r.ends_at <= now,
        )
        .order_by(r.starts_at, m.name, a.id)
    )
    return [dict(row._mapping) for row in rows]
