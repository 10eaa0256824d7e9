"""SQL repositories behind the unit-of-work port (services/ports.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from services.ports import (
    AssignmentRepository,
    AssignmentRow,
    MemberRow,
    PickupRow,
    PlanningSnapshot,
    Proposal,
    RequestRow,
    RosterHead,
    RosterRepository,
    ScheduleRepository,
    Slot,
)
from services.store import lifts
from services.store.lifts import still_going
from services.store.tables import (
    assignments,
    availability_windows,
    blackouts,
    clubs,
    exclusions,
    help_requests,
    lift_notes,
    lift_routes,
    members,
    pins,
    released_pins,
    request_pickups,
    roster_entries,
    rosters,
    route_stops,
    schedule_state,
    unfilled_slots,
    weekly_availability,
)

ACTIVE = ("issued", "accepted")
HISTORY_WEEKS = 4


def _mark_dirty(dialect_insert: Any) -> Any:
    s = schedule_state.c
    at = bindparam("at", type_=s.last_dirty_at.type)
    upsert = dialect_insert(schedule_state).values(
        club_id=bindparam("club_id"),
        generation=1,
        solved_generation=0,
        first_dirty_at=at,
        last_dirty_at=at,
        urgent_at=bindparam("urgent_at", type_=s.urgent_at.type),
    )
    # ``excluded`` holds ``at`` as the column stores it (naive UTC), not as a bare aware datetime
    # that PostgreSQL would convert to the column's type through the session's time zone.
    return upsert.on_conflict_do_update(
        index_elements=[s.club_id],
        set_={
            "generation": s.generation + 1,
            "first_dirty_at": func.coalesce(s.first_dirty_at, upsert.excluded.first_dirty_at),
            "last_dirty_at": upsert.excluded.last_dirty_at,
            "urgent_at": func.coalesce(s.urgent_at, upsert.excluded.urgent_at),
        },
    )


_MARK_DIRTY = {False: _mark_dirty(sqlite.insert), True: _mark_dirty(postgresql.insert)}
"""The re-plan mark, built once per dialect (True: PostgreSQL): every event that can change a roster
runs it, and compiling it afresh cost more than running it."""


class SqlSchedule(ScheduleRepository):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def mark_dirty(self, club_id: str, at: datetime, urgent: bool = False) -> None:
        """One upsert: with an update then an insert, two first events of a new club could both find
        no row, and the second insert failed on the primary key (PostgreSQL; SQLite serialises)."""
        self.conn.execute(
            _MARK_DIRTY[self.conn.dialect.name == "postgresql"],
            {"club_id": club_id, "at": at, "urgent_at": at if urgent else None},
        )

    def mark_horizon_arrivals(self, now: datetime, horizon_end: datetime) -> list[str]:
        r = help_requests.c
        latest = (
            select(rosters.c.club_id, func.max(rosters.c.horizon_end).label("planned_until"))
            .group_by(rosters.c.club_id)
            .subquery()
        )
        clubs_to_plan = (
            self.conn.execute(
                select(r.club_id)
                .join(latest, latest.c.club_id == r.club_id)
                .where(
                    r.status == "open",
                    r.starts_at >= now,
                    r.ends_at <= horizon_end,
                    r.ends_at > latest.c.planned_until,
                )
                .distinct()
            )
            .scalars()
            .all()
        )
        for club_id in clubs_to_plan:
            self.mark_dirty(club_id, now)
        return list(clubs_to_plan)

    def due(
        self, now: datetime, debounce_s: float, max_delay_s: float, resting: Collection[str] = ()
    ) -> list[tuple[str, int]]:
        s = schedule_state.c
        waited = s.first_dirty_at <= now - timedelta(seconds=max_delay_s)
        rows = self.conn.execute(
            select(s.club_id, s.generation)
            .where(
                s.generation > s.solved_generation,
                or_(
                    s.last_dirty_at <= now - timedelta(seconds=debounce_s),
                    and_(waited, s.club_id.not_in(resting)) if resting else waited,
                    s.urgent_at.is_not(None),
                ),
                or_(s.lease_until.is_(None), s.lease_until < now),
                or_(s.retry_at.is_(None), s.retry_at <= now),
            )
            .order_by(s.first_dirty_at)
        )
        return [(r.club_id, r.generation) for r in rows]

    def take_lease(self, club_id: str, owner: str, now: datetime, seconds: float) -> int | None:
        s = schedule_state.c
        done = self.conn.execute(
            update(schedule_state)
            .where(s.club_id == club_id, or_(s.lease_until.is_(None), s.lease_until < now))
            .values(lease_owner=owner, lease_until=now + timedelta(seconds=seconds))
        )
        if done.rowcount != 1:
            return None
        return int(self.conn.execute(select(s.generation).where(s.club_id == club_id)).scalar_one())

    def mark_solved(self, club_id: str, generation: int, owner: str, fingerprint: str | None = None) -> bool:
        s = schedule_state.c
        done = self.conn.execute(
            update(schedule_state)
            .where(s.club_id == club_id, s.lease_owner == owner, s.solved_generation < generation)
            .values(
                solved_generation=generation,
                solved_fingerprint=fingerprint,
                lease_owner=None,
                lease_until=None,
                failed_generation=None,
                failure=None,
                failures=0,
                retry_at=None,
            )
        )
        if done.rowcount != 1:
            return False
        # Changes that arrived during the solve keep the club dirty, with a fresh debounce.
        self.conn.execute(
            update(schedule_state)
            .where(s.club_id == club_id, s.generation <= s.solved_generation)
            .values(first_dirty_at=None, urgent_at=None)
        )
        return True

    def solved_fingerprint(self, club_id: str) -> str | None:
        s = schedule_state.c
        return self.conn.execute(select(s.solved_fingerprint).where(s.club_id == club_id)).scalar()

    def settled(self, club_id: str, generation: int) -> bool:
        s = schedule_state.c
        found = self.conn.execute(
            select(s.club_id).where(
                s.club_id == club_id,
                s.generation == generation,
                s.solved_generation == generation,
                s.lease_owner.is_(None),
            )
        ).first()
        return found is not None

    def failures(self, club_id: str) -> int:
        s = schedule_state.c
        return int(self.conn.execute(select(s.failures).where(s.club_id == club_id)).scalar() or 0)

    def mark_failed(
        self, club_id: str, generation: int, owner: str, reason: str, retry_at: datetime
    ) -> bool | None:
        s = schedule_state.c
        before = self.conn.execute(select(s.failed_generation).where(s.club_id == club_id)).scalar()
        marked = self.conn.execute(
            update(schedule_state)
            .where(s.club_id == club_id, s.lease_owner == owner)
            .values(
                lease_owner=None,
                lease_until=None,
                failed_generation=generation,
                failure=reason,
                failures=s.failures + 1,
                retry_at=retry_at,
            )
        )
        if marked.rowcount == 0:
            return None  # the lease is another scheduler's now: this failure is of a stale solve
        return bool(before != generation)


class SqlRosters(RosterRepository):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def snapshot(self, club_id: str, horizon_start: datetime, horizon_end: datetime) -> PlanningSnapshot:
        club = self.conn.execute(
            select(clubs.c.timezone, clubs.c.self_signup_kinds).where(clubs.c.id == club_id)
        ).one()
        tz = club.timezone
        r = help_requests.c
        pickups = self._pickups(club_id, horizon_start, horizon_end)
        # A lift's people are its pickups' (members who asked may have stopped going); its
        # headcount only caps the drivers, at one per passenger.
        people = {rid: sum(p.people for p in found) for rid, found in pickups.items()}
        requests = tuple(
            RequestRow(
                id=row.id,
                partner_id=row.partner_id,
                kind=row.kind,
                lat=row.lat,
                lon=row.lon,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                headcount=people.get(row.id, row.headcount),
                skills=tuple(row.skills),
                lead_skills=tuple(row.lead_skills),
                passengers=people.get(row.id, row.passengers),
                priority=row.priority,
                pickups=pickups.get(row.id, ()),
            )
            for row in self.conn.execute(
                select(help_requests)
                .where(
                    r.club_id == club_id,
                    r.status == "open",
                    r.starts_at >= horizon_start,
                    r.ends_at <= horizon_end,
                )
                .order_by(r.starts_at, r.id)
            )
            if row.lift_for is None or row.id in pickups  # nobody left who asked: no lift
        )
        in_horizon = and_(r.starts_at >= horizon_start, r.starts_at < horizon_end)
        assigned = (
            select(
                assignments.c.request_id,
                assignments.c.member_id,
                assignments.c.slot_index,
                assignments.c.status,
                assignments.c.roster_id,
            )
            .join(help_requests, help_requests.c.id == assignments.c.request_id)
            .where(assignments.c.club_id == club_id, in_horizon)
        )
        approved: list[Slot] = []
        declined: list[tuple[str, str]] = []
        for row in self.conn.execute(assigned):
            if row.status in ACTIVE:
                approved.append(Slot(row.request_id, row.slot_index, row.member_id))
            elif row.status == "declined":
                declined.append((row.request_id, row.member_id))
        planned = and_(r.club_id == club_id, r.starts_at >= horizon_start, r.ends_at <= horizon_end)
        x, p = exclusions.c, pins.c
        declined += [
            (row.request_id, row.member_id)
            for row in self.conn.execute(
                select(x.request_id, x.member_id).join(help_requests, r.id == x.request_id).where(planned)
            )
        ]
        pinned = tuple(
            Slot(row.request_id, row.slot_index, row.member_id, True, frozenset(row.waived))
            for row in self.conn.execute(
                select(p.request_id, p.slot_index, p.member_id, p.waived)
                .join(help_requests, r.id == p.request_id)
                .where(planned)
                .order_by(p.pinned_at, p.request_id, p.member_id)
            )
        )
        ro, e = rosters.c, roster_entries.c
        proposed = tuple(
            Slot(row.request_id, row.slot_index, row.member_id, row.pinned)
            for row in self.conn.execute(
                select(e.request_id, e.slot_index, e.member_id, e.pinned)
                .join(rosters, ro.id == e.roster_id)
                .where(ro.club_id == club_id, ro.status == "proposed")
                .order_by(e.request_id, e.slot_index)
            )
        )
        approved_roster = lifts.approved_roster(self.conn, club_id)
        routes = (
            lifts.planned_routes(self.conn, approved_roster, (r.id for r in requests if r.pickups))
            if approved_roster
            else ()
        )
        return PlanningSnapshot(
            club_id=club_id,
            timezone=tz,
            horizon_start=horizon_start,
            horizon_end=horizon_end,
            requests=requests,
            members=self._members(club_id, horizon_start, horizon_end),
            approved=tuple(approved),
            declined=tuple(declined),
            pins=pinned,
            approved_routes=routes,
            proposed=proposed,
            approved_roster_id=approved_roster,
            self_signup_kinds=frozenset(club.self_signup_kinds or ()),
        )

    def _pickups(self, club_id: str, start: datetime, end: datetime) -> dict[str, tuple[PickupRow, ...]]:
        r, k = help_requests.c, request_pickups.c
        out: dict[str, list[PickupRow]] = defaultdict(list)
        for row in self.conn.execute(
            select(request_pickups)
            .join(help_requests, r.id == k.request_id)
            .where(
                r.club_id == club_id,
                r.status == "open",
                r.starts_at >= start,
                r.ends_at <= end,
                still_going(),
            )
            .order_by(k.request_id, k.position)
        ):
            out[row.request_id].append(PickupRow(row.position, row.place_name, row.lat, row.lon, row.people))
        return {rid: tuple(rows) for rid, rows in out.items()}

    def _members(self, club_id: str, start: datetime, end: datetime) -> tuple[MemberRow, ...]:
        m = members.c
        ids = select(m.id).where(m.club_id == club_id, m.active.is_(True)).scalar_subquery()
        weekly: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
        for row in self.conn.execute(
            select(weekly_availability).where(weekly_availability.c.member_id.in_(ids))
        ):
            weekly[row.member_id].append((row.weekday, row.start_minute, row.end_minute))
        windows: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
        w = availability_windows.c
        for row in self.conn.execute(
            select(availability_windows).where(w.member_id.in_(ids), w.ends_at > start, w.starts_at < end)
        ):
            windows[row.member_id].append((row.starts_at, row.ends_at))
        off: dict[str, list] = defaultdict(list)
        for row in self.conn.execute(select(blackouts).where(blackouts.c.member_id.in_(ids))):
            off[row.member_id].append(row.day)
        history = self._history_minutes(club_id, start)
        return tuple(
            MemberRow(
                id=row.id,
                skills=tuple(row.skills),
                home_lat=row.home_lat,
                home_lon=row.home_lon,
                max_hours_week=row.max_hours_week,
                car_seats=row.car_seats,
                max_travel_km=row.max_travel_km,
                liked_kinds=tuple(row.liked_kinds),
                refused_kinds=tuple(row.refused_kinds),
                refused_partners=tuple(row.refused_partners),
                weekly=tuple(sorted(weekly[row.id])),
                windows=tuple(sorted(windows[row.id])),
                blackouts=tuple(sorted(off[row.id])),
                history_minutes=history.get(row.id, 0),
            )
            for row in self.conn.execute(
                select(members).where(m.club_id == club_id, m.active.is_(True)).order_by(m.id)
            )
        )

    def _history_minutes(self, club_id: str, horizon_start: datetime) -> dict[str, int]:
        r = help_requests.c
        since = horizon_start - timedelta(weeks=HISTORY_WEEKS)
        rows = self.conn.execute(
            select(assignments.c.member_id, r.starts_at, r.ends_at)
            .join(help_requests, r.id == assignments.c.request_id)
            .where(
                assignments.c.club_id == club_id,
                assignments.c.status.in_(ACTIVE),
                r.starts_at >= since,
                r.starts_at < horizon_start,
            )
        )
        out: dict[str, int] = defaultdict(int)
        for row in rows:
            out[row.member_id] += int((row.ends_at - row.starts_at).total_seconds() // 60)
        return out

    def add_proposal(self, proposal: Proposal) -> None:
        pending = (
            self.conn.execute(
                select(rosters.c.id).where(
                    rosters.c.club_id == proposal.club_id, rosters.c.status == "proposed"
                )
            )
            .scalars()
            .all()
        )
        self.conn.execute(
            update(rosters)
            .where(rosters.c.club_id == proposal.club_id, rosters.c.status == "proposed")
            .values(status="superseded")
        )
        self.conn.execute(
            insert(rosters).values(
                id=proposal.roster_id,
                club_id=proposal.club_id,
                status="proposed",
                created_at=datetime.now(UTC),
                horizon_start=proposal.horizon_start,
                horizon_end=proposal.horizon_end,
                solve_status=proposal.solve_status,
                objective=proposal.objective,
                bound=proposal.bound,
                filled_slots=proposal.filled_slots,
                total_slots=proposal.total_slots,
                wall_s=proposal.wall_s,
                solve_kind=proposal.solve_kind,
            )
        )
        if proposal.entries:
            self.conn.execute(
                insert(roster_entries),
                [
                    {
                        "roster_id": proposal.roster_id,
                        "request_id": e.request_id,
                        "slot_index": e.slot_index,
                        "member_id": e.member_id,
                        "pinned": e.pinned,
                    }
                    for e in proposal.entries
                ],
            )
        if proposal.unfilled:
            self.conn.execute(
                insert(unfilled_slots),
                [
                    {
                        "roster_id": proposal.roster_id,
                        "request_id": rid,
                        "slot_index": idx,
                        "code": code,
                        "reason": text,
                    }
                    for rid, idx, code, text in proposal.unfilled
                ],
            )
        if proposal.released:
            self.conn.execute(
                insert(released_pins),
                [
                    {
                        "roster_id": proposal.roster_id,
                        "request_id": rid,
                        "member_id": mid,
                        "code": code,
                        "reason": text,
                    }
                    for rid, mid, code, text in proposal.released
                ],
            )
        self._carry_releases(proposal, pending)
        self._add_routes(proposal)

    def _carry_releases(self, proposal: Proposal, superseded: Sequence[str]) -> None:
        """Pins released by a proposal nobody approved stay explained on the one that replaces it (a
        background improvement releases nothing itself), unless the coordinator has pinned them again
        or the new proposal released them afresh."""
        if not superseded:
            return
        old, pin = released_pins.c, pins.c
        again = {(rid, mid) for rid, mid, _, _ in proposal.released}
        rows = self.conn.execute(
            select(old.request_id, old.member_id, old.code, old.reason)
            .where(old.roster_id.in_(superseded))
            .where(
                ~select(pin.request_id)
                .where(pin.request_id == old.request_id, pin.member_id == old.member_id)
                .exists()
            )
        ).all()
        carried = {(r.request_id, r.member_id): r for r in rows if (r.request_id, r.member_id) not in again}
        if carried:
            self.conn.execute(
                insert(released_pins),
                [
                    {
                        "roster_id": proposal.roster_id,
                        "request_id": r.request_id,
                        "member_id": r.member_id,
                        "code": r.code,
                        "reason": r.reason,
                    }
                    for r in carried.values()
                ],
            )

    def _add_routes(self, proposal: Proposal) -> None:
        if proposal.routes:
            self.conn.execute(
                insert(lift_routes),
                [
                    {
                        "roster_id": proposal.roster_id,
                        "request_id": route.request_id,
                        "member_id": route.member_id,
                        "leave_at": route.leave_at,
                        "metres": route.metres,
                        "detour_minutes": route.detour_minutes,
                    }
                    for route in proposal.routes
                ],
            )
            self.conn.execute(
                insert(route_stops),
                [
                    {
                        "roster_id": proposal.roster_id,
                        "request_id": route.request_id,
                        "member_id": route.member_id,
                        "position": i,
                        "pickup_position": pickup,
                        "arrive_at": at,
                        "load": load,
                    }
                    for route in proposal.routes
                    for i, (pickup, at, load) in enumerate(route.stops)
                ],
            )
        if proposal.lift_notes:
            self.conn.execute(
                insert(lift_notes),
                [
                    {
                        "roster_id": proposal.roster_id,
                        "request_id": rid,
                        "pickup_position": pos,
                        "reason": text,
                    }
                    for rid, pos, text in proposal.lift_notes
                ],
            )

    def entries(self, roster_id: str) -> tuple[Slot, ...]:
        e = roster_entries.c
        rows = self.conn.execute(
            select(e.request_id, e.slot_index, e.member_id, e.pinned)
            .join(help_requests, help_requests.c.id == e.request_id)
            .join(members, members.c.id == e.member_id)
            .where(e.roster_id == roster_id, help_requests.c.status == "open", members.c.active.is_(True))
            .order_by(e.request_id, e.slot_index)
        )
        return tuple(Slot(row.request_id, row.slot_index, row.member_id, row.pinned) for row in rows)

    def horizon(self, roster_id: str) -> tuple[datetime, datetime]:
        row = self.conn.execute(
            select(rosters.c.horizon_start, rosters.c.horizon_end).where(rosters.c.id == roster_id)
        ).one()
        return row.horizon_start, row.horizon_end

    def head(self, club_id: str, roster_id: str) -> RosterHead | None:
        ro, e = rosters.c, roster_entries.c
        row = self.conn.execute(select(rosters).where(ro.id == roster_id, ro.club_id == club_id)).first()
        if row is None:
            return None
        entries = tuple(
            Slot(x.request_id, x.slot_index, x.member_id, x.pinned)
            for x in self.conn.execute(
                select(e.request_id, e.slot_index, e.member_id, e.pinned)
                .where(e.roster_id == roster_id)
                .order_by(e.request_id, e.slot_index)
            )
        )
        return RosterHead(row.id, row.club_id, row.status, row.horizon_start, row.horizon_end, entries)

    def approve(self, club_id: str, roster_id: str, approved_by: str) -> bool:
        ro = rosters.c
        won = self.conn.execute(
            update(rosters)
            .where(ro.id == roster_id, ro.club_id == club_id, ro.status == "proposed")
            .values(status="approved", approved_at=datetime.now(UTC), approved_by=approved_by)
        )
        if won.rowcount != 1:
            return False
        self.conn.execute(
            update(rosters)
            .where(ro.club_id == club_id, ro.status == "approved", ro.id != roster_id)
            .values(status="superseded")
        )
        return True

    def set_entry(self, roster_id: str, slot: Slot) -> None:
        self.drop_entry(roster_id, slot.request_id, slot.slot_index)
        self.conn.execute(
            insert(roster_entries).values(
                roster_id=roster_id,
                request_id=slot.request_id,
                slot_index=slot.slot_index,
                member_id=slot.member_id,
                pinned=slot.pinned,
            )
        )

    def drop_entry(self, roster_id: str, request_id: str, slot_index: int) -> None:
        """Empty a slot; a driver taken off a lift takes their route with them (the pickups are
        routed again at the next solve)."""
        e = roster_entries.c
        held = self.conn.execute(
            select(e.member_id).where(
                e.roster_id == roster_id, e.request_id == request_id, e.slot_index == slot_index
            )
        ).scalar()
        if held is not None:
            for table in (route_stops, lift_routes):
                t = table.c
                self.conn.execute(
                    delete(table).where(
                        t.roster_id == roster_id, t.request_id == request_id, t.member_id == held
                    )
                )
        for table in (roster_entries, unfilled_slots):
            c = table.c
            self.conn.execute(
                delete(table).where(
                    c.roster_id == roster_id, c.request_id == request_id, c.slot_index == slot_index
                )
            )


class SqlAssignments(AssignmentRepository):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _select(self):  # type: ignore[no-untyped-def]
        a = assignments.c
        return select(a.id, a.request_id, a.slot_index, a.member_id, a.status, a.roster_id)

    def _rows(self, stmt) -> list[AssignmentRow]:  # type: ignore[no-untyped-def]
        return [AssignmentRow(**row._mapping) for row in self.conn.execute(stmt)]

    def active_between(self, club_id: str, start: datetime, end: datetime) -> list[AssignmentRow]:
        r = help_requests.c
        return self._rows(
            self._select()
            .join(help_requests, r.id == assignments.c.request_id)
            .where(
                assignments.c.club_id == club_id,
                assignments.c.status.in_(ACTIVE),
                r.starts_at >= start,
                r.starts_at < end,
            )
            .order_by(assignments.c.id)
        )

    def active_for_request(self, request_id: str) -> list[AssignmentRow]:
        a = assignments.c
        return self._rows(
            self._select().where(a.request_id == request_id, a.status.in_(ACTIVE)).order_by(a.id)
        )

    def active_for_member(self, member_id: str, after: datetime) -> list[AssignmentRow]:
        a, r = assignments.c, help_requests.c
        return self._rows(
            self._select()
            .join(help_requests, r.id == a.request_id)
            .where(a.member_id == member_id, a.status.in_(ACTIVE), r.starts_at > after)
            .order_by(a.id)
        )

    def get(self, club_id: str, assignment_id: str) -> AssignmentRow | None:
        a = assignments.c
        found = self._rows(self._select().where(a.id == assignment_id, a.club_id == club_id))
        return found[0] if found else None

    def add(self, row: AssignmentRow, club_id: str) -> None:
        self.conn.execute(
            insert(assignments).values(
                id=row.id,
                club_id=club_id,
                roster_id=row.roster_id,
                request_id=row.request_id,
                slot_index=row.slot_index,
                member_id=row.member_id,
                status=row.status,
                updated_at=datetime.now(UTC),
            )
        )

    def request_state(self, request_id: str) -> tuple[str, datetime] | None:
        r = help_requests.c
        row = self.conn.execute(select(r.status, r.ends_at).where(r.id == request_id)).first()
        return None if row is None else (row.status, row.ends_at)

    def set_status(self, assignment_id: str, status: str, decline_reason: str | None = None) -> None:
        self.conn.execute(
            update(assignments)
            .where(assignments.c.id == assignment_id)
            .values(status=status, decline_reason=decline_reason, updated_at=datetime.now(UTC))
        )
