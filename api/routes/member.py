"""Members: their profile, availability and assignments, and nobody else's."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import Member, ReadConn, WriteConn, run_in
from api.routes import answers
from api.schemas import AvailabilityIn, DeclineIn, MemberFields, MemberPublic, OneOffWindow, WeeklyWindow
from services.commands import AnswerAssignment, DeclareAvailability, UpdateMember
from services.ports import Availability
from services.store import views, writes

router = APIRouter(prefix="/api/member", tags=["member"], responses=answers(401, 403))


def member_values(body: MemberFields) -> dict[str, Any]:
    values = body.model_dump()
    for key in ("liked_kinds", "refused_kinds"):
        values[key] = sorted(k.value for k in getattr(body, key))
    values["skills"] = sorted(set(body.skills))
    return values


@router.get("/me", response_model=MemberPublic, responses=answers(404))
def read_profile(who: Member, conn: ReadConn) -> dict[str, Any]:
    profile = views.member_profile(conn, who.club_id, who.subject_id)
    if profile is None:
        raise writes.NotFound("member not found")
    return profile


@router.put("/me", response_model=MemberPublic)
def update_profile(body: MemberFields, who: Member, conn: WriteConn) -> dict[str, Any]:
    run_in(conn, UpdateMember(who.club_id, who.subject_id, member_values(body)))
    return views.member_profile(conn, who.club_id, who.subject_id) or {}


def _as_declared(stored: dict[str, Any]) -> AvailabilityIn:
    """The same shape the PUT takes, so a client can read, change and write back."""
    weekly = [WeeklyWindow.stored(w["weekday"], w["start_minute"], w["end_minute"]) for w in stored["weekly"]]
    windows = [OneOffWindow.model_construct(**w) for w in stored["windows"]]
    return AvailabilityIn.model_construct(weekly=weekly, windows=windows, blackouts=stored["blackouts"])


@router.get("/availability", response_model=AvailabilityIn)
def read_availability(who: Member, conn: ReadConn) -> AvailabilityIn:
    return _as_declared(views.member_availability(conn, who.subject_id))


@router.put("/availability", response_model=AvailabilityIn)
def declare_availability(body: AvailabilityIn, who: Member, conn: WriteConn) -> AvailabilityIn:
    declared = Availability(
        weekly=tuple(w.minutes() for w in body.weekly),
        windows=tuple((w.starts_at, w.ends_at) for w in body.windows),
        days_off=tuple(sorted(set(body.blackouts))),
    )
    run_in(conn, DeclareAvailability(who.club_id, who.subject_id, declared))
    return _as_declared(views.member_availability(conn, who.subject_id))


@router.get("/assignments")
def list_assignments(who: Member, conn: ReadConn) -> list[dict[str, Any]]:
    return views.member_assignments(conn, who.club_id, who.subject_id)


@router.post("/assignments/{assignment_id}/accept", responses=answers(404, 409))
def accept(assignment_id: str, who: Member, conn: WriteConn) -> dict[str, str]:
    run_in(conn, AnswerAssignment(who.club_id, who.subject_id, assignment_id, accept=True))
    return {"id": assignment_id, "status": "accepted"}


@router.post("/assignments/{assignment_id}/decline", responses=answers(404, 409))
def decline(
    assignment_id: str, who: Member, conn: WriteConn, body: DeclineIn | None = None
) -> dict[str, str]:
    reason = body.reason if body else None
    run_in(conn, AnswerAssignment(who.club_id, who.subject_id, assignment_id, accept=False, reason=reason))
    return {"id": assignment_id, "status": "declined"}
