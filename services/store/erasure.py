"""Erasing a member: everything that says who they are, where they live, when they are free or where
they went is deleted in one transaction; what remains is an anonymous count of the work done, so the
club's reports and the partners' counts still add up. A ``MemberErased`` event tells every consumer
of the stream to forget them too."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Connection, delete, insert, or_, select, true, update

from events import AssignmentWithdrawn, MemberErased
from services.domain import AssignmentStatus, NotFound
from services.store import audit, outbox
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


def forget_assignments(conn: Connection, club_id: str, where: ColumnElement[bool], now: datetime) -> int:
    """Turn the assignments matching ``where`` into anonymous counts; returns how many. Live ones
    of work still to come count as withdrawn (nobody is going any more), and say so on the stream,
    so the partner's counts follow and the place is planned again."""
    a, r = assignments.c, help_requests.c
    rows = conn.execute(
        select(a.id, a.request_id, a.member_id, a.status, r.starts_at, r.ends_at)
        .join(help_requests, r.id == a.request_id)
        .where(a.club_id == club_id, where)
    ).all()
    if not rows:
        return 0
    counts = []
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
            withdrawn = AssignmentWithdrawn(
                club_id=club_id, assignment_id=x.id, request_id=x.request_id, member_id=x.member_id
            )
            outbox.append(conn, withdrawn)
    conn.execute(insert(anonymous_assignments), counts)
    conn.execute(delete(assignments).where(a.id.in_([x.id for x in rows])))
    return len(rows)


def erase_member(conn: Connection, member_id: str, club_id: str | None = None, by: str | None = None) -> str:
    """Erase ``member_id`` (of ``club_id``, when the caller is scoped to a club); returns the club.
    ``by``: the coordinator who asked, for the audit trail."""
    m = members.c
    scope = m.club_id == club_id if club_id is not None else true()
    found = conn.execute(select(m.club_id, m.email, m.phone).where(m.id == member_id, scope)).first()
    if found is None:
        raise NotFound(f"member {member_id} not found")
    club_id = str(found.club_id)
    assigned = [
        x
        for x in conn.execute(select(assignments.c.id).where(assignments.c.member_id == member_id)).scalars()
    ]
    now = datetime.now(UTC)
    forget_assignments(conn, club_id, assignments.c.member_id == member_id, now)
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
    outbox.append(conn, MemberErased(club_id=club_id, member_id=member_id))
    if by:
        audit.record(conn, club_id, by, "member.erase", "member", member_id)
    return club_id
