"""Coordinators: invite partners and members, review and approve the proposed roster."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse

from api.deps import Coordinator, ReadConn, Run, WriteConn, run_in
from api.routes import Refusal, answers
from api.routes.member import member_values
from api.schemas import (
    ApproveIn,
    Created,
    InviteSent,
    MemberCreated,
    MemberFields,
    MemberPublic,
    PartnerCreate,
    PlaceIn,
    SwapIn,
)
from services.commands import (
    ApproveRoster,
    ChaseAssignment,
    DeactivateMember,
    InviteMember,
    InvitePartner,
    PlaceMember,
    Refused,
    SendInvite,
    SwapSlots,
    UndoRemoval,
    Unpin,
)
from services.commands.invites import SendBy
from services.store import attention, views, writes

router = APIRouter(prefix="/api/coordinator", tags=["coordinator"], responses=answers(401, 403))


@router.post("/partners", status_code=status.HTTP_201_CREATED, response_model=Created)
def add_partner(body: PartnerCreate, who: Coordinator, conn: WriteConn) -> Created:
    partner_id, token = run_in(
        conn, InvitePartner(who.club_id, body.name, body.contact_email, who.subject_id)
    )
    return Created(id=partner_id, token=token)


@router.post("/members", status_code=status.HTTP_201_CREATED, response_model=MemberCreated)
def register_member(
    body: MemberFields, who: Coordinator, conn: WriteConn, send_invite: SendBy | None = None
) -> MemberCreated:
    """``send_invite`` also sends the invitation by email or Signal, with a single-use sign-in link
    (never the private link); ``invite`` says what was sent where, or why nothing could be."""
    made = run_in(conn, InviteMember(who.club_id, member_values(body), who.subject_id, send_invite or ""))
    return MemberCreated(
        id=made.member_id, token=made.token, invite=made.invite.text if send_invite else None
    )


@router.post("/members/{member_id}/invite", responses=answers(404, 409))
def resend_invite(
    member_id: str, who: Coordinator, conn: WriteConn, send_by: SendBy | None = None
) -> InviteSent:
    """The invitation again, by ``send_by`` (default: email when the member has an address, else
    Signal), with a fresh single-use sign-in link; the private link is left as it is. 409 when the
    member is deactivated or has no address for that channel."""
    invite = run_in(conn, SendInvite(who.club_id, member_id, who.subject_id, send_by))
    return InviteSent(sent=invite.text)


@router.get("/members", response_model=list[MemberPublic])
def list_members(who: Coordinator, conn: ReadConn) -> list[dict[str, Any]]:
    return views.club_members(conn, who.club_id)


@router.post(
    "/members/{member_id}/deactivate", status_code=status.HTTP_204_NO_CONTENT, responses=answers(404)
)
def deactivate_member(member_id: str, who: Coordinator, conn: WriteConn) -> None:
    run_in(conn, DeactivateMember(who.club_id, member_id, who.subject_id))


@router.get("/requests")
def list_requests(who: Coordinator, conn: ReadConn) -> list[dict[str, Any]]:
    return views.club_requests(conn, who.club_id)


@router.get("/assignments")
def list_assignments(who: Coordinator, conn: ReadConn) -> list[dict[str, Any]]:
    return views.club_assignments(conn, who.club_id)


@router.get("/rosters/proposed", responses=answers(404))
def proposed_roster(who: Coordinator, conn: ReadConn) -> dict[str, Any]:
    found = views.roster(conn, who.club_id, status="proposed")
    if found is None:
        raise writes.NotFound("no proposed roster yet")
    return found


@router.get("/rosters/approved", responses=answers(404))
def approved_roster(who: Coordinator, conn: ReadConn) -> dict[str, Any]:
    found = views.roster(conn, who.club_id, status="approved")
    if found is None:
        raise writes.NotFound("no approved roster yet")
    return found


@router.get("/rosters/{roster_id}", responses=answers(404))
def read_roster(roster_id: str, who: Coordinator, conn: ReadConn) -> dict[str, Any]:
    found = views.roster(conn, who.club_id, roster_id=roster_id)
    if found is None:
        raise writes.NotFound(f"roster {roster_id} not found")
    return found


@router.post("/rosters/{roster_id}/approve", responses=answers(404, 409))
def approve_roster(roster_id: str, body: ApproveIn, who: Coordinator, run: Run) -> dict[str, str]:
    """Removed members are not proposed for those requests again (until the removal is undone);
    pinned ones stay in every later proposal while the pin can be kept."""
    run(
        ApproveRoster(
            who.club_id,
            roster_id,
            who.subject_id,
            remove=frozenset((s.request_id, s.slot_index) for s in body.remove),
            pin=frozenset((s.request_id, s.slot_index) for s in body.pin),
            replan=body.replan,
        )
    )
    return {"id": roster_id, "status": "approved"}


REFUSALS = answers(404) | {
    409: {
        "model": Refusal,
        "description": "The proposal changed meanwhile, or a member would break a rule of the roster: "
        "``rules`` names those ``force: true`` may waive, and ``forceable`` says whether they are all.",
    }
}


def _refused(exc: Refused) -> JSONResponse:
    body = Refusal(detail=str(exc), breaks=exc.text, rules=list(exc.waivers), forceable=exc.forceable)
    return JSONResponse(body.model_dump(), status_code=status.HTTP_409_CONFLICT)


@router.post("/rosters/{roster_id}/swap", status_code=status.HTTP_204_NO_CONTENT, responses=REFUSALS)
def swap_slots(roster_id: str, body: SwapIn, who: Coordinator, run: Run) -> Response:
    """Exchange two filled places of the current proposal and pin both; 409 names the rule a member
    would break in their new place. ``force: true`` keeps a swap that breaks only rules about whether
    one person suits one job (skills, availability, hours, refusals, travel radius) as an exception
    the board shows; double booking and a decline are never forced."""
    first, second = (
        (body.first.request_id, body.first.slot_index),
        (body.second.request_id, body.second.slot_index),
    )
    try:
        run(SwapSlots(who.club_id, roster_id, first, second, who.subject_id, force=body.force))
    except Refused as exc:
        return _refused(exc)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/rosters/{roster_id}/place", status_code=status.HTTP_204_NO_CONTENT, responses=REFUSALS)
def place_member(roster_id: str, body: PlaceIn, who: Coordinator, run: Run) -> Response:
    """Put a member on a place of the current proposal, filled or not, pinned; 409 names the rule
    that stops them. ``force: true`` places them anyway when only rules a coordinator may waive stand
    in the way (as for a swap); the roster then carries it as an explained exception."""
    key = body.request_id, body.slot_index
    try:
        run(PlaceMember(who.club_id, roster_id, key, body.member_id, who.subject_id, force=body.force))
    except Refused as exc:
        return _refused(exc)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "/pins/{request_id}/{member_id}", status_code=status.HTTP_204_NO_CONTENT, responses=answers(404)
)
def unpin(request_id: str, member_id: str, who: Coordinator, run: Run) -> None:
    run(Unpin(who.club_id, request_id, member_id, who.subject_id))


@router.delete(
    "/removals/{request_id}/{member_id}", status_code=status.HTTP_204_NO_CONTENT, responses=answers(404)
)
def undo_removal(request_id: str, member_id: str, who: Coordinator, run: Run) -> None:
    run(UndoRemoval(who.club_id, request_id, member_id, who.subject_id))


@router.get("/attention")
def needs_attention(request: Request, who: Coordinator, conn: ReadConn) -> list[dict[str, Any]]:
    """What needs a person now, newest first, as on the board: ``kind`` is ``declined`` (with the
    reason, and whether a new proposal fills the place), ``unanswered`` (``waiting_s`` seconds, past
    MECHANIC_UNANSWERED_AFTER_H), ``unfilled_soon`` (an urgent or high-priority place still empty
    within MECHANIC_URGENT_WITHIN_H, with the solver's reason) or ``planning_failed``."""
    settings = request.app.state.settings
    items = attention.attention(
        conn,
        who.club_id,
        datetime.now(UTC),
        timedelta(hours=settings.unanswered_after_h),
        timedelta(hours=settings.urgent_within_h),
    )
    return [_plain(item) for item in items]


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    waiting = item.pop("waiting", None)
    return item | ({"waiting_s": int(waiting.total_seconds())} if waiting is not None else {})


@router.post(
    "/assignments/{assignment_id}/chase",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=answers(404, 409),
)
def chase(assignment_id: str, who: Coordinator, run: Run) -> None:
    """Ask the member again, by the channels they chose; 409 once they have answered."""
    run(ChaseAssignment(who.club_id, assignment_id, who.subject_id))
