"""A member's offer to take an open place (the "Offer to help" page).

The offer is judged by the rules that plan the roster (skills, availability and days off, refusals,
travel radius, declines, hours, double booking with pins), over the next OFFER_AHEAD rather than the
planning horizon, so a place in three weeks can be offered for too. An offer that stands is pinned
like a coordinator's placement (``pinned_by`` is the member) and the club is re-planned: the next
proposal shows the member there, and a coordinator approves it as usual. Where the club lets members
sign themselves up for the request's kind, an offer on a place nobody holds goes straight in: it
becomes the member's accepted assignment on the approved roster at once (the pin keeps it in the
next proposal), through the same events as an approval and an answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from events import AssignmentAccepted, AssignmentIssued, HelpOffered
from services.commands.placement import RULES, Refused
from services.domain import AssignmentStatus, Conflict, new_id
from services.ports import AssignmentRow, PlanningSnapshot, Slot, UnitOfWork
from services.translate import to_instance
from solver import member_options

OFFER_AHEAD = timedelta(days=28)


@dataclass(frozen=True)
class OfferHelp:
    club_id: str
    member_id: str
    request_id: str
    slot_index: int


def offer_options(
    uow: UnitOfWork, club_id: str, member_id: str, now: datetime | None = None
) -> dict[str, str | None]:
    """Every request of the next OFFER_AHEAD: None where the member could take a place, else the
    rule that stops them, in words completing "You ..."."""
    now = now or datetime.now(UTC)
    with uow:
        snap = uow.rosters.snapshot(club_id, now, now + OFFER_AHEAD)
    return member_options(to_instance(snap), RULES, member_id)


def offer_help(cmd: OfferHelp, uow: UnitOfWork) -> bool:
    """Pin the member on the place; True when they signed themselves up (the place is theirs now),
    False when the offer waits for the next proposal."""
    now = datetime.now(UTC)
    snap = uow.rosters.snapshot(cmd.club_id, now, now + OFFER_AHEAD)
    request = next((r for r in snap.requests if r.id == cmd.request_id), None)
    if request is None or not 0 <= cmd.slot_index < request.headcount:
        raise Conflict("that place is no longer open")
    if any(p.request_id == cmd.request_id and p.slot_index == cmd.slot_index for p in snap.pins):
        raise Conflict("someone has already been put on that place")
    if any(p.request_id == cmd.request_id and p.member_id == cmd.member_id for p in snap.pins):
        raise Conflict("you already have a place on this request")
    why = member_options(to_instance(snap), RULES, cmd.member_id).get(cmd.request_id)
    if why is not None:
        raise Refused(cmd.member_id, cmd.request_id, why)
    placed = Slot(cmd.request_id, cmd.slot_index, cmd.member_id, pinned=True)
    uow.pins.pin(cmd.club_id, placed, cmd.member_id)
    uow.emit(
        HelpOffered(
            club_id=cmd.club_id,
            request_id=cmd.request_id,
            slot_index=cmd.slot_index,
            member_id=cmd.member_id,
        )
    )
    signed_up = _sign_up(cmd, uow, snap, request.kind)
    uow.schedule.mark_dirty(cmd.club_id, now)
    return signed_up


def _sign_up(cmd: OfferHelp, uow: UnitOfWork, snap: PlanningSnapshot, kind: str) -> bool:
    """Issue and accept the place at once, if the club allows it for ``kind`` and nobody holds it."""
    if kind not in snap.self_signup_kinds or snap.approved_roster_id is None:
        return False
    if any(a.slot_index == cmd.slot_index for a in uow.assignments.active_for_request(cmd.request_id)):
        return False
    row = AssignmentRow(
        id=new_id("a"),
        request_id=cmd.request_id,
        slot_index=cmd.slot_index,
        member_id=cmd.member_id,
        status=AssignmentStatus.ACCEPTED,
        roster_id=snap.approved_roster_id,
    )
    uow.rosters.set_entry(row.roster_id, Slot(row.request_id, row.slot_index, row.member_id, pinned=True))
    uow.assignments.add(row, cmd.club_id)
    same = {"club_id": cmd.club_id, "assignment_id": row.id, "request_id": row.request_id}
    uow.emit(
        AssignmentIssued(**same, member_id=row.member_id, roster_id=row.roster_id, slot_index=row.slot_index)
    )
    uow.emit(AssignmentAccepted(**same, member_id=row.member_id))
    uow.audit(cmd.club_id, cmd.member_id, "offer.signup", "request", cmd.request_id)
    return True
