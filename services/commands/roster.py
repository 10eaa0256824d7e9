"""Coordinators' edits of the roster: approve (with pins and removals), swap, place, unpin, undo a
removal, re-plan now. Every rule a manual change must obey is enforced here, whichever road the change took
(JSON API, pages, CLI), and every change leaves an event."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from events import MemberPinned, MemberRemoved, MemberUnpinned, RemovalUndone, ReplanAsked, RosterApproved
from services.commands.placement import check_placements
from services.domain import Conflict, NotFound, RosterStatus
from services.ports import RosterHead, Slot, UnitOfWork

SlotKey = tuple[str, int]


@dataclass(frozen=True)
class ApproveRoster:
    club_id: str
    roster_id: str
    coordinator_id: str
    remove: frozenset[SlotKey] = field(default_factory=frozenset)
    """Slots left out of the approval; their members are not proposed for those requests again."""
    pin: frozenset[SlotKey] = field(default_factory=frozenset)
    replan: bool = False
    """Re-solve at once around the pins and removals."""


@dataclass(frozen=True)
class SwapSlots:
    club_id: str
    roster_id: str
    first: SlotKey
    second: SlotKey
    coordinator_id: str
    force: bool = False
    """Keep the swap past the rules a coordinator may waive (``solver.Waiver``), as exceptions."""


@dataclass(frozen=True)
class PlaceMember:
    club_id: str
    roster_id: str
    slot: SlotKey
    member_id: str
    coordinator_id: str
    force: bool = False
    """Place them past the rules a coordinator may waive (``solver.Waiver``), as an exception."""


@dataclass(frozen=True)
class Unpin:
    club_id: str
    request_id: str
    member_id: str
    coordinator_id: str


@dataclass(frozen=True)
class UndoRemoval:
    club_id: str
    request_id: str
    member_id: str
    coordinator_id: str


def _roster(uow: UnitOfWork, club_id: str, roster_id: str) -> RosterHead:
    head = uow.rosters.head(club_id, roster_id)
    if head is None:
        raise NotFound(f"roster {roster_id} not found")
    return head


def _proposal(uow: UnitOfWork, club_id: str, roster_id: str) -> RosterHead:
    head = _roster(uow, club_id, roster_id)
    if head.status != RosterStatus.PROPOSED:
        raise Conflict(f"roster {roster_id} is {head.status}, not the current proposal")
    return head


def _replan(uow: UnitOfWork, club_id: str) -> None:
    uow.schedule.mark_dirty(club_id, datetime.now(UTC))


def _pin(
    uow: UnitOfWork, club_id: str, slot: Slot, by: str, action: str = "slot.pin", despite: str = ""
) -> None:
    """Pin and record it; a forced pin is on the audit trail as forced, its event naming the rules."""
    uow.pins.pin(club_id, slot, by, despite)
    action = "slot.force" if slot.waived else action
    uow.audit(club_id, by, action, "member", slot.member_id, slot.request_id)
    uow.emit(
        MemberPinned(
            club_id=club_id,
            request_id=slot.request_id,
            slot_index=slot.slot_index,
            member_id=slot.member_id,
            pinned_by=by,
            waived=sorted(slot.waived),
        )
    )


def approve_roster(cmd: ApproveRoster, uow: UnitOfWork) -> None:
    """Only the current proposal can be approved (a compare-and-set: of two concurrent approvals one
    wins, the other gets ``Conflict``)."""
    head = _roster(uow, cmd.club_id, cmd.roster_id)
    present = {(e.request_id, e.slot_index): e for e in head.entries}
    unknown = sorted((cmd.remove | cmd.pin) - present.keys())
    if unknown:
        raise Conflict(f"roster {cmd.roster_id} has no slot {unknown[0][0]}#{unknown[0][1]}")
    if cmd.remove & cmd.pin:
        raise Conflict("a slot cannot be both removed and pinned")
    if not uow.rosters.approve(cmd.club_id, cmd.roster_id, cmd.coordinator_id):
        raise Conflict(f"roster {cmd.roster_id} is {head.status}, not the current proposal")
    for key in sorted(cmd.remove):
        gone = present[key]
        uow.rosters.drop_entry(head.id, *key)
        uow.pins.unpin(cmd.club_id, gone.request_id, gone.member_id)
        uow.pins.exclude(cmd.club_id, gone.request_id, gone.member_id, cmd.coordinator_id)
        uow.audit(cmd.club_id, cmd.coordinator_id, "slot.remove", "member", gone.member_id, gone.request_id)
        uow.emit(
            MemberRemoved(
                club_id=cmd.club_id,
                request_id=gone.request_id,
                member_id=gone.member_id,
                removed_by=cmd.coordinator_id,
            )
        )
    for key in sorted(k for k in cmd.pin if not present[k].pinned):  # a pin already held stays as it is
        kept = Slot(*key, present[key].member_id, pinned=True)
        uow.rosters.set_entry(head.id, kept)
        _pin(uow, cmd.club_id, kept, cmd.coordinator_id)
    uow.audit(cmd.club_id, cmd.coordinator_id, "roster.approve", "roster", cmd.roster_id)
    uow.emit(RosterApproved(club_id=cmd.club_id, roster_id=cmd.roster_id, approved_by=cmd.coordinator_id))
    if cmd.replan or cmd.remove:
        _replan(uow, cmd.club_id)


def swap_slots(cmd: SwapSlots, uow: UnitOfWork) -> None:
    """Exchange the members of two slots of the current proposal and pin both where they land."""
    head = _proposal(uow, cmd.club_id, cmd.roster_id)
    held = {(e.request_id, e.slot_index): e.member_id for e in head.entries}
    if cmd.first not in held or cmd.second not in held:
        raise Conflict("both slots must be filled in the current proposal")
    after = held | {cmd.first: held[cmd.second], cmd.second: held[cmd.first]}
    for key in (cmd.first, cmd.second):
        if sum(1 for (req, _), who in after.items() if req == key[0] and who == after[key]) > 1:
            raise Conflict("that swap would send one person twice to the same request")
    moved = [Slot(*key, after[key], pinned=True) for key in (cmd.first, cmd.second)]
    left = [(key[0], held[key]) for key in (cmd.first, cmd.second)]
    kept = check_placements(uow, head, moved, dropped=left, force=cmd.force)
    for request_id, member_id in left:
        uow.pins.unpin(cmd.club_id, request_id, member_id)
    for slot, despite in kept:
        uow.rosters.set_entry(head.id, slot)
        _pin(uow, cmd.club_id, slot, cmd.coordinator_id, "slot.swap", despite)
    _replan(uow, cmd.club_id)


def place_member(cmd: PlaceMember, uow: UnitOfWork) -> None:
    """Put a chosen member on a slot of the current proposal, filled or not, and pin them there; the
    re-plan then moves whatever this displaces."""
    head = _proposal(uow, cmd.club_id, cmd.roster_id)
    held = {(e.request_id, e.slot_index): e.member_id for e in head.entries}
    request_id = cmd.slot[0]
    if any(r == request_id and m == cmd.member_id and k != cmd.slot for (r, k), m in held.items()):
        raise Conflict("that member already has a place on this request")
    uow.pins.undo_exclusion(cmd.club_id, request_id, cmd.member_id)
    placed = Slot(*cmd.slot, cmd.member_id, pinned=True)
    before = held.get(cmd.slot)
    left = [(request_id, before)] if before and before != cmd.member_id else []
    ((placed, despite),) = check_placements(uow, head, [placed], dropped=left, force=cmd.force)
    for pair in left:
        uow.pins.unpin(cmd.club_id, *pair)
    uow.rosters.set_entry(head.id, placed)
    _pin(uow, cmd.club_id, placed, cmd.coordinator_id, "slot.place", despite)
    _replan(uow, cmd.club_id)


def _take_back(
    uow: UnitOfWork,
    cmd: Unpin | UndoRemoval,
    found: bool,
    event: MemberUnpinned | RemovalUndone,
    missing: str,
    action: str,
) -> None:
    if not found:
        raise NotFound(missing)
    uow.audit(cmd.club_id, cmd.coordinator_id, action, "member", cmd.member_id, cmd.request_id)
    uow.emit(event)
    _replan(uow, cmd.club_id)


def unpin(cmd: Unpin, uow: UnitOfWork) -> None:
    found = uow.pins.unpin(cmd.club_id, cmd.request_id, cmd.member_id)
    event = MemberUnpinned(
        club_id=cmd.club_id,
        request_id=cmd.request_id,
        member_id=cmd.member_id,
        unpinned_by=cmd.coordinator_id,
    )
    _take_back(uow, cmd, found, event, "no such pin", "pin.remove")


def undo_removal(cmd: UndoRemoval, uow: UnitOfWork) -> None:
    found = uow.pins.undo_exclusion(cmd.club_id, cmd.request_id, cmd.member_id)
    event = RemovalUndone(
        club_id=cmd.club_id, request_id=cmd.request_id, member_id=cmd.member_id, undone_by=cmd.coordinator_id
    )
    _take_back(uow, cmd, found, event, "no such removal", "removal.undo")


@dataclass(frozen=True)
class ReplanNow:
    """ "Re-solve now": a new proposal for the club at once, whatever changed or did not."""

    club_id: str
    coordinator_id: str


def replan_now(cmd: ReplanNow, uow: UnitOfWork) -> None:
    uow.audit(cmd.club_id, cmd.coordinator_id, "roster.replan", "club", cmd.club_id)
    uow.emit(ReplanAsked(club_id=cmd.club_id, asked_by=cmd.coordinator_id))
    _replan(uow, cmd.club_id)
