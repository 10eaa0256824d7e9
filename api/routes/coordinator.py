"""Coordinators: invite partners and members, review and approve the proposed roster."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from api.deps import Coordinator, ReadConn, WriteConn
from api.routes.member import member_values
from api.schemas import ApproveIn, Created, MemberFields, MemberPublic, PartnerCreate
from services.store import views, writes

router = APIRouter(prefix="/api/coordinator", tags=["coordinator"])


@router.post("/partners", status_code=status.HTTP_201_CREATED, response_model=Created)
def add_partner(body: PartnerCreate, who: Coordinator, conn: WriteConn) -> Created:
    partner_id, token = writes.add_partner(conn, who.club_id, body.name, body.contact_email)
    return Created(id=partner_id, token=token)


@router.post("/members", status_code=status.HTTP_201_CREATED, response_model=Created)
def register_member(body: MemberFields, who: Coordinator, conn: WriteConn) -> Created:
    member_id, token = writes.register_member(conn, who.club_id, member_values(body))
    return Created(id=member_id, token=token)


@router.get("/members", response_model=list[MemberPublic])
def list_members(who: Coordinator, conn: ReadConn) -> list[dict[str, Any]]:
    return views.club_members(conn, who.club_id)


@router.post("/members/{member_id}/deactivate", status_code=status.HTTP_204_NO_CONTENT)
def deactivate_member(member_id: str, who: Coordinator, conn: WriteConn) -> None:
    writes.deactivate_member(conn, who.club_id, member_id)


@router.get("/requests")
def list_requests(who: Coordinator, conn: ReadConn) -> list[dict[str, Any]]:
    return views.club_requests(conn, who.club_id)


@router.get("/assignments")
def list_assignments(who: Coordinator, conn: ReadConn) -> list[dict[str, Any]]:
    return views.club_assignments(conn, who.club_id)


@router.get("/rosters/proposed")
def proposed_roster(who: Coordinator, conn: ReadConn) -> dict[str, Any]:
    found = views.roster(conn, who.club_id, status="proposed")
    if found is None:
        raise writes.NotFound("no proposed roster yet")
    return found


@router.get("/rosters/approved")
def approved_roster(who: Coordinator, conn: ReadConn) -> dict[str, Any]:
    found = views.roster(conn, who.club_id, status="approved")
    if found is None:
        raise writes.NotFound("no approved roster yet")
    return found


@router.get("/rosters/{roster_id}")
def read_roster(roster_id: str, who: Coordinator, conn: ReadConn) -> dict[str, Any]:
    found = views.roster(conn, who.club_id, roster_id=roster_id)
    if found is None:
        raise writes.NotFound(f"roster {roster_id} not found")
    return found


@router.post("/rosters/{roster_id}/approve")
def approve_roster(roster_id: str, body: ApproveIn, who: Coordinator, conn: WriteConn) -> dict[str, str]:
    writes.approve_roster(
        conn,
        who.club_id,
        roster_id,
        who.subject_id,
        remove=[(s.request_id, s.slot_index) for s in body.remove],
        pin=[(s.request_id, s.slot_index) for s in body.pin],
    )
    return {"id": roster_id, "status": "approved"}
