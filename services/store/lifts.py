"""Lifts as people read them: pickups, seats found, and each driver's route.

Passengers' places and phones are for their driver and the coordinators only: the partner's view
gets the seat count, never who drives, and a member sees a route only when it is their own.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, delete, func, select

from services.domain import AssignmentStatus
from services.store.tables import (
    assignments,
    help_requests,
    lift_notes,
    lift_routes,
    members,
    request_pickups,
    rosters,
    route_stops,
)

SENT = (AssignmentStatus.ISSUED.value, AssignmentStatus.ACCEPTED.value)


def pickups(conn: Connection, request_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Each request's pickups in the order the partner gave them, contacts included."""
    k = request_pickups.c
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if request_ids:
        for row in conn.execute(
            select(request_pickups).where(k.request_id.in_(request_ids)).order_by(k.request_id, k.position)
        ):
            out[row.request_id].append(dict(row._mapping))
    return out


def seats_found(conn: Connection, request_ids: list[str]) -> dict[str, int]:
    """Car seats of the drivers sent to each request (issued or accepted)."""
    a, m = assignments.c, members.c
    if not request_ids:
        return {}
    rows = conn.execute(
        select(a.request_id, func.coalesce(func.sum(m.car_seats), 0))
        .join(members, m.id == a.member_id)
        .where(a.request_id.in_(request_ids), a.status.in_(SENT))
        .group_by(a.request_id)
    )
    return {rid: int(seats) for rid, seats in rows}


def _routes(
    conn: Connection, roster_id: str, request_id: str | None = None, member_id: str | None = None
) -> list[dict[str, Any]]:
    lr, st = lift_routes.c, route_stops.c
    where = [lr.roster_id == roster_id]
    if request_id is not None:
        where.append(lr.request_id == request_id)
    if member_id is not None:
        where.append(lr.member_id == member_id)
    routes = [
        dict(row._mapping) | {"stops": []}
        for row in conn.execute(
            select(lift_routes, members.c.name.label("driver_name"))
            .join(members, members.c.id == lr.member_id)
            .where(*where)
            .order_by(lr.request_id, lr.leave_at, lr.member_id)
        )
    ]
    if not routes:
        return routes
    by_key = {(r["request_id"], r["member_id"]): r for r in routes}
    places = pickups(conn, sorted({r["request_id"] for r in routes}))
    for stop in conn.execute(
        select(route_stops)
        .where(st.roster_id == roster_id, st.request_id.in_([r["request_id"] for r in routes]))
        .order_by(st.request_id, st.member_id, st.position)
    ):
        route = by_key.get((stop.request_id, stop.member_id))
        if route is None:
            continue
        at = {p["position"]: p for p in places.get(stop.request_id, [])}
        pickup = None if stop.pickup_position is None else at.get(stop.pickup_position)
        route["stops"].append({"arrive_at": stop.arrive_at, "load": stop.load, "pickup": pickup})
    return routes


def roster_lifts(conn: Connection, roster_id: str) -> dict[str, dict[str, Any]]:
    """For the board: each lift's routes and the notes on what could not be carried."""
    out: dict[str, dict[str, Any]] = defaultdict(lambda: {"routes": [], "notes": []})
    for route in _routes(conn, roster_id):
        out[route["request_id"]]["routes"].append(route)
    n = lift_notes.c
    for row in conn.execute(select(n.request_id, n.reason).where(n.roster_id == roster_id).order_by(n.id)):
        out[row.request_id]["notes"].append(row.reason)
    return dict(out)


def driver_route(conn: Connection, club_id: str, request_id: str, member_id: str) -> dict[str, Any] | None:
    """The member's own route on a lift, from the club's approved roster; None if none was planned."""
    ro = rosters.c
    approved = conn.execute(
        select(ro.id)
        .where(ro.club_id == club_id, ro.status == "approved")
        .order_by(ro.created_at.desc())
        .limit(1)
    ).scalar()
    if approved is None:
        return None
    found = _routes(conn, approved, request_id, member_id)
    return found[0] if found else None


def forget_pickups(conn: Connection, request_ids: list[str]) -> int:
    """Delete where passengers waited and how to reach them, once their lift is over."""
    if not request_ids:
        return 0
    deleted = 0
    for table in (route_stops, lift_routes, lift_notes, request_pickups):
        deleted += conn.execute(delete(table).where(table.c.request_id.in_(request_ids))).rowcount or 0
    return deleted


def ended_lifts_with_pickups(conn: Connection, before: Any) -> list[str]:
    r, k = help_requests.c, request_pickups.c
    return list(
        conn.execute(
            select(r.id).where(r.ends_at < before, r.id.in_(select(k.request_id).distinct())).order_by(r.id)
        ).scalars()
    )
