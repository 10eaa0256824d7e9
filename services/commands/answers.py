"""Coordinators following up members' answers."""

from __future__ import annotations

from dataclasses import dataclass

from events import AssignmentChased
from services.domain import Conflict, NotFound
from services.ports import UnitOfWork


@dataclass(frozen=True)
class ChaseAssignment:
    club_id: str
    assignment_id: str
    coordinator_id: str


def chase_assignment(cmd: ChaseAssignment, uow: UnitOfWork) -> None:
    """Ask the member again, through the channels they chose; only while nobody has answered."""
    row = uow.assignments.get(cmd.club_id, cmd.assignment_id)
    if row is None:
        raise NotFound(f"assignment {cmd.assignment_id} not found")
    if row.status != "issued":
        raise Conflict(f"assignment {cmd.assignment_id} is {row.status}: there is no answer to chase")
    uow.audit(cmd.club_id, cmd.coordinator_id, "assignment.chase", "member", row.member_id, row.request_id)
    uow.emit(
        AssignmentChased(
            club_id=cmd.club_id,
            assignment_id=row.id,
            request_id=row.request_id,
            member_id=row.member_id,
            chased_by=cmd.coordinator_id,
        )
    )
