"""A member sent somewhere without a car asks to be collected from home: they become a pickup on
the lift to that work (made by the first ask), which is planned like any lift."""

from __future__ import annotations

from dataclasses import dataclass

from events import LiftAsked
from services.domain import SENT, Conflict, NotFound
from services.ports import UnitOfWork


@dataclass(frozen=True)
class AskForLift:
    club_id: str
    member_id: str
    assignment_id: str


def ask_for_lift(cmd: AskForLift, uow: UnitOfWork) -> str:
    """The lift's request id. Only the member's own live assignment, to work that is not a lift
    itself, and once."""
    sent = uow.assignments.get(cmd.club_id, cmd.assignment_id)
    if sent is None or sent.member_id != cmd.member_id:
        raise NotFound(f"assignment {cmd.assignment_id} not found")
    if sent.status not in SENT:
        raise Conflict(f"assignment {cmd.assignment_id} is {sent.status}: there is nowhere to take you")
    work = uow.requests.get(cmd.club_id, sent.request_id)
    if work is None or work.fields["kind"] == "lift":
        raise Conflict("this is a lift already")
    lift_id = uow.requests.ask_lift(cmd.club_id, cmd.member_id, work.id)
    if lift_id is None:
        raise Conflict("you have already asked for a lift there")
    uow.emit(
        LiftAsked(club_id=cmd.club_id, request_id=lift_id, for_request_id=work.id, member_id=cmd.member_id)
    )
    return lift_id
