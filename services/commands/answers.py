"""Members answering the places they were given, and coordinators following the answers up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from events import AssignmentAccepted, AssignmentChased, AssignmentDeclined, AssignmentNoShow
from services.domain import SENT, AssignmentStatus, Conflict, NotFound, RequestStatus
from services.ports import UnitOfWork


@dataclass(frozen=True)
class AnswerAssignment:
    club_id: str
    member_id: str
    assignment_id: str
    accept: bool
    reason: str | None = None
    """Why a member declines, in their words (optional)."""


ANSWERABLE = {
    True: {AssignmentStatus.ISSUED},
    False: {AssignmentStatus.ISSUED, AssignmentStatus.ACCEPTED},
}
"""From which states a member may accept (only a place not yet answered) or decline (also one they
accepted before: giving it up is a decline, and the place is planned again)."""


def answer_assignment(cmd: AnswerAssignment, uow: UnitOfWork) -> None:
    row = uow.assignments.get(cmd.club_id, cmd.assignment_id)
    if row is None or row.member_id != cmd.member_id:
        raise NotFound(f"assignment {cmd.assignment_id} not found")
    if row.status not in ANSWERABLE[cmd.accept]:
        raise Conflict(f"assignment {cmd.assignment_id} is {row.status}")
    if cmd.accept:
        uow.assignments.set_status(row.id, AssignmentStatus.ACCEPTED)
    else:
        uow.assignments.set_status(row.id, AssignmentStatus.DECLINED, decline_reason=cmd.reason)
    answered = AssignmentAccepted if cmd.accept else AssignmentDeclined
    uow.emit(
        answered(
            club_id=cmd.club_id, assignment_id=row.id, request_id=row.request_id, member_id=cmd.member_id
        )
    )


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


@dataclass(frozen=True)
class MarkNoShow:
    club_id: str
    assignment_id: str
    coordinator_id: str


def mark_no_show(cmd: MarkNoShow, uow: UnitOfWork) -> None:
    """Someone who was sent did not come: recorded only once the request has ended, only for people
    sent (issued or accepted) to a request that was not cancelled. The assignment then counts as
    neither done work nor live load."""
    row = uow.assignments.get(cmd.club_id, cmd.assignment_id)
    request = uow.assignments.request_state(row.request_id) if row else None
    if row is None or request is None:
        raise NotFound(f"assignment {cmd.assignment_id} not found")
    status, ends_at = request
    if row.status not in SENT or status != RequestStatus.OPEN:
        raise Conflict(f"assignment {cmd.assignment_id} is {row.status}; only people sent can be missed")
    if ends_at > datetime.now(UTC):
        raise Conflict("a no-show can only be recorded once the request has ended")
    uow.assignments.set_status(row.id, AssignmentStatus.NO_SHOW)
    uow.emit(
        AssignmentNoShow(
            club_id=cmd.club_id,
            assignment_id=row.id,
            request_id=row.request_id,
            member_id=row.member_id,
            marked_by=cmd.coordinator_id,
        )
    )
