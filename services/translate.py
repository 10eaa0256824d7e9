"""Database rows <-> solver instances: the one place that knows both shapes."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.ports import MemberRow, PlannedRoute, PlanningSnapshot, Proposal, RequestRow, Slot
from solver.schema import Assignment, Instance, Member, Pickup, Request, Roster, Route, Stop

BUDDY_KINDS = frozenset({"court_support", "lookout"})
"""Kinds of work nobody is sent to alone."""
MIN_TEAM = 2


def _minutes(at: datetime, origin: datetime) -> int:
    return int((at - origin).total_seconds() // 60)


def _merge(windows: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[list[int]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((a, b) for a, b in merged)


def member_windows(member: MemberRow, snap: PlanningSnapshot) -> tuple[tuple[int, int], ...]:
    """The weekly pattern laid over the horizon's local dates (less blackout dates), plus one-off
    windows; touching windows merge, so 09-12 and 12-15 cover an 11-13 request."""
    tz = ZoneInfo(snap.timezone)
    origin = snap.horizon_start
    first = origin.astimezone(tz).date()
    last = snap.horizon_end.astimezone(tz).date()
    off = set(member.blackouts)
    out: list[tuple[int, int]] = []
    day = first
    while day <= last:
        if day not in off:
            midnight = datetime.combine(day, time(0), tz)
            for weekday, start, end in member.weekly:
                if weekday == day.weekday():
                    out.append(
                        (
                            _minutes(midnight + timedelta(minutes=start), origin),
                            _minutes(midnight + timedelta(minutes=end), origin),
                        )
                    )
        day += timedelta(days=1)
    out.extend((_minutes(a, origin), _minutes(b, origin)) for a, b in member.windows)
    return _merge(out)


def _request(row: RequestRow, origin: datetime) -> Request:
    buddy = row.kind in BUDDY_KINDS
    return Request(
        id=row.id,
        partner=row.partner_id,
        kind=row.kind,
        lat=row.lat,
        lon=row.lon,
        start=_minutes(row.starts_at, origin),
        end=_minutes(row.ends_at, origin),
        headcount=row.headcount,
        skills=frozenset(row.skills),
        priority=row.priority,
        passengers=row.passengers,
        lead_skills=frozenset(row.lead_skills),
        min_team=min(MIN_TEAM, row.headcount) if buddy else 1,
        pickups=tuple(
            Pickup(id=str(p.position), lat=p.lat, lon=p.lon, people=p.people, label=p.place_name)
            for p in row.pickups
        ),
    )


def _member(row: MemberRow, snap: PlanningSnapshot) -> Member:
    days = (snap.horizon_end - snap.horizon_start).total_seconds() / 86400
    return Member(
        id=row.id,
        skills=frozenset(row.skills),
        lat=row.home_lat,
        lon=row.home_lon,
        windows=member_windows(row, snap),
        max_minutes=int(row.max_hours_week * 60 * days / 7),
        car_seats=row.car_seats,
        refused_kinds=frozenset(row.refused_kinds),
        liked_kinds=frozenset(row.liked_kinds),
        refused_partners=frozenset(row.refused_partners),
        history_minutes=row.history_minutes,
        max_travel_km=row.max_travel_km,
    )


def to_instance(snap: PlanningSnapshot) -> Instance:
    requests = {r.id for r in snap.requests}
    approved = [s for s in snap.approved if s.request_id in requests]
    return Instance(
        name=snap.club_id,
        horizon_start=snap.horizon_start,
        horizon_minutes=_minutes(snap.horizon_end, snap.horizon_start),
        requests=tuple(_request(r, snap.horizon_start) for r in snap.requests),
        members=tuple(_member(m, snap) for m in snap.members),
        approved=tuple(
            Assignment(request_id=s.request_id, slot_index=s.slot_index, member_id=s.member_id)
            for s in approved
        ),
        pinned=tuple(
            Assignment(request_id=s.request_id, slot_index=s.slot_index, member_id=s.member_id)
            for s in snap.pins
        ),
        hint=tuple(
            Assignment(request_id=s.request_id, slot_index=s.slot_index, member_id=s.member_id)
            for s in snap.proposed
            if s.request_id in requests
        ),
        forbidden=tuple(
            Assignment(request_id=r, slot_index=0, member_id=m) for r, m in snap.declined if r in requests
        ),
        approved_routes=tuple(
            _solver_route(route, snap.horizon_start)
            for route in snap.approved_routes
            if route.request_id in requests
        ),
    )


def _solver_route(route: PlannedRoute, origin: datetime) -> Route:
    return Route(
        request_id=route.request_id,
        member_id=route.member_id,
        leave=_minutes(route.leave_at, origin),
        metres=route.metres,
        detour_minutes=route.detour_minutes,
        stops=tuple(
            Stop(pickup_id=None if pickup is None else str(pickup), arrive=_minutes(at, origin), load=load)
            for pickup, at, load in route.stops
        ),
    )


def to_proposal(roster_id: str, snap: PlanningSnapshot, instance: Instance, roster: Roster) -> Proposal:
    pinned = {(p.request_id, p.member_id) for p in instance.pinned}
    return Proposal(
        roster_id=roster_id,
        club_id=snap.club_id,
        horizon_start=snap.horizon_start,
        horizon_end=snap.horizon_end,
        solve_status=roster.status.value,
        objective=roster.objective,
        bound=roster.bound,
        filled_slots=roster.filled_slots,
        total_slots=roster.total_slots - _spare_driver_places(instance, roster),
        wall_s=roster.wall_s,
        solve_kind=roster.kind.value,
        entries=tuple(
            Slot(a.request_id, a.slot_index, a.member_id, (a.request_id, a.member_id) in pinned)
            for a in roster.assignments
        ),
        unfilled=tuple((u.request_id, u.slot_index, u.code.value, u.text) for u in roster.unfilled),
        released=tuple((x.request_id, x.member_id, x.code.value, x.text) for x in roster.released),
        routes=tuple(_route(route, snap.horizon_start) for route in roster.routes),
        lift_notes=tuple(
            (n.request_id, None if n.pickup_id is None else int(n.pickup_id), n.text)
            for n in roster.lift_notes
        ),
    )


def _spare_driver_places(instance: Instance, roster: Roster) -> int:
    """A lift with pickups asks for up to one driver per passenger, but needs only the cars its routes
    use: the places it does not need are not places left empty. Counted as its drivers once served,
    as one place while nobody drives it."""
    drivers = Counter(a.request_id for a in roster.assignments)
    return sum(r.headcount - max(drivers[r.id], 1) for r in instance.requests if r.pickups)


def _route(route: Route, origin: datetime) -> PlannedRoute:
    def at(minute: int) -> datetime:
        return origin + timedelta(minutes=minute)

    return PlannedRoute(
        request_id=route.request_id,
        member_id=route.member_id,
        leave_at=at(route.leave),
        metres=route.metres,
        detour_minutes=route.detour_minutes,
        stops=tuple(
            (None if s.pickup_id is None else int(s.pickup_id), at(s.arrive), s.load) for s in route.stops
        ),
    )
