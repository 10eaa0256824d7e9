"""The assignment's answers as a state machine, against fakes: accept only a place not yet answered,
decline one not yet answered or accepted before, nothing else, and only one's own."""

from __future__ import annotations

import pytest

from services.commands import AnswerAssignment, execute
from services.domain import Conflict, NotFound
from services.ports import AssignmentRow
from tests.unit.fakes import FakeUnitOfWork


def holding(status: str) -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    uow.assignments.add(AssignmentRow("a1", "r1", 0, "ann", status, "ro-1"), "club")
    return uow


@pytest.mark.parametrize(
    ("status", "accept", "becomes", "event"),
    [
        ("issued", True, "accepted", "AssignmentAccepted"),
        ("issued", False, "declined", "AssignmentDeclined"),
        ("accepted", False, "declined", "AssignmentDeclined"),
    ],
)
def test_the_answers_a_member_may_give(status: str, accept: bool, becomes: str, event: str) -> None:
    uow = holding(status)
    execute(uow, AnswerAssignment("club", "ann", "a1", accept, reason="Ill"))
    assert uow.assignments.rows["a1"].status == becomes
    assert uow.assignments.reasons["a1"] == (None if accept else "Ill")
    assert [e.type for e in uow.emitted] == [event]


@pytest.mark.parametrize(
    ("status", "accept"),
    [("accepted", True), ("declined", True), ("declined", False), ("withdrawn", True), ("no_show", False)],
)
def test_an_answer_the_state_does_not_allow_is_a_conflict(status: str, accept: bool) -> None:
    uow = holding(status)
    with pytest.raises(Conflict, match=status):
        execute(uow, AnswerAssignment("club", "ann", "a1", accept))
    assert uow.assignments.rows["a1"].status == status and uow.emitted == []


def test_nobody_answers_for_someone_else() -> None:
    uow = holding("issued")
    for member, assignment in (("bob", "a1"), ("ann", "a9")):
        with pytest.raises(NotFound):
            execute(uow, AnswerAssignment("club", member, assignment, True))
    assert uow.assignments.rows["a1"].status == "issued" and uow.emitted == []
