"""Read views for the API: each returns plain dicts scoped to what the caller may see."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, true

from services.domain import ALWAYS_HIGH_RISK
from services.store import lifts
from services.store.request_rows import EDITABLE
from services.store.tables import (
    assignments,
    availability_windows,
    blackouts,
    clubs,
    help_requests,
    members,
    partners,
    pins,
    released_pins,
    roster_entries,
    rosters,
    unfilled_slots,
    weekly_availability,
)
from services.store.writes import with_pickups
from services.text import first_name

REQUEST_FIELDS = ("id", "series_id", *EDITABLE, "status", "created_at")
MEMBER_FIELDS = (
    "id",
    "name",
    "share_first_name",
    "email",
    "phone",
    "skills",
    "home_place",
    "home_lat",
    "home_lon",
    "exact_home",
    "max_hours_week",
    "car_seats",
    "max_travel_km",
    "liked_kinds",
    "refused_kinds",
    "refused_partners",
    "active",
)


def _pick(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(row, f) for f in fields}


def _staffing(conn: Connection, request_ids: list[str]) -> dict[str, Counter[str]]:
    a = assignments.c
    out: dict[str, Counter[str]] = {rid: Counter() for rid in request_ids}
    if request_ids:
        for row in conn.execute(
            select(a.request_id, a.status, func.count())
            .where(a.request_id.in_(request_ids))
            .group_by(a.request_id, a.status)
        ):
            out[row[0]][row[1]] = row[2]
    return out


def _fill_state(request: dict[str, Any], staffed: Counter[str], seats: int | None = None) -> str:
    """A lift with pickups is filled when the seats cover its people (its headcount is only a cap
    on drivers); other requests when their headcount is sent."""
    if request["status"] == "cancelled":
        return "cancelled"
    sent = staffed["issued"] + staffed["accepted"]
    enough = seats >= request["passengers"] if seats is not None else sent >= request["headcount"]
    return "filled" if enough else "partly_filled" if sent else "unfilled"


def partner_requests(
    conn: Connection, club_id: str, partner_id: str, request_id: str | None = None
) -> list[dict[str, Any]]:
    """A partner's own requests with how many people are assigned and confirmed; no member identities
    except the first names of members who chose to share them."""
    r = help_requests.c
    # Lifts the club arranges for its own volunteers are not the partner's: where members live
    # and their phones stay with the club.
    stmt = select(help_requests).where(r.club_id == club_id, r.partner_id == partner_id, r.lift_for.is_(None))
    if request_id is not None:
        stmt = stmt.where(r.id == request_id)
    rows = [_pick(row, REQUEST_FIELDS) for row in conn.execute(stmt.order_by(r.starts_at, r.id))]
    ids = [row["id"] for row in rows]
    staffing = _staffing(conn, ids)
    names = _shared_first_names(conn, ids)
    places, seats = lifts.pickups(conn, ids), lifts.seats_found(conn, ids)
    for row in rows:
        counts = staffing[row["id"]]
        row["assigned"] = counts["issued"] + counts["accepted"]
        row["confirmed"] = counts["accepted"]
        row["pickups"] = places.get(row["id"], [])
        row["seats_found"] = seats.get(row["id"], 0)
        row["fill_state"] = _fill_state(row, counts, row["seats_found"] if row["pickups"] else None)
        # A lift's drivers stay unnamed: the passengers meet them at the kerb, and a list of who
        # drives whom is exactly what must not leak from a partner's inbox.
        row["volunteers"] = [] if row["pickups"] else names.get(row["id"], [])
    return rows


def just_submitted(request_id: str, values: dict[str, Any]) -> dict[str, Any]:
    """A request as ``partner_requests`` shows it the moment it is stored (open, nobody sent yet),
    from the values it was stored with: the answer to a submission needs no read-back, which cost
    the one writer as much as the write itself. (``created_at``, not shown to partners, is left out.)"""
    row, pickups = with_pickups(values)
    row |= {"id": request_id, "status": "open", "pickups": [dict(p) for p in pickups]}
    row |= {"assigned": 0, "confirmed": 0, "seats_found": 0, "volunteers": []}
    row["fill_state"] = _fill_state(row, Counter(), 0 if pickups else None)
    return row


def _shared_first_names(conn: Connection, request_ids: list[str]) -> dict[str, list[str]]:
    a, m = assignments.c, members.c
    out: dict[str, list[str]] = {}
    if request_ids:
        for row in conn.execute(
            select(a.request_id, m.name)
            .join(members, m.id == a.member_id)
            .where(a.request_id.in_(request_ids), a.status == "accepted", m.share_first_name.is_(True))
        ):
            if first := first_name(row.name):
                out.setdefault(row.request_id, []).append(first)
    return out


def member_profile(conn: Connection, club_id: str, member_id: str) -> dict[str, Any] | None:
    m = members.c
    row = conn.execute(select(members).where(m.id == member_id, m.club_id == club_id)).first()
    return _pick(row, MEMBER_FIELDS) if row else None


def member_availability(conn: Connection, member_id: str) -> dict[str, Any]:
    w, o, b = weekly_availability.c, availability_windows.c, blackouts.c
    return {
        "weekly": [
            {"weekday": r.weekday, "start_minute": r.start_minute, "end_minute": r.end_minute}
            for r in conn.execute(
                select(weekly_availability)
                .where(w.member_id == member_id)
                .order_by(w.weekday, w.start_minute)
            )
        ],
        "windows": [
            {"starts_at": r.starts_at, "ends_at": r.ends_at}
            for r in conn.execute(
                select(availability_windows).where(o.member_id == member_id).order_by(o.starts_at)
            )
        ],
        "blackouts": [
            r.day for r in conn.execute(select(blackouts).where(b.member_id == member_id).order_by(b.day))
        ],
    }


def member_assignments(
    conn: Connection, club_id: str, member_id: str, ending_after: datetime | None = None
) -> list[dict[str, Any]]:
    """What a member needs to turn up: their own assignments and where to go; nobody else's (with
    ``ending_after``, only work that ends after it: a calendar feed carries no history)."""
    a, r, p = assignments.c, help_requests.c, partners.c
    rows = conn.execute(
        select(
            a.id,
            a.status,
            a.slot_index,
            a.request_id,
            r.kind,
            r.title,
            r.notes,
            r.place_name,
            r.lat,
            r.lon,
            r.starts_at,
            r.ends_at,
            p.name.label("partner_name"),
        )
        .join(help_requests, r.id == a.request_id)
        .join(partners, p.id == r.partner_id)
        .where(
            a.club_id == club_id,
            a.member_id == member_id,
            r.ends_at > ending_after if ending_after is not None else true(),
        )
        .order_by(r.starts_at, a.id)
    )
    out = [dict(row._mapping) for row in rows]
    places = lifts.pickups(conn, [row["request_id"] for row in out if row["kind"] == "lift"])
    asked = lifts.lifts_asked(
        conn, club_id, member_id, [row["request_id"] for row in out if row["kind"] != "lift"]
    )
    for row in out:
        row["lift_asked"] = asked.get(row["request_id"])
        if row["request_id"] in places and row["status"] in lifts.SENT:
            row["pickups"] = places[row["request_id"]]
            row["route"] = lifts.driver_route(conn, club_id, row["request_id"], member_id)
    return out


def club_members(conn: Connection, club_id: str) -> list[dict[str, Any]]:
    m = members.c
    return [
        _pick(row, MEMBER_FIELDS) | {"erased": row.erased_at is not None}
        for row in conn.execute(select(members).where(m.club_id == club_id).order_by(m.name, m.id))
    ]


def club_requests(conn: Connection, club_id: str) -> list[dict[str, Any]]:
    r = help_requests.c
    rows = [
        _pick(found, REQUEST_FIELDS) | {"partner_id": found.partner_id}
        for found in conn.execute(
            select(help_requests).where(r.club_id == club_id).order_by(r.starts_at, r.id)
        )
    ]
    ids = [row["id"] for row in rows]
    staffing = _staffing(conn, ids)
    places, seats = lifts.pickups(conn, ids), lifts.seats_found(conn, ids)
    for row in rows:
        lift = row["id"] in places
        row["pickups"] = places.get(row["id"], [])
        row["seats_found"] = seats.get(row["id"], 0)
        row["fill_state"] = _fill_state(row, staffing[row["id"]], row["seats_found"] if lift else None)
    return rows


def club_assignments(conn: Connection, club_id: str) -> list[dict[str, Any]]:
    a = assignments.c
    return [
        dict(row._mapping)
        for row in conn.execute(
            select(a.id, a.request_id, a.slot_index, a.member_id, a.status, a.roster_id, a.decline_reason)
            .where(a.club_id == club_id)
            .order_by(a.request_id, a.slot_index)
        )
    ]


ROSTER_FIELDS = (
    "id",
    "status",
    "created_at",
    "horizon_start",
    "horizon_end",
    "solve_status",
    "solve_kind",
    "objective",
    "bound",
    "filled_slots",
    "total_slots",
    "wall_s",
    "approved_at",
    "approved_by",
)


def roster(
    conn: Connection, club_id: str, roster_id: str | None = None, status: str = "proposed"
) -> dict[str, Any] | None:
    """A roster with its entries and the reason for every unfilled slot; by id, or the club's latest
    roster in ``status``. An entry a coordinator forced past some rules carries them (``waived``,
    rule codes) and what they mean (``despite``); other entries have none."""
    ro = rosters.c
    stmt = select(rosters).where(ro.club_id == club_id)
    stmt = stmt.where(ro.id == roster_id) if roster_id else stmt.where(ro.status == status)
    row = conn.execute(stmt.order_by(ro.created_at.desc()).limit(1)).first()
    if row is None:
        return None
    out = _pick(row, ROSTER_FIELDS)
    e, u, m, pin = roster_entries.c, unfilled_slots.c, members.c, pins.c
    out["entries"] = [
        dict(r._mapping) | {"waived": r.waived or [], "despite": r.despite or ""}
        for r in conn.execute(
            select(
                e.request_id,
                e.slot_index,
                e.member_id,
                e.pinned,
                m.name.label("member_name"),
                pin.waived,
                pin.despite,
            )
            .join(members, m.id == e.member_id)
            .outerjoin(pins, (pin.request_id == e.request_id) & (pin.member_id == e.member_id))
            .where(e.roster_id == row.id)
            .order_by(e.request_id, e.slot_index)
        )
    ]
    p = released_pins.c
    out["released"] = [
        dict(r._mapping)
        for r in conn.execute(
            select(
                p.request_id,
                p.member_id,
                p.code,
                p.reason,
                func.coalesce(m.name, "a former member").label("member_name"),
            )
            .join(members, m.id == p.member_id, isouter=True)
            .where(p.roster_id == row.id)
            .order_by(p.request_id, p.member_id)
        )
    ]
    out["unfilled"] = [
        dict(r._mapping)
        for r in conn.execute(
            select(u.request_id, u.slot_index, u.code, u.reason)
            .where(u.roster_id == row.id)
            .order_by(u.request_id, u.slot_index)
        )
    ]
    out["lifts"] = lifts.roster_lifts(conn, row.id)
    return out


def club_policy(conn: Connection, club_id: str) -> dict[str, Any]:
    """The club's retention policy, in the words the members page shows."""
    row = conn.execute(
        select(clubs.c.retention_days, clubs.c.high_risk_kinds, clubs.c.self_signup_kinds).where(
            clubs.c.id == club_id
        )
    ).one()
    kinds = sorted(ALWAYS_HIGH_RISK | set(row.high_risk_kinds or ()))
    return {
        "retention_days": row.retention_days,
        "high_risk": [k.replace("_", " ") for k in kinds],
        "high_risk_kinds": kinds,
        "always_high_risk": sorted(ALWAYS_HIGH_RISK),
        "self_signup_kinds": sorted(row.self_signup_kinds or ()),
    }


def club_subject(conn: Connection, role: str, club_id: str, subject_id: str) -> dict[str, Any] | None:
    """A member's or partner's name and whether they are active, if they belong to the club."""
    table = {"member": members, "partner": partners}[role]
    row = conn.execute(
        select(table.c.name, table.c.active).where(table.c.id == subject_id, table.c.club_id == club_id)
    ).first()
    return None if row is None else dict(row._mapping)


def club_identity(conn: Connection, club_id: str) -> tuple[str, str]:
    """(time zone, name) of the club, as every page shows them."""
    row = conn.execute(select(clubs.c.timezone, clubs.c.name).where(clubs.c.id == club_id)).one()
    return row.timezone, row.name
