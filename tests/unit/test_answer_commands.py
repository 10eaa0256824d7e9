"""The assignment's answers as a state machine, against fakes: accept only a place not yet answered,
decline one not yet answered or accepted before, nothing else, and only one's own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.commands import AnswerAssignment, MarkNoShow, execute
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


ENDED = datetime.now(UTC) - timedelta(hours=1)


def sent_to(status: str, request: tuple[str, datetime]) -> FakeUnitOfWork:
    uow = holding(status)
    uow.assignments.requests["r1"] = request
    return uow


@pytest.mark.parametrize("status", ["issued", "accepted"])
def test_a_no_show_is_recorded_for_someone_sent_once_the_request_ended(status: str) -> None:
    uow = sent_to(status, ("open", ENDED))
    execute(uow, MarkNoShow("club", "a1", "coord"))
    assert uow.assignments.rows["a1"].status == "no_show"
    assert [(e.type, e.marked_by) for e in uow.emitted] == [("AssignmentNoShow", "coord")]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("status", "job", "why"),
    [
        ("issued", ("open", datetime.now(UTC) + timedelta(hours=1)), "once the request has ended"),
        ("declined", ("open", ENDED), "only people sent"),
        ("no_show", ("open", ENDED), "only people sent"),
        ("accepted", ("cancelled", ENDED), "only people sent"),
    ],
)
def test_a_no_show_the_rules_do_not_allow_is_a_conflict(
    status: str, job: tuple[str, datetime], why: str
) -> None:
    uow = sent_to(status, job)
    with pytest.raises(Conflict, match=why):
        execute(uow, MarkNoShow("club", "a1", "coord"))
    assert uow.assignments.rows["a1"].status == status and uow.emitted == []


def test_a_no_show_of_an_unknown_assignment_is_not_found() -> None:
    with pytest.raises(NotFound):
        execute(sent_to("issued", ("open", ENDED)), MarkNoShow("club", "a9", "coord"))
