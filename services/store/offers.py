"""Open places a member may offer to take: the unfilled slots of the current proposal, and the
places of requests the proposal does not cover yet (later than its horizon), less those already
held by a live assignment or someone's pin."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, exists, select

from services.store import views
from services.store.tables import assignments, help_requests, partners, pins

LIVE = ("issued", "accepted")


def open_places(conn: Connection, club_id: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Each open request starting within [start, end), with ``open``: its free slot indexes."""
    proposal = views.roster(conn, club_id, status="proposed")
    covered: tuple[datetime, datetime] | None = None
    unfilled: dict[str, set[int]] = {}
    if proposal:
        covered = (proposal["horizon_start"], proposal["horizon_end"])
        for u in proposal["unfilled"]:
            unfilled.setdefault(u["request_id"], set()).add(u["slot_index"])
    taken: dict[str, set[int]] = {}
    a, p = assignments.c, pins.c
    for row in conn.execute(
        select(a.request_id, a.slot_index).where(a.club_id == club_id, a.status.in_(LIVE))
    ):
        taken.setdefault(row.request_id, set()).add(row.slot_index)
    for row in conn.execute(select(p.request_id, p.slot_index).where(p.club_id == club_id)):
        taken.setdefault(row.request_id, set()).add(row.slot_index)
    names = dict(
        conn.execute(select(partners.c.id, partners.c.name).where(partners.c.club_id == club_id)).all()
    )
    out = []
    for r in views.club_requests(conn, club_id):
        if r["status"] != "open" or not start <= r["starts_at"] < end:
            continue
        planned = covered is not None and covered[0] <= r["starts_at"] < covered[1]
        slots = unfilled.get(r["id"], set()) if planned else set(range(r["headcount"]))
        free = sorted(slots - taken.get(r["id"], set()))
        if free:
            out.append(r | {"open": free, "partner_name": names.get(r["partner_id"], "")})
    return out


def my_offers(conn: Connection, member_id: str, start: datetime) -> list[dict[str, Any]]:
    """The member's own offers still standing (pins they made themselves) on requests from ``start``;
    ``signed_up`` where the place is already theirs (a self sign-up), not waiting for a coordinator."""
    p, r, a = pins.c, help_requests.c, assignments.c
    theirs = exists().where(a.request_id == r.id, a.member_id == member_id, a.status.in_(LIVE))
    rows = conn.execute(
        select(r.id, r.title, r.place_name, r.starts_at, r.ends_at, theirs.label("signed_up"))
        .join(help_requests, r.id == p.request_id)
        .where(p.member_id == member_id, p.pinned_by == member_id, r.starts_at >= start, r.status == "open")
        .order_by(r.starts_at)
    )
    return [dict(row._mapping) for row in rows]
