"""Lifts as people read them: pickups, seats found, and each driver's route.

Passengers' places and phones are for their driver and the coordinators only: the partner's view
gets the seat count, never who drives, and a member sees a route only when it is their own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, delete, func, insert, or_, select, update

from services.domain import AssignmentStatus
from services.ports import PlannedRoute
from services.store import writes
from services.store.tables import (
    assignments,
    help_requests,
    lift_notes,
    lift_routes,
    members,
    notices,
    request_pickups,
    rosters,
    route_stops,
)

SENT = (AssignmentStatus.ISSUED.value, AssignmentStatus.ACCEPTED.value)
EARLY = timedelta(minutes=10)
"""A volunteer's lift arrives this long before their work starts; it ends as the work begins, so
a driver sent to the same work is not double-booked by giving the lift."""


def still_going() -> ColumnElement[bool]:
    """A pickup counts while it is the partner's, or while the member who asked for it is still
    sent to the work the lift goes to (a member who declines needs no lift)."""
    k, r, a = request_pickups.c, help_requests.c, assignments.c
    going = (
        select(a.id)
        .where(a.request_id == r.lift_for, a.member_id == k.member_id, a.status.in_(SENT))
        .exists()
    )
    return or_(k.member_id.is_(None), going)


def pickups(conn: Connection, request_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Each request's pickups in the order they were given, contacts included."""
    k, r = request_pickups.c, help_requests.c
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if request_ids:
        for row in conn.execute(
            select(request_pickups)
            .join(help_requests, r.id == k.request_id)
            .where(k.request_id.in_(request_ids), still_going())
            .order_by(k.request_id, k.position)
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


def approved_roster(conn: Connection, club_id: str) -> str | None:
    ro = rosters.c
    found = conn.execute(
        select(ro.id)
        .where(ro.club_id == club_id, ro.status == "approved")
        .order_by(ro.created_at.desc())
        .limit(1)
    ).scalar()
    return None if found is None else str(found)


def driver_route(conn: Connection, club_id: str, request_id: str, member_id: str) -> dict[str, Any] | None:
    """The member's own route on a lift, from the club's approved roster; None if none was planned."""
    approved = approved_roster(conn, club_id)
    if approved is None:
        return None
    found = _routes(conn, approved, request_id, member_id)
    return found[0] if found else None


def forget_pickups(conn: Connection, request_ids: list[str]) -> int:
    """Delete where passengers waited and how to reach them, once their lift is over."""
    if not request_ids:
        return 0
    deleted = 0
    # the messages that told the drivers whom to collect where quote the pickups too
    told = conn.execute(select(assignments.c.id).where(assignments.c.request_id.in_(request_ids))).scalars()
    for assignment_id in told:
        deleted += (
            conn.execute(delete(notices).where(notices.c.dedupe_key.startswith(f"{assignment_id}:"))).rowcount
            or 0
        )
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


def ask_for_lift(conn: Connection, club_id: str, member_id: str, work_id: str) -> str | None:
    """The member's home area as a pickup (one person, their first name and phone for the driver) on
    the lift to ``work_id``, which this creates if nobody asked before; the lift's id, or None when
    they had already asked. State only: ``commands.lifts`` holds the rules and emits ``LiftAsked``."""
    r, m, k = help_requests.c, members.c, request_pickups.c
    work = conn.execute(select(help_requests).where(r.id == work_id)).one()
    me = conn.execute(
        select(m.name, m.phone, m.home_place, m.home_lat, m.home_lon).where(m.id == member_id)
    ).one()
    lift_id = conn.execute(select(r.id).where(r.lift_for == work.id, r.status == "open")).scalar()
    pickup = {
        "place_name": me.home_place or "Home",
        "lat": me.home_lat,
        "lon": me.home_lon,
        "people": 1,
        "contact_name": me.name.split()[0] if me.name.split() else None,
        "contact_phone": me.phone,
        "member_id": member_id,
    }
    if lift_id is None:
        return writes.submit_request(
            conn,
            club_id,
            work.partner_id,
            {
                "kind": "lift",
                "title": f"Lift to {work.title}"[:200],
                "notes": "",
                "place_name": work.place_name,
                "lat": work.lat,
                "lon": work.lon,
                "starts_at": work.starts_at - EARLY,
                "ends_at": work.starts_at,
                "headcount": 1,
                "skills": ["driver"],
                "lead_skills": [],
                "priority": work.priority,
                "lift_for": work.id,
                "pickups": [pickup],
            },
        )
    if conn.execute(select(k.position).where(k.request_id == lift_id, k.member_id == member_id)).first():
        return None
    last = conn.execute(select(func.max(k.position)).where(k.request_id == lift_id)).scalar()
    conn.execute(insert(request_pickups).values(request_id=lift_id, position=(last or 0) + 1, **pickup))
    conn.execute(
        update(help_requests)
        .where(r.id == lift_id)
        .values(passengers=r.passengers + 1, headcount=r.headcount + 1)
    )
    return lift_id


def lifts_asked(
    conn: Connection, club_id: str, member_id: str, request_ids: list[str]
) -> dict[str, dict[str, Any]]:
    """For the member's own page: the work they asked a lift to, and, once the plan is approved, who
    collects them (first name only) and when."""
    k, r, st = request_pickups.c, help_requests.c, route_stops.c
    if not request_ids:
        return {}
    asked = conn.execute(
        select(r.lift_for, k.request_id, k.position)
        .join(help_requests, r.id == k.request_id)
        .where(k.member_id == member_id, r.lift_for.in_(request_ids), r.status == "open")
    ).all()
    approved = approved_roster(conn, club_id)
    out: dict[str, dict[str, Any]] = {}
    for row in asked:
        stop = conn.execute(
            select(st.arrive_at, members.c.name)
            .join(members, members.c.id == st.member_id)
            .where(
                st.roster_id == approved, st.request_id == row.request_id, st.pickup_position == row.position
            )
        ).first()
        out[row.lift_for] = {
            "at": stop.arrive_at if stop else None,
            "driver": stop.name.split()[0] if stop and stop.name.split() else None,
        }
    return out


def planned_routes(conn: Connection, roster_id: str, request_ids: Iterable[str]) -> tuple[PlannedRoute, ...]:
    """A roster's routes on these requests, as the scheduler hands them back to the solver."""
    wanted = list(request_ids)
    lr, st = lift_routes.c, route_stops.c
    if not wanted:
        return ()
    stops: dict[tuple[str, str], list[tuple[int | None, Any, int]]] = defaultdict(list)
    for row in conn.execute(
        select(route_stops)
        .where(st.roster_id == roster_id, st.request_id.in_(wanted))
        .order_by(st.request_id, st.member_id, st.position)
    ):
        stops[(row.request_id, row.member_id)].append((row.pickup_position, row.arrive_at, row.load))
    return tuple(
        PlannedRoute(
            row.request_id,
            row.member_id,
            row.leave_at,
            row.metres,
            row.detour_minutes,
            tuple(stops[(row.request_id, row.member_id)]),
        )
        for row in conn.execute(
            select(lift_routes)
            .where(lr.roster_id == roster_id, lr.request_id.in_(wanted))
            .order_by(lr.request_id, lr.member_id)
        )
    )
