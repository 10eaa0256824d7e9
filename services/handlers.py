"""Event handlers: plain functions ``(event, uow) -> None``, called by both transports.

The embedded dispatcher and the Faust agents both go through ``handle``, which makes every
handler idempotent: the event id is recorded in the same transaction as the handler's effects,
so a redelivered event changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from events import (
    AnyEvent,
    AssignmentDeclined,
    AssignmentIssued,
    AssignmentWithdrawn,
    AvailabilityDeclared,
    LiftAsked,
    MemberDeactivated,
    MemberErased,
    MemberRegistered,
    MemberUpdated,
    RequestCancelled,
    RequestChanged,
    RequestSubmitted,
    RosterApproved,
)
from services.domain import new_id
from services.ports import AssignmentRow, UnitOfWork

Handler = Callable[[Any, UnitOfWork], None]


URGENT_CHANGES = (AssignmentDeclined,)
"""Changes re-planned at once, without the debounce: a member declined work they were given. A
decline is one person's answer, not part of a burst that waiting would gather into one solve, and
a place that was filled stays empty until the new proposal names somebody."""


def note_change(event: AnyEvent, uow: UnitOfWork) -> None:
    """Anything that can change the best roster marks the club for a (debounced) re-solve."""
    uow.schedule.mark_dirty(event.club_id, event.occurred_at, urgent=isinstance(event, URGENT_CHANGES))


def withdraw_cancelled_request(event: RequestCancelled, uow: UnitOfWork) -> None:
    for row in uow.assignments.active_for_request(event.request_id):
        _withdraw(row, event, uow)


def withdraw_deactivated_member(event: MemberDeactivated, uow: UnitOfWork) -> None:
    """A member who leaves is taken off their future work; the re-solve finds replacements."""
    for row in uow.assignments.active_for_member(event.member_id, event.occurred_at):
        _withdraw(row, event, uow)


def issue_assignments(event: RosterApproved, uow: UnitOfWork) -> None:
    """Turn an approved roster into assignments: issue what is new, withdraw what was dropped,
    leave unchanged assignments (and members' answers to them) alone."""
    start, end = uow.rosters.horizon(event.roster_id)
    active = {
        (a.request_id, a.member_id): a for a in uow.assignments.active_between(event.club_id, start, end)
    }
    for slot in uow.rosters.entries(event.roster_id):
        if active.pop((slot.request_id, slot.member_id), None) is not None:
            continue
        row = AssignmentRow(
            id=new_id("a"),
            request_id=slot.request_id,
            slot_index=slot.slot_index,
            member_id=slot.member_id,
            status="issued",
            roster_id=event.roster_id,
        )
        uow.assignments.add(row, event.club_id)
        uow.emit(
            AssignmentIssued(
                club_id=event.club_id,
                correlation_id=event.event_id,
                assignment_id=row.id,
                roster_id=row.roster_id,
                request_id=row.request_id,
                slot_index=row.slot_index,
                member_id=row.member_id,
            )
        )
    for dropped in active.values():
        _withdraw(dropped, event, uow)


def _withdraw(row: AssignmentRow, cause: AnyEvent, uow: UnitOfWork) -> None:
    uow.assignments.set_status(row.id, "withdrawn")
    uow.emit(
        AssignmentWithdrawn(
            club_id=cause.club_id,
            correlation_id=cause.event_id,
            assignment_id=row.id,
            request_id=row.request_id,
            member_id=row.member_id,
        )
    )


HANDLERS: dict[type, tuple[Handler, ...]] = {
    RequestSubmitted: (note_change,),
    RequestCancelled: (withdraw_cancelled_request, note_change),
    RequestChanged: (note_change,),
    LiftAsked: (note_change,),
    MemberRegistered: (note_change,),
    MemberUpdated: (note_change,),
    MemberDeactivated: (withdraw_deactivated_member, note_change),
    MemberErased: (note_change,),
    AvailabilityDeclared: (note_change,),
    AssignmentDeclined: (note_change,),
    RosterApproved: (issue_assignments,),
}


def handle(consumer: str, event: AnyEvent, uow: UnitOfWork) -> bool:
    """Run the handlers of ``event`` once per consumer; returns False for a duplicate delivery."""
    with uow:
        if uow.already_processed(consumer, str(event.event_id)):
            return False
        for handler in HANDLERS.get(type(event), ()):
            handler(event, uow)
        uow.record_processed(consumer, str(event.event_id))
        uow.commit()
    return True
