"""A member's offer to take an open place (the "Offer to help" page).

The offer is judged by the rules that plan the roster (skills, availability and days off, refusals,
travel radius, declines, hours, double booking with pins), over the next OFFER_AHEAD rather than the
planning horizon, so a place in three weeks can be offered for too. An offer that stands is pinned
like a coordinator's placement (``pinned_by`` is the member) and the club is re-planned: the next
proposal shows the member there, and a coordinator approves it as usual.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from events import HelpOffered
from services.commands.placement import RULES, Refused
from services.domain import Conflict
from services.ports import Slot, UnitOfWork
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


def offer_help(cmd: OfferHelp, uow: UnitOfWork) -> None:
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
    uow.schedule.mark_dirty(cmd.club_id, now)
