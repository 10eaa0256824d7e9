"""Erasing a member: everything that says who they are, where they live, when they are free or where
they went is deleted in one transaction; what remains is an anonymous count of the work done, so the
club's reports and the partners' counts still add up. The ``EraseMember`` command's
``MemberErased`` event tells every consumer of the stream to forget them too."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Connection, delete, insert, or_, select, true, update

from events import AssignmentWithdrawn
from services.domain import AssignmentStatus
from services.ports import ErasedMember
from services.store.tables import (
    anonymous_assignments,
    assignments,
    availability_windows,
    blackouts,
    exclusions,
    help_requests,
    lift_routes,
    member_sessions,
    member_signins,
    members,
    notices,
    notify_prefs,
    pins,
    released_pins,
    roster_entries,
    route_stops,
    tokens,
    weekly_availability,
)

ERASED_NAME = "Erased member"


def forget_assignments(
    conn: Connection, club_id: str, where: ColumnElement[bool], now: datetime
) -> tuple[int, list[AssignmentWithdrawn]]:
    """Turn the assignments matching ``where`` into anonymous counts; returns how many, and the
    events the caller must emit: live ones of work still to come count as withdrawn (nobody is
    going any more), so the partner's counts follow and the place is planned again."""
    a, r = assignments.c, help_requests.c
    rows = conn.execute(
        select(a.id, a.request_id, a.member_id, a.status, r.starts_at, r.ends_at)
        .join(help_requests, r.id == a.request_id)
        .where(a.club_id == club_id, where)
    ).all()
    if not rows:
        return 0, []
    counts = []
    withdrawn = []
    for x in rows:
        going = x.status in (AssignmentStatus.ISSUED, AssignmentStatus.ACCEPTED) and x.starts_at > now
        counts.append(
            {
                "club_id": club_id,
                "request_id": x.request_id,
                "status": AssignmentStatus.WITHDRAWN if going else x.status,
                "starts_at": x.starts_at,
                "ends_at": x.ends_at,
            }
        )
        if going:
            withdrawn.append(
                AssignmentWithdrawn(
                    club_id=club_id, assignment_id=x.id, request_id=x.request_id, member_id=x.member_id
                )
            )
    conn.execute(insert(anonymous_assignments), counts)
    conn.execute(delete(assignments).where(a.id.in_([x.id for x in rows])))
    return len(rows), withdrawn


def erase_member(conn: Connection, member_id: str, club_id: str | None, now: datetime) -> ErasedMember | None:
    """Erase ``member_id`` (of ``club_id``, when the caller is scoped to a club); None if there is
    no such member. The ``EraseMember`` command emits the events and writes the audit row."""
    m = members.c
    scope = m.club_id == club_id if club_id is not None else true()
    found = conn.execute(select(m.club_id, m.email, m.phone).where(m.id == member_id, scope)).first()
    if found is None:
        return None
    club_id = str(found.club_id)
    assigned = [
        x
        for x in conn.execute(select(assignments.c.id).where(assignments.c.member_id == member_id)).scalars()
    ]
    _, withdrawn = forget_assignments(conn, club_id, assignments.c.member_id == member_id, now)
    for table in (
        weekly_availability,
        availability_windows,
        blackouts,
        notify_prefs,
        pins,
        exclusions,
        roster_entries,
        released_pins,
        route_stops,
        lift_routes,
        member_signins,
        member_sessions,
    ):
        conn.execute(delete(table).where(table.c.member_id == member_id))
    conn.execute(
        delete(tokens).where(tokens.c.role.in_(("member", "calendar")), tokens.c.subject_id == member_id)
    )
    addresses = [x for x in (found.email, found.phone) if x]
    n = notices.c
    conn.execute(
        delete(notices).where(
            n.club_id == club_id,
            or_(n.address.in_(addresses), *(n.dedupe_key.startswith(f"{a}:") for a in assigned)),
        )
    )
    conn.execute(
        update(members)
        .where(m.id == member_id)
        .values(
            name=ERASED_NAME,
            share_first_name=False,
            email=None,
            phone=None,
            skills=[],
            home_place=None,
            home_lat=0.0,
            home_lon=0.0,
            car_seats=None,
            max_travel_km=None,
            liked_kinds=[],
            refused_kinds=[],
            refused_partners=[],
            active=False,
            updated_at=now,
            erased_at=now,
        )
    )
    return ErasedMember(club_id, tuple(withdrawn))
